// A fresh cluster directory for a test's virtual node: /tmp/<prefix>-XXXXXX
// holding an empty <node> directory, the node's root. The test removes it.
#pragma once

#include <stdlib.h>

#include <cerrno>
#include <filesystem>
#include <string>
#include <system_error>

namespace herd::testing_support {

inline std::string NewClusterDir(const std::string& prefix, const std::string& node) {
  std::string tmpl = "/tmp/" + prefix + "-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) {
    throw std::system_error(errno, std::generic_category(), "mkdtemp " + tmpl);
  }
  std::filesystem::create_directories(tmpl + "/" + node);
  return tmpl;
}

}  // namespace herd::testing_support
