#include "program.h"

#include "cli/command.h"

namespace herd::cli {

int RunProgram(int argc, char** argv, const std::string& program, const std::string& description,
               const std::vector<CommandEntry>& commands) {
  CLI::App app{description, program};
  app.require_subcommand(1);
  std::vector<std::pair<CLI::App*, std::unique_ptr<Command>>> declared;
  for (const auto& entry : commands) {
    auto command = entry.make();
    CLI::App* sub = app.add_subcommand(entry.name, entry.description);
    for (const auto& alias : entry.aliases) sub->alias(alias);
    command->Declare(*sub);
    declared.emplace_back(sub, std::move(command));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }
  for (auto& [sub, command] : declared) {
    if (sub->parsed()) return RunCommand([&] { return command->Run(); });
  }
  return kExitFailure;
}

}  // namespace herd::cli
