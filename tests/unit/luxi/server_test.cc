#include "luxi/server.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>

#include "base/errors.h"
#include "base/json.h"
#include "luxi/client.h"

namespace herd::luxi {
namespace {

json::value Echo(const std::string& method, const json::array& args) {
  if (method == "Fail") throw OpPrereqError("no such thing", kEcodeNoEnt);
  return json::object{{"method", method}, {"args", args}};
}

TEST(LuxiServerTest, MalformedRequestsGetProtocolErrors) {
  auto r = ParseJson(HandleMessage("{not json", Echo), "r").as_object();
  EXPECT_FALSE(r.at("success").as_bool());
  EXPECT_EQ(r.at("result").as_array()[0].as_string(), "ProtocolError");
  r = ParseJson(HandleMessage("[1,2]", Echo), "r").as_object();
  EXPECT_EQ(r.at("result").as_array()[0].as_string(), "ProtocolError");
  r = ParseJson(HandleMessage(R"({"method":"X"})", Echo), "r").as_object();
  EXPECT_EQ(r.at("result").as_array()[0].as_string(), "ProtocolError");
}

TEST(LuxiServerTest, VersionIsEchoed) {
  auto r = ParseJson(HandleMessage(R"({"method":"M","args":[1],"version":3000000})", Echo), "r")
               .as_object();
  EXPECT_TRUE(r.at("success").as_bool());
  EXPECT_EQ(r.at("version").as_int64(), 3000000);
}

TEST(LuxiServerTest, ClientServerRoundTripAndErrors) {
  std::string path =
      (std::filesystem::temp_directory_path() / ("herd-luxi-" + std::to_string(getpid()) + ".sock"))
          .string();
  Server server({path}, Echo);
  server.Start();
  Client client(path, 5);
  auto v = client.Call("Ping", json::array{1, "two"});
  EXPECT_EQ(v.as_object().at("method").as_string(), "Ping");
  EXPECT_EQ(v.as_object().at("args").as_array().size(), 2u);
  try {
    client.Call("Fail", {});
    FAIL();
  } catch (const GanetiError& e) {
    EXPECT_EQ(e.error_class(), "OpPrereqError");
    EXPECT_EQ(e.args()[1], "unknown_entity");
  }
  // The same connection keeps working after an error.
  EXPECT_EQ(client.Call("Again", {}).as_object().at("method").as_string(), "Again");
  server.Stop();
  std::filesystem::remove(path);
}

TEST(LuxiServerTest, NoServerIsAClearError) {
  Client client("/nonexistent/socket", 1);
  try {
    client.Call("X", {});
    FAIL();
  } catch (const GanetiError& e) {
    EXPECT_NE(std::string(e.what()).find("master daemon"), std::string::npos);
  }
}

}  // namespace
}  // namespace herd::luxi
