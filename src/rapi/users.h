// RAPI users in Ganeti's users file format: "name password [options]" per
// line, passwords in clear, "{CLEARTEXT}..." or "{HA1}md5(name:realm:pw)",
// options "write" and/or "read". The file is re-read when it changes.
#pragma once

#include <ctime>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace herd::rapi {

inline constexpr const char* kAuthRealm = "Ganeti Remote API";

struct RapiUser {
  std::string name, password;  // password as written in the file
  std::vector<std::string> options;
  bool can_write() const;
};

std::map<std::string, RapiUser> ParseUsersFile(const std::string& contents);
bool CheckPassword(const RapiUser& user, const std::string& password);

class UsersFile {
 public:
  explicit UsersFile(std::string path) : path_(std::move(path)) {}
  // The user, if the name and password are right (after re-reading a
  // changed file).
  std::optional<RapiUser> Authenticate(const std::string& name, const std::string& password);

 private:
  void Reload();
  std::string path_;
  std::mutex mu_;
  std::timespec mtime_{};
  bool loaded_ = false;
  std::map<std::string, RapiUser> users_;
};

}  // namespace herd::rapi
