#include "confd/confd_daemon.h"

int main(int argc, char** argv) { return herd::confd::RunConfdDaemon(argc, argv); }
