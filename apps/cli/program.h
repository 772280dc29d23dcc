// A gnt-* program as Ganeti shapes one (lib/client/gnt_*.py): a table of
// commands, each with its own arguments, options and function. Options that
// several programs share are declared once (common_options.h).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace herd::cli {

// One subcommand: declares its arguments and options (bound to its own
// members), then runs with them parsed. Errors thrown by Run become
// Ganeti's messages and exit codes.
class Command {
 public:
  virtual ~Command() = default;
  virtual void Declare(CLI::App& app) = 0;
  virtual int Run() = 0;
};

struct CommandEntry {
  std::string name, description;
  std::function<std::unique_ptr<Command>()> make;
  std::vector<std::string> aliases;  // other names of the command (Ganeti's aliases table)
};

template <typename T>
CommandEntry Entry(std::string name, std::string description,
                   std::vector<std::string> aliases = {}) {
  return {std::move(name), std::move(description), [] { return std::make_unique<T>(); },
          std::move(aliases)};
}

// Parses the command line against `commands` and runs the chosen one. A
// usage error prints the usage and exits 2, as Ganeti's option parser does.
int RunProgram(int argc, char** argv, const std::string& program, const std::string& description,
               const std::vector<CommandEntry>& commands);

}  // namespace herd::cli
