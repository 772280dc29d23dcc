// hbal: Ganeti's cluster balancer.
#include "htools/hbal.h"

int main(int argc, char** argv) { return herd::htools::HbalMain(argc, argv); }
