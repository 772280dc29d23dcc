#include "node/node_daemon.h"

int main(int argc, char** argv) { return herd::RunNodeDaemon(argc, argv); }
