#include "cli/command.h"

#include <unistd.h>

#include <iostream>

#include "base/errors.h"

namespace herd::cli {

const Paths& NodePaths() {
  static const Paths paths = Paths::FromEnvironment();
  return paths;
}

namespace {

// The master's LUXI socket as this node's ssconf names the master: a virtual
// node reaches it on this machine; a real non-master node refuses, as Ganeti.
std::string MasterSocketPath() {
  const Paths& paths = NodePaths();
  const std::string master = paths.SsconfMaster();
  if (!paths.is_virtual() && !master.empty() && master != paths.hostname()) {
    throw OpPrereqError("This is not the master node, please connect to node '" + master +
                            "' and rerun the command",
                        kEcodeInval);
  }
  return paths.FollowedMasterSocket();
}

}  // namespace

luxi::Client& Master() {
  static luxi::Client client(MasterSocketPath(), 120);
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

bool AskUser(const std::string& question, bool without_terminal) {
  if (!::isatty(0)) return without_terminal;
  std::cout << question << "\ny/[n]/?: " << std::flush;
  std::string answer;
  std::getline(std::cin, answer);
  return answer == "y" || answer == "yes";
}

bool ConfirmOperation(const std::vector<std::string>& names, const std::string& list_type,
                      const std::string& text, const std::string& extra) {
  const std::string message = "The " + text + " will operate on " + std::to_string(names.size()) +
                              " " + list_type + ".\n" + extra + "Do you want to continue?";
  std::string affected = "\nAffected " + list_type + ":";
  for (const auto& name : names) affected += "\n  " + name;
  if (!::isatty(0)) return false;
  bool offer_view = names.size() > 20;
  for (;;) {
    std::cout << message << (offer_view ? "" : affected) << "\n"
              << (offer_view ? "y/v/[n]/?: " : "y/[n]/?: ") << std::flush;
    std::string answer;
    if (!std::getline(std::cin, answer)) return false;
    if (answer == "y") return true;
    if (answer == "n" || answer.empty()) return false;
    if (answer == "v" && offer_view) {
      offer_view = false;
    } else if (answer == "?") {
      std::cout << " y - Yes, execute the " << text << "\n"
                << (offer_view ? " v - View the list of affected " + list_type + "\n" : "")
                << " n - No, abort the " << text << "\n\n";
    }
  }
}

bool ParseYesNo(const std::string& option, const std::string& value) {
  if (value == "yes" || value == "true" || value == "True") return true;
  if (value == "no" || value == "false" || value == "False") return false;
  throw OpPrereqError("Invalid value '" + value + "' for option " + option + ": use 'yes' or 'no'",
                      kEcodeInval);
}

}  // namespace herd::cli
