// One error model for all of Herd: Ganeti's error classes, which travel on the
// wire (LUXI, node RPC, RAPI) as [class name, [args...]].
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace herd {

// Ganeti's error codes (second argument of OpPrereqError and friends).
inline constexpr const char* kEcodeResolver = "resolver_error";
inline constexpr const char* kEcodeNoRes = "insufficient_resources";
inline constexpr const char* kEcodeTempNoRes = "temp_insufficient_resources";
inline constexpr const char* kEcodeInval = "wrong_input";
inline constexpr const char* kEcodeState = "wrong_state";
inline constexpr const char* kEcodeNoEnt = "unknown_entity";
inline constexpr const char* kEcodeExists = "already_exists";
inline constexpr const char* kEcodeNotUnique = "resource_not_unique";
inline constexpr const char* kEcodeFault = "internal_error";
inline constexpr const char* kEcodeEnviron = "environment_error";

class GanetiError : public std::runtime_error {
 public:
  // `error_class` is Ganeti's class name (e.g. "OpPrereqError"); `args` are the
  // exception arguments, the first being the human-readable message.
  GanetiError(std::string error_class, std::vector<std::string> args);
  // For the classes whose arguments are not all strings (HooksAbort's list of
  // failures): each argument is held as JSON text and travels as that JSON.
  GanetiError(std::string error_class, std::vector<std::string> json_args, bool args_are_json);

  const std::string& error_class() const { return error_class_; }
  const std::vector<std::string>& args() const { return args_; }
  bool args_are_json() const { return args_are_json_; }
  // The message a user sees, formatted as Ganeti's CLI formats this class.
  std::string UserMessage() const;

 private:
  std::string error_class_;
  std::vector<std::string> args_;
  bool args_are_json_ = false;
};

GanetiError OpPrereqError(std::string message, std::string ecode = kEcodeInval);
GanetiError OpExecError(std::string message);
GanetiError ProgrammerError(std::string message);
GanetiError ConfigurationError(std::string message);
GanetiError ParameterError(std::string message);
GanetiError LuxiError(std::string message);
GanetiError RemoteError(std::string message);
GanetiError JobLost(std::string message);
GanetiError JobQueueError(std::string message);
GanetiError JobQueueDrainError(std::string message);
GanetiError OpCodeUnknown(std::string message);
GanetiError QueryFilterParseError(std::string message);
GanetiError GenericError(std::string message);
GanetiError ResolverError(std::string message);
GanetiError LockError(std::string message);
GanetiError HypervisorError(std::string message);
GanetiError BlockDeviceError(std::string message);

// A hook script of the pre phase failed: one [node, script, output] per failure.
struct HookFailure {
  std::string node, script, output;
};
GanetiError HooksAbort(const std::vector<HookFailure>& failures);
GanetiError HooksFailure(std::string message);

// errno-based failure of a system call on `what`, as Ganeti's EnvironmentError.
GanetiError SystemError(const std::string& what, int err);

}  // namespace herd
