#include "base/errors.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstring>

namespace herd {
namespace {
std::string FirstOr(const std::vector<std::string>& args, const std::string& fallback) {
  return args.empty() ? fallback : args.front();
}
}  // namespace

GanetiError::GanetiError(std::string error_class, std::vector<std::string> args)
    : std::runtime_error(error_class + ": " + FirstOr(args, "")),
      error_class_(std::move(error_class)),
      args_(std::move(args)) {}

GanetiError::GanetiError(std::string error_class, std::vector<std::string> json_args,
                         bool args_are_json)
    : GanetiError(std::move(error_class), std::move(json_args)) {
  args_are_json_ = args_are_json;
}

namespace {
// Ganeti's FormatError for HooksAbort: one line per failed script.
std::string HooksAbortMessage(const std::string& failures_json) {
  std::string out = "Failure: hooks execution failed:";
  boost::system::error_code ec;
  const boost::json::value failures = boost::json::parse(failures_json, ec);
  if (ec || !failures.is_array()) return out + " " + failures_json;
  for (const auto& f : failures.get_array()) {
    const auto* triple = f.if_array();
    if (!triple || triple->size() != 3) continue;
    auto text = [&](size_t i) {
      const auto& v = (*triple)[i];
      return v.is_string() ? std::string(v.get_string()) : boost::json::serialize(v);
    };
    const std::string output = text(2);
    out.append("\n  node: ").append(text(0)).append(", script: ").append(text(1));
    out.append(output.empty() ? std::string(" (no output)") : ", output: " + output);
  }
  return out;
}
}  // namespace

std::string GanetiError::UserMessage() const {
  const std::string msg = FirstOr(args_, "");
  if (error_class_ == "HooksAbort") return HooksAbortMessage(msg);
  if (error_class_ == "HooksFailure") return "Failure: hooks general failure: " + msg;
  if (error_class_ == "OpPrereqError")
    return "Failure: prerequisites not met for this operation:\n" +
           (args_.size() > 1 ? "error type: " + args_[1] + ", error details:\n" : "") + msg;
  if (error_class_ == "OpExecError") return "Failure: command execution error:\n" + msg;
  if (error_class_ == "JobQueueDrainError")
    return "Failure: the job queue is marked for drain and doesn't accept new requests";
  if (error_class_ == "LuxiError" || error_class_ == "ProtocolError")
    return "Error while talking to the master daemon:\n" + msg;
  if (error_class_ == "OpCodeUnknown") return "Unsupported operation: " + msg;
  if (error_class_ == "JobLost") return "Error checking job status: " + msg;
  if (error_class_ == "ParameterError")
    return "Failure: unknown/wrong parameter name '" + msg + "'";
  if (error_class_ == "ConfigurationError")
    return "Corrupt configuration file: " + msg + "\nAborting.";
  return "Unhandled Ganeti error: " + msg;
}

GanetiError OpPrereqError(std::string message, std::string ecode) {
  return GanetiError("OpPrereqError", {std::move(message), std::move(ecode)});
}
GanetiError OpExecError(std::string message) {
  return GanetiError("OpExecError", {std::move(message)});
}
GanetiError ProgrammerError(std::string message) {
  return GanetiError("ProgrammerError", {std::move(message)});
}
GanetiError ConfigurationError(std::string message) {
  return GanetiError("ConfigurationError", {std::move(message)});
}
GanetiError ParameterError(std::string message) {
  return GanetiError("ParameterError", {std::move(message)});
}
GanetiError LuxiError(std::string message) {
  return GanetiError("LuxiError", {std::move(message)});
}
GanetiError RemoteError(std::string message) {
  return GanetiError("RemoteError", {std::move(message)});
}
GanetiError JobLost(std::string message) { return GanetiError("JobLost", {std::move(message)}); }
GanetiError JobQueueError(std::string message) {
  return GanetiError("JobQueueError", {std::move(message)});
}
GanetiError JobQueueDrainError(std::string message) {
  return GanetiError("JobQueueDrainError", {std::move(message)});
}
GanetiError OpCodeUnknown(std::string message) {
  return GanetiError("OpCodeUnknown", {std::move(message)});
}
GanetiError QueryFilterParseError(std::string message) {
  return GanetiError("QueryFilterParseError", {std::move(message)});
}
GanetiError GenericError(std::string message) {
  return GanetiError("GenericError", {std::move(message)});
}
GanetiError ResolverError(std::string message) {
  return GanetiError("ResolverError", {std::move(message)});
}
GanetiError HypervisorError(std::string message) {
  return GanetiError("HypervisorError", {std::move(message)});
}
GanetiError HooksAbort(const std::vector<HookFailure>& failures) {
  boost::json::array list;
  for (const auto& f : failures) list.push_back(boost::json::array{f.node, f.script, f.output});
  return GanetiError("HooksAbort", {boost::json::serialize(list)}, true);
}
GanetiError HooksFailure(std::string message) {
  return GanetiError("HooksFailure", {std::move(message)});
}
GanetiError BlockDeviceError(std::string message) {
  return GanetiError("BlockDeviceError", {std::move(message)});
}
GanetiError LockError(std::string message) {
  return GanetiError("LockError", {std::move(message)});
}

GanetiError SystemError(const std::string& what, int err) {
  return GanetiError("GenericError", {what + ": " + std::strerror(err)});
}

}  // namespace herd
