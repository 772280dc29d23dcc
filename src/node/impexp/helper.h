// herd-impexp: one import or one export of one disk, started by the node
// daemon (Ganeti's import-export daemon). It reads its arguments from the
// status directory it is given, keeps the status file there up to date and
// ends with the transfer.
#pragma once

namespace herd::impexp {

// herd-impexp <status dir> [--ready-fd=N]: N receives "\1" once the helper
// is under way (listening, for an import) or the reason it could not start.
int RunImportExportHelper(int argc, char** argv);

}  // namespace herd::impexp
