// hspace: Ganeti's cluster capacity estimator.
#include "htools/hspace.h"

int main(int argc, char** argv) { return herd::htools::HspaceMain(argc, argv); }
