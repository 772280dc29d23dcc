#include "tag_commands.h"

#include <algorithm>
#include <boost/json.hpp>
#include <iostream>

#include "base/errors.h"
#include "cli/command.h"
#include "cli/jobs.h"
#include "common_options.h"

namespace herd::cli {
namespace json = boost::json;
namespace {

class ListTags : public Command {
 public:
  explicit ListTags(std::string kind) : kind_(std::move(kind)) {}
  void Declare(CLI::App& app) override {
    if (kind_ != "cluster") app.add_option("name", name_, "Object name")->required();
  }
  int Run() override {
    json::value result = Master().Call("QueryTags", json::array{kind_, name_});
    std::vector<std::string> tags;
    for (const auto& t : result.as_array()) tags.emplace_back(t.as_string());
    std::sort(tags.begin(), tags.end());
    for (const auto& t : tags) std::cout << t << "\n";
    return kExitSuccess;
  }

 private:
  std::string kind_, name_;
};

class ChangeTags : public Command {
 public:
  ChangeTags(std::string kind, bool add) : kind_(std::move(kind)), add_(add) {}
  void Declare(CLI::App& app) override {
    if (kind_ != "cluster") app.add_option("name", name_, "Object name")->required();
    app.add_option("tags", tags_, "Tags");
    app.add_option("--from", source_, "File with tag names, one per line ('-' for stdin)");
    AddSubmitOptions(app, job_, false);
  }
  int Run() override {
    auto tags = TagsWithFile(tags_, source_);
    if (tags.empty())
      throw OpPrereqError("No tags to be " + std::string(add_ ? "added" : "removed"));
    json::array list;
    for (const auto& t : tags) list.emplace_back(t);
    SendJob(job_, json::array{json::object{{"OP_ID", add_ ? "OP_TAGS_SET" : "OP_TAGS_DEL"},
                                           {"kind", kind_},
                                           {"name", name_},
                                           {"tags", std::move(list)}}});
    return kExitSuccess;
  }

 private:
  std::string kind_;
  bool add_;
  std::string name_, source_;
  std::vector<std::string> tags_;
  JobOptions job_;
};

}  // namespace

std::vector<CommandEntry> TagCommands(const std::string& kind, const std::string& object) {
  return {
      {"list-tags", "List the tags of the given " + object,
       [kind] { return std::make_unique<ListTags>(kind); }},
      {"add-tags", "Add tags to the given " + object,
       [kind] { return std::make_unique<ChangeTags>(kind, true); }},
      {"remove-tags", "Remove tags from the given " + object,
       [kind] { return std::make_unique<ChangeTags>(kind, false); }},
  };
}

}  // namespace herd::cli
