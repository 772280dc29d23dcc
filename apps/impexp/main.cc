#include "node/impexp/helper.h"

int main(int argc, char** argv) { return herd::impexp::RunImportExportHelper(argc, argv); }
