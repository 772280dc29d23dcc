#include "ganeti_reference.h"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace herd::reference {
namespace {

std::string Require(const std::string& path, std::string_view what, std::string_view package) {
  if (!std::filesystem::exists(path)) {
    throw std::runtime_error(std::string(what) + " not found at " + path + ": install Debian's " +
                             std::string(package) + " (scripts/install-deps does)");
  }
  return path;
}

}  // namespace

std::string GanetiTestDataDir() {
  const char* from_env = std::getenv("HERD_GANETI_TESTDATA");
  return from_env != nullptr && *from_env != '\0' ? from_env : HERD_GANETI_TESTDATA;
}

std::string GanetiTestData(std::string_view relative) {
  return Require(GanetiTestDataDir() + "/" + std::string(relative), "Ganeti's test input",
                 "ganeti-testsuite, or set HERD_GANETI_TESTDATA to its test/data directory,");
}

std::string DebianHtool(std::string_view name) {
  return Require("/usr/lib/ganeti/3.0/usr/bin/" + std::string(name),
                 "Ganeti's " + std::string(name), "ganeti-htools-3.0");
}

std::string DebianHail() {
  return Require("/usr/lib/ganeti/3.0/usr/lib/ganeti/iallocators/hail", "Ganeti's hail",
                 "ganeti-htools-3.0");
}

}  // namespace herd::reference
