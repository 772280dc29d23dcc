// hail: Ganeti's iallocator plugin.
#include "htools/hail.h"

int main(int argc, char** argv) { return herd::htools::HailMain(argc, argv); }
