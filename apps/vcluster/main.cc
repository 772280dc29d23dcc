#include "vcluster/vcluster.h"

int main(int argc, char** argv) { return herd::vcluster::Main(argc, argv); }
