#include "cli/command.h"

#include <iostream>

#include "base/errors.h"

namespace herd::cli {

const Paths& NodePaths() {
  static const Paths paths = Paths::FromEnvironment();
  return paths;
}

luxi::Client& Master() {
  static luxi::Client client(NodePaths().MasterSocket(), 120);
  return client;
}

int RunCommand(const std::function<int()>& body) {
  try {
    return body();
  } catch (const GanetiError& e) {
    if (e.error_class() == "NoMasterError") {
      std::cerr << "Cannot communicate with the master daemon.\nIs it running and listening for "
                   "connections?\n("
                << (e.args().empty() ? "" : e.args()[0]) << ")\n";
    } else {
      std::cerr << e.UserMessage() << "\n";
    }
    return kExitFailure;
  } catch (const std::exception& e) {
    std::cerr << "Unhandled error: " << e.what() << "\n";
    return kExitFailure;
  }
}

bool ParseYesNo(const std::string& option, const std::string& value) {
  if (value == "yes" || value == "true" || value == "True") return true;
  if (value == "no" || value == "false" || value == "False") return false;
  throw OpPrereqError("Invalid value '" + value + "' for option " + option + ": use 'yes' or 'no'",
                      kEcodeInval);
}

}  // namespace herd::cli
