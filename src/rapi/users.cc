#include "rapi/users.h"

#include <openssl/evp.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <sstream>

#include "base/errors.h"
#include "base/files.h"

namespace herd::rapi {
namespace {

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Md5Hex(const std::string& text) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), md, &len, EVP_md5(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

// Comparison whose time does not depend on where the strings differ.
bool SameSecret(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) diff |= a[i] ^ b[i];
  return diff == 0;
}

}  // namespace

bool RapiUser::can_write() const {
  for (const auto& o : options) {
    if (o == "write") return true;
  }
  return false;
}

std::map<std::string, RapiUser> ParseUsersFile(const std::string& contents) {
  std::map<std::string, RapiUser> users;
  std::istringstream in(contents);
  std::string line;
  while (std::getline(in, line)) {
    auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    std::istringstream fields(line);
    RapiUser u;
    if (!(fields >> u.name >> u.password)) {
      spdlog::warn("RAPI users file: ignoring a line with less than two fields");
      continue;
    }
    std::string rest;
    std::getline(fields, rest);
    std::istringstream opts(rest);
    std::string opt;
    while (std::getline(opts, opt, ',')) {
      auto b = opt.find_first_not_of(" \t\r");
      auto e = opt.find_last_not_of(" \t\r");
      if (b != std::string::npos) u.options.push_back(opt.substr(b, e - b + 1));
    }
    users[u.name] = u;
  }
  return users;
}

bool CheckPassword(const RapiUser& user, const std::string& password) {
  const std::string& expected = user.password;
  if (expected.empty() || expected[0] != '{') return SameSecret(expected, password);
  auto close = expected.find('}');
  if (close == std::string::npos) return false;
  const std::string scheme = Lower(expected.substr(0, close + 1));
  const std::string value = expected.substr(close + 1);
  if (scheme == "{cleartext}") return SameSecret(value, password);
  if (scheme == "{ha1}") {
    return SameSecret(Lower(value), Md5Hex(user.name + ":" + kAuthRealm + ":" + password));
  }
  spdlog::warn("RAPI user {}: unknown password scheme {}", user.name, scheme);
  return false;
}

void UsersFile::Reload() {
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) {
    users_.clear();
    loaded_ = false;
    return;
  }
  if (loaded_ && st.st_mtim.tv_sec == mtime_.tv_sec && st.st_mtim.tv_nsec == mtime_.tv_nsec) {
    return;
  }
  try {
    users_ = ParseUsersFile(ReadFile(path_));
    mtime_ = st.st_mtim;
    loaded_ = true;
    spdlog::info("loaded {} RAPI user(s) from {}", users_.size(), path_);
  } catch (const GanetiError& e) {
    spdlog::error("cannot read RAPI users file {}: {}", path_, e.what());
  }
}

std::optional<RapiUser> UsersFile::Authenticate(const std::string& name,
                                                const std::string& password) {
  std::lock_guard lock(mu_);
  Reload();
  auto it = users_.find(name);
  if (it == users_.end() || !CheckPassword(it->second, password)) return std::nullopt;
  return it->second;
}

}  // namespace herd::rapi
