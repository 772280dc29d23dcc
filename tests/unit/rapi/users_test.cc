// Ganeti's RAPI users file: formats, password schemes, access options,
// re-reading after a change; and URL decoding of request targets.
#include "rapi/users.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "base/files.h"
#include "rapi/rapi_service.h"

namespace herd::rapi {
namespace {

TEST(RapiUsersTest, ParsesNamesPasswordsAndOptions) {
  auto users = ParseUsersFile(
      "# comment\n\nadmin secret write\nviewer {CLEARTEXT}look read\n"
      "both pw write,read\nbroken\n");
  ASSERT_EQ(users.size(), 3u);
  EXPECT_TRUE(users.at("admin").can_write());
  EXPECT_FALSE(users.at("viewer").can_write());
  EXPECT_TRUE(users.at("both").can_write());
  EXPECT_EQ(users.at("both").options, (std::vector<std::string>{"write", "read"}));
}

TEST(RapiUsersTest, PasswordSchemes) {
  RapiUser plain{"admin", "secret", {}};
  EXPECT_TRUE(CheckPassword(plain, "secret"));
  EXPECT_FALSE(CheckPassword(plain, "Secret"));
  RapiUser clear{"admin", "{CLEARTEXT}secret", {}};
  EXPECT_TRUE(CheckPassword(clear, "secret"));
  EXPECT_FALSE(CheckPassword(clear, "{CLEARTEXT}secret"));
  // md5("jack:Ganeti Remote API:abc123")
  RapiUser ha1{"jack", "{HA1}54c12257ee9be413f2f3182435514aae", {}};
  EXPECT_TRUE(CheckPassword(ha1, "abc123"));
  EXPECT_FALSE(CheckPassword(ha1, "abc124"));
  RapiUser unknown{"x", "{SHA}abc", {}};
  EXPECT_FALSE(CheckPassword(unknown, "abc"));
}

TEST(RapiUsersTest, FileIsReadAgainWhenItChanges) {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("herd-rapi-users-" + std::to_string(::getpid())))
          .string();
  WriteFileAtomic(path, "alice one write\n");
  UsersFile file(path);
  EXPECT_TRUE(file.Authenticate("alice", "one").has_value());
  EXPECT_FALSE(file.Authenticate("bob", "two").has_value());
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  WriteFileAtomic(path, "bob two read\n");
  EXPECT_FALSE(file.Authenticate("alice", "one").has_value());
  auto bob = file.Authenticate("bob", "two");
  ASSERT_TRUE(bob.has_value());
  EXPECT_FALSE(bob->can_write());
  RemoveFile(path);
  EXPECT_FALSE(file.Authenticate("bob", "two").has_value());
}

TEST(RapiUsersTest, UrlDecoding) {
  EXPECT_EQ(UrlDecode("a%20b+c"), "a b c");
  EXPECT_EQ(UrlDecode("%2Fx%2f"), "/x/");
  EXPECT_EQ(UrlDecode("100%"), "100%");
}

}  // namespace
}  // namespace herd::rapi
