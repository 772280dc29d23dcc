// hcheck: Ganeti's cluster health checker.
#include "htools/hcheck.h"

int main(int argc, char** argv) { return herd::htools::HcheckMain(argc, argv); }
