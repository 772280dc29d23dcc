#include "rpc/procedures.h"

namespace herd::rpc {

bool IsLongRunningProcedure(std::string_view target) {
  if (!target.empty() && target.front() == '/') target.remove_prefix(1);
  for (const auto& p :
       {procedures::kInstanceOsAdd, procedures::kInstanceRunRename, procedures::kOsValidate,
        procedures::kOsDiagnose, procedures::kBlockdevRead, procedures::kBlockdevWrite,
        procedures::kNodeStopMaster, procedures::kNodeStartMasterDaemons, procedures::kHerdConfd,
        procedures::kTestDelay, procedures::kRestrictedCommand, procedures::kRunOob,
        procedures::kImportStart, procedures::kExportStart, procedures::kImpexpCleanup,
        procedures::kFinalizeExport, procedures::kJobqueueReplicate, procedures::kJobqueueUpdate}) {
    if (p.name == target) return true;
  }
  return false;
}

}  // namespace herd::rpc
