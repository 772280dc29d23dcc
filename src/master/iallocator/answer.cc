#include "master/iallocator/answer.h"

#include <algorithm>
#include <set>

#include "base/errors.h"
#include "base/json.h"
#include "master/iallocator/request.h"
#include "objects/config_data.h"

namespace herd::master::iallocator {
namespace {

struct RawAnswer {
  bool success = false;
  std::string info;
  json::value result;
};

GanetiError ParseFailure(const std::string& why) {
  return OpExecError("Can't parse iallocator results: " + why);
}

RawAnswer ParseRaw(std::string_view output) {
  json::value v;
  try {
    v = ParseJson(output, "the allocator's answer");
  } catch (const GanetiError& e) {
    throw ParseFailure(e.args().empty() ? e.what() : e.args().front());
  }
  if (!v.is_object()) throw ParseFailure("not a dict");
  json::object& o = v.get_object();
  // Allocators older than Ganeti 2.4 answer with "nodes" instead of "result".
  if (!o.contains("result") && o.contains("nodes")) o["result"] = o["nodes"];
  for (const char* key : {"success", "info", "result"}) {
    if (!o.contains(key)) throw ParseFailure(std::string("missing key '") + key + "'");
  }
  RawAnswer raw;
  if (!o["success"].is_bool()) {
    throw ParseFailure("'success' is not a boolean: " + SerializeJson(o["success"]));
  }
  raw.success = o["success"].get_bool();
  raw.info = o["info"].is_string() ? std::string(o["info"].get_string()) : SerializeJson(o["info"]);
  raw.result = std::move(o["result"]);
  return raw;
}

GanetiError ResultValidationError(std::string message) {
  return GanetiError("ResultValidationError", {std::move(message)});
}

[[noreturn]] void Invalid(std::string_view allocator, std::string_view expected,
                          const json::value& got) {
  throw ResultValidationError("iallocator '" + std::string(allocator) +
                              "' returned invalid result, expected " + std::string(expected) +
                              ", got " + SerializeJson(got));
}

bool IsNonEmptyString(const json::value& v) { return v.is_string() && !v.get_string().empty(); }

// A list of non-empty strings, else nullopt.
std::optional<std::vector<std::string>> StringList(const json::value& v) {
  if (!v.is_array()) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& item : v.get_array()) {
    if (!IsNonEmptyString(item)) return std::nullopt;
    out.emplace_back(item.get_string());
  }
  return out;
}

// "name", or [name, reason-or-null].
std::optional<FailedInstance> Failed(const json::value& v) {
  if (IsNonEmptyString(v)) return FailedInstance{std::string(v.get_string()), std::nullopt};
  if (!v.is_array() || v.get_array().size() != 2) return std::nullopt;
  const auto& a = v.get_array();
  if (!IsNonEmptyString(a[0]) || !(a[1].is_string() || a[1].is_null())) return std::nullopt;
  FailedInstance f{std::string(a[0].get_string()), std::nullopt};
  if (a[1].is_string()) f.reason = std::string(a[1].get_string());
  return f;
}

const json::array& Triple(const json::value& v, std::string_view allocator,
                          std::string_view expected, size_t size) {
  if (!v.is_array() || v.get_array().size() != size) Invalid(allocator, expected, v);
  return v.get_array();
}

const json::array& List(const json::value& v, std::string_view allocator,
                        std::string_view expected) {
  if (!v.is_array()) Invalid(allocator, expected, v);
  return v.get_array();
}

// The result is checked (by `fill`) only in a positive answer, as in Ganeti.
template <typename Result, typename Fill>
Answer<Result> Parse(std::string_view output, Fill fill) {
  RawAnswer raw = ParseRaw(output);
  Answer<Result> answer{raw.success, std::move(raw.info), {}};
  if (answer.success) fill(raw.result, answer.result);
  return answer;
}

}  // namespace

Answer<std::vector<std::string>> ParseNodesAnswer(std::string_view output,
                                                  std::string_view allocator,
                                                  size_t required_nodes) {
  return Parse<std::vector<std::string>>(output, [&](const json::value& v, auto& out) {
    auto nodes = StringList(v);
    if (!nodes) Invalid(allocator, "a list of node names", v);
    if (nodes->size() != required_nodes) {
      throw ResultValidationError(
          "iallocator '" + std::string(allocator) + "' returned invalid number of nodes (" +
          std::to_string(nodes->size()) + "), required " + std::to_string(required_nodes));
    }
    out = std::move(*nodes);
  });
}

Answer<EvacuationResult> ParseEvacuationAnswer(std::string_view output,
                                               std::string_view allocator) {
  return Parse<EvacuationResult>(output, [&](const json::value& v, EvacuationResult& r) {
    const auto& parts = Triple(v, allocator, "[moved, failed, jobs]", 3);
    for (const auto& m : List(parts[0], allocator, "a list of moved instances")) {
      constexpr std::string_view kMoved = "a moved instance as [instance, group, [nodes]]";
      const auto& t = Triple(m, allocator, kMoved, 3);
      auto nodes = StringList(t[2]);
      if (!IsNonEmptyString(t[0]) || !IsNonEmptyString(t[1]) || !nodes) {
        Invalid(allocator, kMoved, m);
      }
      r.moved.push_back(
          {std::string(t[0].get_string()), std::string(t[1].get_string()), std::move(*nodes)});
    }
    for (const auto& f : List(parts[1], allocator, "a list of failed instances")) {
      auto failed = Failed(f);
      if (!failed || !f.is_array())
        Invalid(allocator, "a failed instance as [instance, reason]", f);
      r.failed.push_back(std::move(*failed));
    }
    static const std::set<std::string, std::less<>> kOpIds{
        "OP_INSTANCE_FAILOVER", "OP_INSTANCE_MIGRATE", "OP_INSTANCE_REPLACE_DISKS"};
    for (const auto& job : List(parts[2], allocator, "a list of jobs")) {
      std::vector<std::string> opcodes;
      for (const auto& op : List(job, allocator, "a job as a list of opcodes")) {
        const json::value* id = op.is_object() ? op.get_object().if_contains("OP_ID") : nullptr;
        if (!id || !id->is_string() || !kOpIds.contains(id->get_string())) {
          Invalid(allocator,
                  "an opcode with OP_ID OP_INSTANCE_FAILOVER, OP_INSTANCE_MIGRATE or "
                  "OP_INSTANCE_REPLACE_DISKS",
                  op);
        }
        opcodes.push_back(SerializeJson(op));
      }
      r.jobs.push_back(std::move(opcodes));
    }
  });
}

Answer<MultiAllocateResult> ParseMultiAllocateAnswer(std::string_view output,
                                                     std::string_view allocator) {
  return Parse<MultiAllocateResult>(output, [&](const json::value& v, MultiAllocateResult& r) {
    const auto& parts = Triple(v, allocator, "[allocatable, failed]", 2);
    for (const auto& a : List(parts[0], allocator, "a list of allocated instances")) {
      constexpr std::string_view kAllocated = "an allocated instance as [instance, [nodes]]";
      const auto& pair = Triple(a, allocator, kAllocated, 2);
      auto nodes = StringList(pair[1]);
      if (!IsNonEmptyString(pair[0]) || !nodes) Invalid(allocator, kAllocated, a);
      r.allocated.emplace_back(std::string(pair[0].get_string()), std::move(*nodes));
    }
    for (const auto& f : List(parts[1], allocator, "a list of failed instances")) {
      auto failed = Failed(f);
      if (!failed) Invalid(allocator, "a failed instance as a name or [name, reason]", f);
      r.failed.push_back(std::move(*failed));
    }
  });
}

void CheckRelocationGroups(const objects::ConfigData& config, const RelocateRequest& request,
                           const std::vector<std::string>& nodes, std::string_view allocator) {
  const objects::Instance* instance = config.FindInstanceByName(request.instance_name);
  if (!instance) return;
  std::string primary;
  if (auto it = config.nodes.find(instance->primary_node); it != config.nodes.end()) {
    primary = it->second.name;
  }
  // Group names of the named nodes; unknown nodes are skipped, as in Ganeti.
  auto groups_of = [&](std::vector<std::string> names) {
    names.push_back(primary);
    std::set<std::string> out;
    for (const auto& name : names) {
      const objects::Node* node = config.FindNodeByName(name);
      if (!node) continue;
      auto g = config.nodegroups.find(node->group);
      out.insert(g == config.nodegroups.end() ? node->group : g->second.name);
    }
    return out;
  };
  const auto requested = groups_of(request.relocate_from);
  const auto chosen = groups_of(nodes);
  if (!std::includes(requested.begin(), requested.end(), chosen.begin(), chosen.end())) {
    auto join = [](const std::set<std::string>& s) {
      std::string out;
      for (const auto& item : s) out += (out.empty() ? "" : ", ") + item;
      return out;
    };
    throw ResultValidationError("Groups of nodes returned by iallocator '" +
                                std::string(allocator) + "' (" + join(chosen) +
                                ") differ from original groups (" + join(requested) + ")");
  }
}

}  // namespace herd::master::iallocator
