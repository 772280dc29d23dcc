// Where a node keeps its transfers: one status directory per import/export
// helper under the run directory, and the X509 keys made for remote
// transfers (Ganeti's IMPORT_EXPORT_DIR and CRYPTO_KEYS_DIR).
#pragma once

#include <string>

#include "base/paths.h"

namespace herd::impexp {

inline std::string ImportExportDir(const Paths& paths) { return paths.RunDir() + "/import-export"; }
inline std::string CryptoKeysDir(const Paths& paths) { return paths.RunDir() + "/crypto"; }

// Files of a helper's status directory (its basename is the helper's name).
inline constexpr const char* kStatusFile = "status";
inline constexpr const char* kArgsFile = "args.json";
inline constexpr const char* kPidFile = "pid";
inline constexpr const char* kCaFile = "ca";

// The helper's executable, installed next to ganeti-noded.
inline constexpr const char* kHelperProgram = "herd-impexp";

// Creates `path` and its missing parents, each directory it creates with
// `mode` exactly (Ganeti's Makedirs; base's MakeDirs leaves modes to umask).
void MakeDirsWithMode(const std::string& path, unsigned mode);

}  // namespace herd::impexp
