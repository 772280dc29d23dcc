#include "base/errors.h"

#include <gtest/gtest.h>

#include "base/json.h"

namespace herd {
namespace {

TEST(ErrorsTest, EncodedAsGanetiDoesOnTheWire) {
  auto e = OpPrereqError("Node node9 not found", kEcodeNoEnt);
  EXPECT_EQ(SerializeJson(EncodeError(e)),
            R"(["OpPrereqError",["Node node9 not found","unknown_entity"]])");
}

TEST(ErrorsTest, DecodeRoundTrip) {
  auto e = DecodeError(EncodeError(OpExecError("boom")));
  EXPECT_EQ(e.error_class(), "OpExecError");
  ASSERT_EQ(e.args().size(), 1u);
  EXPECT_EQ(e.args()[0], "boom");
}

TEST(ErrorsTest, DecodeOfNonErrorIsGeneric) {
  auto e = DecodeError(json::value("plain text"));
  EXPECT_EQ(e.error_class(), "GenericError");
  EXPECT_EQ(e.args()[0], "plain text");
}

TEST(ErrorsTest, UserMessageNamesTheProblem) {
  auto msg = OpPrereqError("Node node9 not found", kEcodeNoEnt).UserMessage();
  EXPECT_NE(msg.find("prerequisites not met"), std::string::npos);
  EXPECT_NE(msg.find("node9"), std::string::npos);
}

}  // namespace
}  // namespace herd
