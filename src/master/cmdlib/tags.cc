#include "master/cmdlib/tags.h"

#include <algorithm>
#include <regex>

#include "base/errors.h"
#include "base/json.h"
#include "master/cmdlib/common.h"
#include "master/cmdlib/instance_common.h"
#include "master/cmdlib/network.h"

namespace herd::master {
namespace {

constexpr size_t kMaxTagLength = 128;
constexpr size_t kMaxTagsPerObject = 4096;

void CheckTagName(const std::string& tag) {
  if (tag.empty() || tag.size() > kMaxTagLength) {
    throw OpPrereqError("Invalid tag length (must be 1 to " + std::to_string(kMaxTagLength) +
                            " characters): '" + tag + "'",
                        kEcodeInval);
  }
  for (char c : tag) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) ||
          std::string_view("._+*/:@-").find(c) != std::string_view::npos)) {
      throw OpPrereqError("Invalid characters in tag '" + tag + "'", kEcodeInval);
    }
  }
}

std::vector<std::string> TagList(const json::object& op) {
  std::vector<std::string> tags;
  auto it = op.find("tags");
  if (it == op.end() || !it->value().is_array()) {
    throw OpPrereqError("Parameter 'tags' must be a list of strings", kEcodeInval);
  }
  for (const auto& t : it->value().get_array()) {
    if (!t.is_string()) throw OpPrereqError("Tags must be strings", kEcodeInval);
    tags.emplace_back(t.get_string());
    CheckTagName(tags.back());
  }
  return tags;
}

// The tag list of the object, inside a config transaction.
std::vector<std::string>& MutableTags(ConfigTxn& txn, const std::string& kind,
                                      const std::string& name) {
  const auto& d = txn.data();
  if (kind == "cluster") return txn.MutableCluster().tags;
  if (kind == "node") return txn.MutableNode(ExpandNode(d, name).uuid).tags;
  if (kind == "instance") return txn.MutableInstance(ExpandInstance(d, name).uuid).tags;
  if (kind == "nodegroup") {
    const auto* g = d.FindGroupByName(name);
    if (!g) throw OpPrereqError("Node group '" + name + "' not found", kEcodeNoEnt);
    return txn.MutableGroup(g->uuid).tags;
  }
  if (kind == "network") return txn.MutableNetwork(LookupNetwork(d, name)).tags;
  throw OpPrereqError("Wrong tag type requested (" + kind + ")", kEcodeInval);
}

std::string ObjectName(const json::object& op) { return OptionalString(op, "name").value_or(""); }

json::value ChangeTags(LuContext& ctx, const json::object& op, bool add) {
  const std::string kind = RequiredString(op, "kind");
  const std::string name = ObjectName(op);
  const auto tags = TagList(op);
  AcquireBgl(ctx, kind == "cluster");
  ctx.op.NotifyStart();
  ctx.Commit([&](ConfigTxn& txn) {
    auto& current = MutableTags(txn, kind, name);
    for (const auto& t : tags) {
      auto it = std::find(current.begin(), current.end(), t);
      if (add && it == current.end()) current.push_back(t);
      if (!add && it == current.end()) {
        throw OpPrereqError("Tag(s) '" + t + "' not found", kEcodeNoEnt);
      }
      if (!add) current.erase(it);
    }
    if (current.size() > kMaxTagsPerObject) {
      throw OpPrereqError("Too many tags (maximum " + std::to_string(kMaxTagsPerObject) + ")",
                          kEcodeState);
    }
  });
  return nullptr;
}

}  // namespace

std::vector<std::string> TagsOf(const objects::ConfigData& d, const std::string& kind,
                                const std::string& name) {
  if (kind == "cluster") return d.cluster.tags;
  if (kind == "node") return ExpandNode(d, name).tags;
  if (kind == "instance") return ExpandInstance(d, name).tags;
  if (kind == "nodegroup") {
    const auto* g = d.FindGroupByName(name);
    if (!g) throw OpPrereqError("Node group '" + name + "' not found", kEcodeNoEnt);
    return g->tags;
  }
  if (kind == "network") return d.networks.at(LookupNetwork(d, name)).tags;
  throw OpPrereqError("Wrong tag type requested (" + kind + ")", kEcodeInval);
}

json::value TagsGet(LuContext& ctx, const json::object& op) {
  const std::string kind = RequiredString(op, "kind");
  ctx.op.NotifyStart();
  auto tags = ctx.config.Read(
      [&](const objects::ConfigData& d) { return TagsOf(d, kind, ObjectName(op)); });
  json::array out;
  for (const auto& t : tags) out.push_back(json::value(t));
  return out;
}

json::value TagsSearch(LuContext& ctx, const json::object& op) {
  const std::string pattern = RequiredString(op, "pattern");
  std::regex re;
  try {
    re = std::regex(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    throw OpPrereqError("Invalid search pattern '" + pattern + "': " + e.what(), kEcodeInval);
  }
  ctx.op.NotifyStart();
  json::array results;
  auto search = [&](const std::string& path, const std::vector<std::string>& tags) {
    for (const auto& tag : tags) {
      if (std::regex_search(tag, re)) results.push_back(json::array{path, tag});
    }
  };
  ctx.config.Read([&](const objects::ConfigData& d) {
    search("/cluster", d.cluster.tags);
    for (const auto& [uuid, o] : d.instances) search("/instances/" + o.name, o.tags);
    for (const auto& [uuid, o] : d.nodes) search("/nodes/" + o.name, o.tags);
    for (const auto& [uuid, o] : d.nodegroups) search("/nodegroup/" + o.name, o.tags);
    for (const auto& [uuid, o] : d.networks) search("/network/" + o.name, o.tags);
  });
  return results;
}

json::value TagsSet(LuContext& ctx, const json::object& op) { return ChangeTags(ctx, op, true); }
json::value TagsDel(LuContext& ctx, const json::object& op) { return ChangeTags(ctx, op, false); }

}  // namespace herd::master
