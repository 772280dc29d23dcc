// The signed envelope: HMAC-SHA1 as Ganeti computes it, and what Open refuses.
#include "confd/envelope.h"

#include <gtest/gtest.h>

namespace herd::confd {
namespace {

TEST(ConfdEnvelopeTest, HmacSha1MatchesRfc2202) {
  EXPECT_EQ(HmacSha1Hex("Jefe", "what do ya want for nothing?"),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
}

TEST(ConfdEnvelopeTest, SealedMessageOpensWithTheSameKey) {
  const std::string datagram = Seal("key\n", "1700000000", R"({"a":1})");
  ASSERT_EQ(datagram.substr(0, 4), "plj0");
  // The salt is prepended to the message before signing.
  EXPECT_NE(datagram.find(HmacSha1Hex("key\n", std::string("1700000000") + R"({"a":1})")),
            std::string::npos);
  auto opened = Open(datagram, "key\n", nullptr);
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened->salt, "1700000000");
  EXPECT_EQ(opened->msg, R"({"a":1})");
}

TEST(ConfdEnvelopeTest, TheKeysTrailingNewlineCounts) {
  std::string why;
  EXPECT_FALSE(Open(Seal("key\n", "1", "{}"), "key", &why));
  EXPECT_EQ(why, "bad HMAC");
}

TEST(ConfdEnvelopeTest, UppercaseHmacIsAccepted) {
  const std::string hmac = HmacSha1Hex("k", "1{}");
  std::string upper = hmac;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const std::string datagram = R"(plj0{"msg":"{}","salt":"1","hmac":")" + upper + "\"}";
  EXPECT_TRUE(Open(datagram, "k", nullptr));
}

TEST(ConfdEnvelopeTest, RefusesWhatIsNotASignedEnvelope) {
  std::string why;
  EXPECT_FALSE(Open(Seal("k", "1", "{}").substr(4), "k", &why));
  EXPECT_EQ(why, "invalid magic code");
  EXPECT_FALSE(Open("plj0{not json", "k", &why));
  EXPECT_FALSE(Open(R"(plj0{"msg":"{}","salt":"1"})", "k", &why));
  EXPECT_FALSE(Open(R"(plj0["msg"])", "k", &why));
  EXPECT_FALSE(Open("", "k", &why));
  std::string tampered = Seal("k", "1", R"({"a":1})");
  tampered.replace(tampered.find("\\\"a\\\":1"), 7, "\\\"a\\\":2");
  EXPECT_FALSE(Open(tampered, "k", &why));
  EXPECT_EQ(why, "bad HMAC");
}

}  // namespace
}  // namespace herd::confd
