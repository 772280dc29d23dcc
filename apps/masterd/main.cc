#include "master/master_daemon.h"

int main(int argc, char** argv) { return herd::master::RunMasterDaemon(argc, argv); }
