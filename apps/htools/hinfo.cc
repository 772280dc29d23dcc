// hinfo: Ganeti's cluster information tool.
#include "htools/hinfo.h"

int main(int argc, char** argv) { return herd::htools::HinfoMain(argc, argv); }
