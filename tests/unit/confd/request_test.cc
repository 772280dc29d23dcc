// Requests: the timestamp window, request types and query shapes.
#include "confd/request.h"

#include <gtest/gtest.h>

#include "confd/envelope.h"

namespace herd::confd {
namespace {

constexpr int64_t kNow = 1700000000;
const std::string kKey = "0123456789abcdef0123456789abcdef01234567\n";

std::string Datagram(const std::string& msg, int64_t salt, const std::string& key = kKey) {
  return Seal(key, std::to_string(salt), msg);
}

const std::string kPing = R"({"protocol":1,"type":0,"query":null,"rsalt":"r-1"})";

TEST(ConfdRequestTest, AcceptsASignedFreshRequest) {
  auto request = ParseRequestDatagram(Datagram(kPing, kNow), kKey, kNow, nullptr);
  ASSERT_TRUE(request);
  EXPECT_EQ(request->type, RequestType::kPing);
  EXPECT_EQ(request->rsalt, "r-1");
  EXPECT_EQ(request->query.kind, Query::Kind::kNone);
}

TEST(ConfdRequestTest, TimestampMayBeUpToFiveMinutesOff) {
  EXPECT_TRUE(ParseRequestDatagram(Datagram(kPing, kNow - 300), kKey, kNow, nullptr));
  EXPECT_TRUE(ParseRequestDatagram(Datagram(kPing, kNow + 300), kKey, kNow, nullptr));
  std::string why;
  EXPECT_FALSE(ParseRequestDatagram(Datagram(kPing, kNow - 301), kKey, kNow, &why));
  EXPECT_EQ(why, "too old/too new timestamp or clock skew");
  EXPECT_FALSE(ParseRequestDatagram(Datagram(kPing, kNow + 301), kKey, kNow, &why));
}

TEST(ConfdRequestTest, SaltMustBeAnInteger) {
  std::string why;
  EXPECT_FALSE(ParseRequestDatagram(Seal(kKey, "1700000000.5", kPing), kKey, kNow, &why));
  EXPECT_EQ(why, "the salt is not a timestamp");
  EXPECT_FALSE(ParseRequestDatagram(Seal(kKey, "", kPing), kKey, kNow, &why));
}

TEST(ConfdRequestTest, WrongKeyIsRefused) {
  std::string why;
  EXPECT_FALSE(ParseRequestDatagram(Datagram(kPing, kNow, "other\n"), kKey, kNow, &why));
  EXPECT_EQ(why, "bad HMAC");
}

TEST(ConfdRequestTest, UnknownTypesAndMalformedMessagesAreRefused) {
  for (const char* msg :
       {R"({"protocol":1,"type":12,"query":null,"rsalt":"r"})",
        R"({"protocol":1,"type":-1,"rsalt":"r"})", R"({"protocol":1,"type":"0","rsalt":"r"})",
        R"({"protocol":1,"type":0})", R"({"type":0,"rsalt":"r"})",
        R"({"protocol":1,"type":0,"query":5,"rsalt":"r"})",
        R"({"protocol":1,"type":2,"query":{"1":7},"rsalt":"r"})",
        R"({"protocol":1,"type":3,"query":{"3":[9]},"rsalt":"r"})", "[]", "nonsense"}) {
    EXPECT_FALSE(ParseRequestMessage(msg, nullptr)) << msg;
  }
}

TEST(ConfdRequestTest, ParsesStringAndDictionaryQueries) {
  auto role =
      ParseRequestMessage(R"({"protocol":1,"type":1,"query":"node2","rsalt":"r"})", nullptr);
  ASSERT_TRUE(role);
  EXPECT_EQ(role->query.kind, Query::Kind::kString);
  EXPECT_EQ(role->query.text, "node2");
  auto dict = ParseRequestMessage(
      R"({"protocol":1,"type":2,"query":{"0":"br0","1":null,"2":["a","b"],"3":[0,"2"]},)"
      R"("rsalt":"r"})",
      nullptr);
  ASSERT_TRUE(dict);
  EXPECT_EQ(dict->query.kind, Query::Kind::kDict);
  EXPECT_EQ(dict->query.link, "br0");
  EXPECT_FALSE(dict->query.ip);
  EXPECT_EQ(dict->query.ip_list, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(dict->query.fields,
            (std::vector<MasterField>{MasterField::kName, MasterField::kMasterNodePrimaryIp}));
}

TEST(ConfdRequestTest, RequestMessageParsesBack) {
  Request request;
  request.type = RequestType::kClusterMaster;
  request.rsalt = "abc";
  request.query.kind = Query::Kind::kDict;
  request.query.fields = {MasterField::kIp};
  auto parsed = ParseRequestMessage(RequestMessage(request), nullptr);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->type, RequestType::kClusterMaster);
  EXPECT_EQ(parsed->rsalt, "abc");
  EXPECT_EQ(parsed->query.fields, request.query.fields);
}

TEST(ConfdRequestTest, NullQueryValuesCountAsAbsent) {
  // Ganeti's own confd-client sends {"2": null} when it found no instance IP.
  auto request = ParseRequestMessage(
      R"({"protocol":1,"type":2,"query":{"2":null,"3":null},"rsalt":"r"})", nullptr);
  ASSERT_TRUE(request);
  EXPECT_TRUE(request->query.ip_list.empty());
  EXPECT_TRUE(request->query.fields.empty());
}

}  // namespace
}  // namespace herd::confd
