#include "node/impexp/exports.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <thread>

#include "base/errors.h"
#include "base/files.h"
#include "node/impexp/layout.h"

namespace herd::impexp {
namespace fs = std::filesystem;
namespace {

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool IsStrictlyBelow(const fs::path& path, const fs::path& dir) {
  auto p = path.begin();
  for (auto d = dir.begin(); d != dir.end(); ++d, ++p) {
    if (p == path.end() || *p != *d) return false;
  }
  return p != path.end();
}

void CheckExportName(const std::string& name) {
  if (name.empty() || name[0] == '.' || name.find('/') != std::string::npos ||
      EndsWith(name, kUnfinishedSuffix)) {
    throw GenericError("Invalid export name '" + name + "'");
  }
}

}  // namespace

std::string MapExportPath(const Paths& paths, const std::string& path) {
  if (path.empty() || path[0] != '/' || fs::path(path).lexically_normal().string() != path ||
      path.find("//") != std::string::npos || (path.size() > 1 && path.back() == '/')) {
    throw GenericError("Path '" + path + "' is not normalized or absolute");
  }
  // Already this node's own (prefixed) path, or a config path to map.
  const bool local = paths.is_virtual() && path.rfind(paths.root() + "/", 0) == 0;
  const fs::path mapped = local ? fs::path(path) : fs::path(paths.Prefixed(path));
  std::error_code ec, ec_dir;
  const fs::path real = fs::weakly_canonical(mapped, ec);
  const fs::path export_dir = fs::weakly_canonical(paths.ExportDir(), ec_dir);
  if (ec || ec_dir || !IsStrictlyBelow(real, export_dir)) {
    throw GenericError("File '" + path + "' is not under exports directory '" +
                       paths.Unprefixed(paths.ExportDir()) + "'");
  }
  return real.string();
}

std::vector<std::string> ListExports(const Paths& paths) {
  std::vector<std::string> names;
  for (const auto& name : ListDirectory(paths.ExportDir())) {  // none when it is absent
    if (!name.empty() && name[0] != '.' && !EndsWith(name, kUnfinishedSuffix)) {
      names.push_back(name);
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

bool HasIniSection(const std::string& text, const std::string& section) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    const auto b = line.find_first_not_of(" \t");
    const auto e = line.find_last_not_of(" \t\r");
    if (b != std::string::npos && line.compare(b, e - b + 1, "[" + section + "]") == 0) {
      return true;
    }
  }
  return false;
}

void FinalizeExport(const Paths& paths, const std::string& name, const std::string& config_ini) {
  CheckExportName(name);
  if (!HasIniSection(config_ini, "export") || !HasIniSection(config_ini, "instance")) {
    throw GenericError("finalize_export: the config.ini of '" + name +
                       "' lacks an [export] or [instance] section");
  }
  const std::string dir = paths.ExportDir();
  const std::string staging = dir + "/" + name + kUnfinishedSuffix;
  const std::string final_dir = dir + "/" + name;
  MakeDirsWithMode(staging, 0750);  // absent for an instance without disks
  // Durable before it becomes visible: the images (written and synced by the
  // importers), then config.ini, then the directory holding them.
  WriteFileAtomic(staging + "/" + kExportConfigFile, config_ini, 0600);
  // The older export moves aside (hidden) first, so that a crash leaves the
  // old or the new export under its name for as short a time as possible
  // with neither, and no half-deleted one.
  std::error_code ec;
  static std::atomic<uint64_t> asides{0};
  const std::string old_aside =
      dir + "/." + name + ".old-" + std::to_string(::getpid()) + "-" + std::to_string(asides++);
  if (fs::exists(final_dir, ec) && ::rename(final_dir.c_str(), old_aside.c_str()) != 0) {
    throw SystemError("moving the older export " + final_dir + " aside", errno);
  }
  if (::rename(staging.c_str(), final_dir.c_str()) != 0) {
    throw SystemError("renaming " + staging + " to " + final_dir, errno);
  }
  FsyncDirectory(dir);
  // The older copy (hidden, never listed) goes after the answer: deleting
  // a large image takes a while and the new export is already in place.
  std::thread([old_aside] {
    std::error_code removal;
    fs::remove_all(old_aside, removal);
    if (removal)
      spdlog::warn("Could not remove the older export {}: {}", old_aside, removal.message());
  }).detach();
}

std::string ExportInfo(const Paths& paths, const std::string& path) {
  const std::string local = MapExportPath(paths, path);
  if (EndsWith(local, kUnfinishedSuffix)) {
    throw GenericError("Export '" + path + "' is unfinished (its transfer has not completed)");
  }
  const std::string file = local + "/" + kExportConfigFile;
  if (!FileExists(file)) throw GenericError("Export '" + path + "' has no " + kExportConfigFile);
  std::string text = ReadFile(file);
  for (const char* section : {"export", "instance"}) {
    if (!HasIniSection(text, section)) {
      throw GenericError("Export '" + path + "' is not valid: its " + kExportConfigFile +
                         " has no [" + section + "] section");
    }
  }
  return text;
}

}  // namespace herd::impexp
