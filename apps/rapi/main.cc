#include "rapi/rapi_daemon.h"

int main(int argc, char** argv) { return herd::rapi::RunRapiDaemon(argc, argv); }
