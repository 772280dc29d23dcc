// What every gnt-* command shares: the master's LUXI client and Ganeti's
// error reporting and exit codes.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/paths.h"
#include "luxi/client.h"

namespace herd::cli {

inline constexpr int kExitSuccess = 0;
inline constexpr int kExitFailure = 1;

// The node's paths (from GANETI_ROOTDIR/GANETI_HOSTNAME) and a client of the
// master daemon through this node's master socket.
const Paths& NodePaths();
luxi::Client& Master();

// Runs `body`, turning errors into Ganeti's messages on stderr and exit codes.
int RunCommand(const std::function<int()>& body);

// Asks a y/[n] question on the terminal; without one, nobody can answer and
// `without_terminal` is the answer.
bool AskUser(const std::string& question, bool without_terminal = false);

// Ganeti's ConfirmOperation: "The <text> will operate on N <list_type>." with
// the names listed (more than 20 only when asked for, with "v"); without a
// terminal the answer is no.
bool ConfirmOperation(const std::vector<std::string>& names, const std::string& list_type,
                      const std::string& text, const std::string& extra = "");

// Ganeti's yes/no option values.
bool ParseYesNo(const std::string& option, const std::string& value);

}  // namespace herd::cli
