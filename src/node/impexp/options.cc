#include "node/impexp/options.h"

#include <unistd.h>

#include <cstdlib>
#include <sstream>

#include "base/errors.h"
#include "base/json.h"

namespace herd::impexp {
namespace {

std::optional<std::string> OptionalString(const json::object& o, const char* key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::nullopt;
  if (!it->value().is_string()) {
    throw GenericError(std::string("import/export option '") + key + "' must be a string");
  }
  return std::string(it->value().get_string());
}

bool IsPlainName(const std::string& s) {
  if (s.empty() || s[0] == '.') return false;
  return s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") ==
         std::string::npos;
}

}  // namespace

TransferOptions TransferOptionsFromJson(const json::value& v) {
  const auto& o = AsObject(v, "import/export options");
  TransferOptions opts;
  opts.key_name = OptionalString(o, "key_name");
  opts.ca_pem = OptionalString(o, "ca_pem");
  if (opts.key_name.has_value() != opts.ca_pem.has_value()) {
    throw GenericError("Cluster certificate can only be used for both key and CA");
  }
  if (opts.key_name && !IsPlainName(*opts.key_name)) {
    throw GenericError("Invalid X509 key name '" + *opts.key_name + "'");
  }
  opts.compress = OptionalString(o, "compress").value_or("none");
  ParseCompression(opts.compress);
  opts.magic = OptionalString(o, "magic");
  if (opts.magic && !IsValidMagic(*opts.magic)) {
    throw GenericError("Magic value '" + *opts.magic + "' is invalid (must match " +
                       "^[-_.a-zA-Z0-9]{5,100}$)");
  }
  if (auto it = o.find("ipv6"); it != o.end() && !it->value().is_null()) {
    if (!it->value().is_bool()) throw GenericError("import/export option 'ipv6' must be a bool");
    opts.ipv6 = it->value().get_bool();
  }
  if (auto it = o.find("connect_timeout"); it != o.end() && !it->value().is_null()) {
    const double seconds = ToNumber(it->value(), "connect_timeout");
    if (seconds <= 0 || seconds > 24 * 3600) {
      throw GenericError("import/export option 'connect_timeout' must be between 1 and 86400");
    }
    opts.connect_timeout = static_cast<int>(seconds + 0.999);
  }
  return opts;
}

Compression ParseCompression(const std::string& name) {
  if (name == "none") return Compression::kNone;
  if (name == "gzip" || name == "gzip-fast") return Compression::kGzipFast;
  if (name == "gzip-slow") return Compression::kGzipSlow;
  if (name == "lzop") return Compression::kLzop;
  throw GenericError("Unsupported transport compression '" + name +
                     "' (supported: none, gzip, gzip-fast, gzip-slow, lzop)");
}

bool IsValidMagic(const std::string& magic) {
  if (magic.size() < 5 || magic.size() > 100) return false;
  return magic.find_first_not_of(
             "-_.abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") ==
         std::string::npos;
}

std::string FindProgram(const std::string& program) {
  const char* env = std::getenv("PATH");
  std::istringstream dirs(env && *env ? env : "/usr/local/bin:/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (dir.empty()) continue;
    const std::string candidate = dir + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

}  // namespace herd::impexp
