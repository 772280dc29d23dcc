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

TEST(ErrorsTest, HooksAbortTravelsAsGanetisListOfFailures) {
  const json::value encoded = EncodeError(HooksAbort(
      {{"node2", "instance-stop-pre.d/10", "no"}, {"node3", "instance-stop-pre.d/20", ""}}));
  EXPECT_EQ(SerializeJson(encoded), R"(["HooksAbort",[[["node2","instance-stop-pre.d/10","no"],)"
                                    R"(["node3","instance-stop-pre.d/20",""]]]])");
  const GanetiError decoded = DecodeError(encoded);
  EXPECT_EQ(SerializeJson(EncodeError(decoded)), SerializeJson(encoded));
  EXPECT_EQ(decoded.UserMessage(),
            "Failure: hooks execution failed:\n"
            "  node: node2, script: instance-stop-pre.d/10, output: no\n"
            "  node: node3, script: instance-stop-pre.d/20 (no output)");
}

}  // namespace
}  // namespace herd
