// The node daemon's side of import/export helpers (Ganeti's
// StartImportExportDaemon, GetImportExportStatus, AbortImportExport and
// CleanupImportExport): a status directory per helper under
// <run dir>/import-export, its name being the helper's name.
#pragma once

#include <boost/json/fwd.hpp>
#include <string>

#include "base/paths.h"
#include "node/impexp/helper_args.h"
#include "node/impexp/options.h"

namespace herd::impexp {

struct HelperLaunch {
  Mode mode = Mode::kImport;
  std::string component;  // "disk0": part of the name
  TransferOptions options;
  // The transfer itself; credentials, magic, compression and timeouts are
  // filled in from `options`.
  HelperArgs args;
  std::string instance_name, os_name;  // for the log file's name
};

// Creates the status directory, writes the helper's arguments (and the CA)
// there, starts herd-impexp detached from the caller and waits until it is
// under way: an import listens (its status has listen_port) when this
// returns. Returns the helper's name; throws GenericError with the reason
// when it cannot start.
std::string StartHelper(const Paths& paths, HelperLaunch launch);

// The status object of helper `name`, or null (none or empty yet).
boost::json::value HelperStatus(const Paths& paths, const std::string& name);
// SIGTERM to the helper if it runs: it ends with the error "aborted".
void AbortHelper(const Paths& paths, const std::string& name);
// Stops the helper if it runs and removes its status directory.
void CleanupHelper(const Paths& paths, const std::string& name);

// The directory of helper `name`; throws GenericError for a name that is
// not a plain directory name.
std::string HelperDir(const Paths& paths, const std::string& name);

}  // namespace herd::impexp
