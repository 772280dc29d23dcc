#include "program.h"

#include <algorithm>

#include "cli/command.h"

namespace herd::cli {
namespace {

// Python's optparse, which Ganeti's CLI uses, takes any unambiguous prefix
// of a long option ("--mem" for "--memory"); CLI11 wants the whole name.
// Expands such prefixes for the chosen subcommand; ambiguous or unknown ones
// are left for CLI11 to report.
std::vector<std::string> ExpandOptionPrefixes(CLI::App& app, int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  CLI::App* sub = nullptr;
  for (size_t i = 1; i < args.size() && !sub; ++i) {
    if (args[i].rfind("-", 0) == 0) continue;
    for (CLI::App* candidate : app.get_subcommands({})) {
      if (candidate->check_name(args[i])) sub = candidate;
    }
    if (!sub) return args;
  }
  if (!sub) return args;
  std::vector<std::string> long_names;
  for (const CLI::Option* opt : sub->get_options()) {
    for (const auto& name : opt->get_lnames()) long_names.push_back(name);
  }
  auto expand = [&long_names](std::string& arg) {
    if (arg.rfind("--", 0) != 0 || arg.size() <= 2) return;
    const auto eq = arg.find('=');
    const std::string given = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    if (std::find(long_names.begin(), long_names.end(), given) != long_names.end()) return;
    std::string match;
    int matches = 0;
    for (const auto& name : long_names) {
      if (name.rfind(given, 0) == 0) {
        match = name;
        ++matches;
      }
    }
    if (matches == 1) arg = "--" + match + (eq == std::string::npos ? "" : arg.substr(eq));
  };
  // A command that runs another (gnt-cluster command) ends its own options
  // at the first word that is no option's value, or at "--": the rest is the
  // command's, untouched.
  const bool prefix = sub->get_prefix_command();
  bool after_sub = false, option_value = false;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string& arg = args[i];
    if (arg == "--") {
      if (prefix && after_sub) args.erase(args.begin() + static_cast<std::ptrdiff_t>(i));
      break;
    }
    const bool is_option = arg.rfind("-", 0) == 0;
    if (prefix && after_sub && !is_option) {
      if (!option_value) break;
      option_value = false;
      continue;
    }
    if (!after_sub && sub->check_name(arg)) after_sub = true;
    expand(arg);
    if (prefix && after_sub && is_option) {
      const CLI::Option* opt = sub->get_option_no_throw(arg.substr(0, arg.find('=')));
      option_value = opt && opt->get_items_expected_min() > 0 && arg.find('=') == std::string::npos;
    }
  }
  return args;
}

}  // namespace

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
  std::vector<std::string> args = ExpandOptionPrefixes(app, argc, argv);
  std::reverse(args.begin() + 1, args.end());  // CLI11 takes them last to first
  args.erase(args.begin());
  try {
    app.parse(args);
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
