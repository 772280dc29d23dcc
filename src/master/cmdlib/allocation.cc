#include "master/cmdlib/allocation.h"

#include <filesystem>

#include "base/errors.h"
#include "base/json.h"
#include "base/process.h"
#include "htools/hail.h"
#include "master/cmdlib/common.h"
#include "master/cmdlib/node_live_cache.h"
#include "master/iallocator/iallocator.h"

namespace herd::master {
namespace {
namespace ia = iallocator;

// Herd's own hail, found where the allocator would be run from: the master
// daemon answers in itself, without a request file and a process.
bool IsOwnHail(const std::string& script) {
  std::error_code ec;
  const auto found = std::filesystem::canonical(script, ec);
  if (ec) return false;
  const auto own = std::filesystem::canonical(ExecutableDir() + "/hail", ec);
  return !ec && found == own;
}

ia::Allocator MakeAllocator(LuContext& ctx, const std::string& name) {
  ia::Allocator a;
  a.name = name;
  a.search_path = ia::AllocatorSearchPath(ctx.paths);
  std::string script;
  try {
    script = ia::FindAllocator(name, a.search_path);
  } catch (const GanetiError&) {
    return a;  // the run reports it
  }
  if (IsOwnHail(script)) {
    a.in_process = [](const json::value& input, const std::vector<std::string>& params) {
      return htools::AnswerRequest(input, params, /*exact=*/false);
    };
  }
  return a;
}

// What the allocator needs to know of each node, asked as Ganeti asks it.
ia::NodeLiveData AskNodes(LuContext& ctx, const objects::ConfigData& config,
                          const ia::NodeInfoQuery& query) {
  std::vector<rpc::NodeAddress> targets;
  for (const auto& uuid : query.node_uuids) targets.push_back(AddressOf(config.nodes.at(uuid)));
  json::array storage;
  if (query.reports_storage) {
    std::string key = query.storage_type == "sharedfile" ? config.cluster.shared_file_storage_dir
                                                         : config.cluster.file_storage_dir;
    storage.push_back(json::array{query.storage_type, key});
  }
  json::array args{storage, json::array{json::value(query.hypervisor)}};
  // One call per node: each costs the node a wake-up, a thousand per refresh.
  const auto answers =
      ctx.rpc.CallBatchParallel(targets, {{rpc::procedures::kNodeInfo, std::move(args)},
                                          {rpc::procedures::kAllInstancesInfo, json::array{}}});
  ia::NodeLiveData live;
  for (size_t i = 0; i < targets.size(); ++i) {
    const rpc::RpcResult& info = answers[i][0];
    const rpc::RpcResult& running = answers[i][1];
    auto& f = live[query.node_uuids[i]];
    if (!info.ok) {
      f.error = info.error;
      continue;
    }
    try {
      const auto& a = AsArray(info.payload, "node_info");
      if (!a.at(2).as_array().empty()) {
        const auto& hv = a.at(2).as_array()[0].as_object();
        f.memory_total = GetIntOr(hv, "memory_total", 0);
        f.memory_free = GetIntOr(hv, "memory_free", 0);
        f.memory_dom0 = GetIntOr(hv, "memory_dom0", 0);
        f.cpu_total = GetIntOr(hv, "cpu_total", 1);
        f.cpu_dom0 = GetIntOr(hv, "cpu_dom0", 0);
      }
      if (!a.at(1).as_array().empty()) {
        const auto& st = a.at(1).as_array()[0].as_object();
        f.disk_total = GetIntOr(st, "storage_size", 0);
        f.disk_free = GetIntOr(st, "storage_free", 0);
      }
      if (running.ok && running.payload.is_object()) {
        for (const auto& kv : running.payload.get_object()) {
          f.instance_memory[std::string(kv.key())] =
              GetIntOr(AsObject(kv.value(), "instance info"), "memory", 0);
        }
      }
      f.answered = true;
    } catch (const std::exception& e) {
      f.error = std::string("malformed node_info answer: ") + e.what();
    }
  }
  return live;
}

// The same, shared with the allocations of the last few seconds, less what
// creations under way have reserved.
using Reserved = NodeLiveCache::Reservations;

ia::NodeLiveData GatherLive(LuContext& ctx, const objects::ConfigData& config,
                            const ia::Request& request, const Reserved& reserved) {
  const ia::NodeInfoQuery query = ia::NodeInfoQueryFor(config, request);
  auto live = ctx.services.AllocatorLiveData().Get(
      config, query, [&](const std::vector<std::string>&) { return AskNodes(ctx, config, query); });
  NodeLiveCache::Attach(reserved, live);
  return live;
}

ia::AllocateRequest ToRequest(const NewInstanceNeeds& n) {
  ia::AllocateRequest r;
  r.name = n.name;
  r.disk_template = n.disk_template;
  r.os = n.os;
  r.hypervisor = n.hypervisor;
  r.memory = n.memory;
  r.vcpus = n.vcpus;
  r.spindle_use = n.spindle_use;
  for (const auto& [size, mode] : n.disks) r.disks.push_back({size, mode, std::nullopt});
  for (const auto& nic : n.nics) {
    ia::NicSpec s;
    if (nic.is_object()) {
      const auto& o = nic.get_object();
      s.mac = GetStringOr(o, "mac", "");
      s.ip = GetStringOr(o, "ip", "");
      s.mode = GetStringOr(o, "mode", "");
      s.link = GetStringOr(o, "link", "");
      s.name = GetStringOr(o, "name", "");
    }
    if (s.mac == "auto" || s.mac == "generate") s.mac.clear();
    r.nics.push_back(s);
  }
  r.tags = n.tags;
  return r;
}

// Runs an allocation decision on a copy of the config, one decision at a
// time (see NodeLiveCache::DecideAlone).
template <typename Fn>
auto WithSnapshot(LuContext& ctx, Fn&& fn) {
  auto& cache = ctx.services.AllocatorLiveData();
  auto deciding = cache.DecideAlone();
  // The reservations as of the snapshot: a creation's reservation ends in
  // the commit that puts its instance in the config.
  Reserved reserved;
  auto snapshot =
      std::make_shared<objects::ConfigData>(ctx.config.Read([&](const objects::ConfigData& d) {
        reserved = cache.CurrentReservations();
        return d;
      }));
  return fn(*snapshot, reserved);
}

}  // namespace

namespace {

// Ganeti's LoadNodeEvacResult: any instance left behind fails the whole
// evacuation; otherwise the moves are listed and the jobs handed on.
std::vector<std::vector<std::string>> JobsOfEvacuation(LuContext& ctx,
                                                       const ia::EvacuationResult& result,
                                                       bool show_nodes) {
  if (!result.failed.empty()) {
    std::string reasons;
    for (const auto& f : result.failed) {
      reasons += (reasons.empty() ? "" : ", ") + f.instance + " (" + f.reason.value_or("") + ")";
    }
    ctx.Feedback("Warning: Unable to evacuate instances " + reasons);
    throw OpExecError("Unable to evacuate instances " + reasons);
  }
  if (!result.moved.empty()) {
    std::string moves;
    for (const auto& m : result.moved) {
      std::string to = m.group;
      if (show_nodes) {
        to.clear();
        for (const auto& n : m.nodes) to += (to.empty() ? "" : ", ") + n;
      }
      moves += (moves.empty() ? "" : ", ") + m.instance + " (to " + to + ")";
    }
    ctx.Feedback("Instances to be moved: " + moves);
  }
  return result.jobs;
}

}  // namespace

std::string AllocatorName(LuContext& ctx, const std::string& requested) {
  if (!requested.empty() && requested != ".") return requested;
  return ctx.config.Read([](const objects::ConfigData& d) { return d.cluster.default_iallocator; });
}

namespace {

// Herd's hail keeps its cluster model between allocations (see
// NodeLiveCache::KeptModel): the next allocation costs one placement, not a
// request document of the whole cluster. Other allocators get the document.
std::string ModelKey(const ia::NodeInfoQuery& query, const std::vector<std::string>& args) {
  std::string key = query.hypervisor + "/" + query.disk_template;
  for (const auto& a : args) key += " " + a;
  return key;
}

std::vector<std::string> AnswerOnModel(LuContext& ctx, const ia::Allocator& allocator,
                                       const objects::ConfigData& config,
                                       NodeLiveCache::KeptModel& kept,
                                       const ia::AllocateRequest& request);

// The kept model's answer when it is valid now and the node figures need no
// fetch: decided under the config's read lock, without copying the config.
std::optional<std::vector<std::string>> AllocateOnKeptModel(LuContext& ctx,
                                                            const ia::Allocator& allocator,
                                                            const ia::AllocateRequest& request) {
  auto& cache = ctx.services.AllocatorLiveData();
  return ctx.config.Read(
      [&](const objects::ConfigData& config) -> std::optional<std::vector<std::string>> {
        const ia::NodeInfoQuery query = ia::NodeInfoQueryFor(config, request, false);
        const uint64_t generation = cache.UsableGeneration(query, config);
        if (generation == 0) return std::nullopt;
        const auto args = ia::ParamsAsArgs(ia::ParamsFor(config, allocator, request));
        auto* kept =
            cache.ValidModel(ModelKey(query, args), generation, cache.CurrentReservations());
        if (!kept) return std::nullopt;
        return AnswerOnModel(ctx, allocator, config, *kept, request);
      });
}

std::vector<std::string> AllocateKeepingModel(LuContext& ctx, const ia::Allocator& allocator,
                                              const objects::ConfigData& config,
                                              const Reserved& reserved,
                                              const ia::AllocateRequest& request) {
  auto& cache = ctx.services.AllocatorLiveData();
  const ia::NodeInfoQuery query = ia::NodeInfoQueryFor(config, request);
  uint64_t generation = 0;
  auto live = cache.Get(
      config, query, [&](const std::vector<std::string>&) { return AskNodes(ctx, config, query); },
      &generation);
  const auto args = ia::ParamsAsArgs(ia::ParamsFor(config, allocator, request));
  const std::string key = ModelKey(query, args);
  auto* kept = cache.ValidModel(key, generation, reserved);
  if (!kept) {
    NodeLiveCache::Attach(reserved, live);
    auto session = std::make_shared<htools::AllocationSession>(
        ia::BuildRequestDocument(config, live, request), args);
    NodeLiveCache::KeptModel model{session, generation, key, {}};
    cache.KeepModel(std::move(model));
    // The model holds the creations under way as instances: their commits
    // keep it valid.
    for (const auto& [owner, r] : reserved) cache.ModelPlaced(owner, r.instance.name);
    kept = cache.ValidModel(key, generation, reserved);
  }
  return AnswerOnModel(ctx, allocator, config, *kept, request);
}

std::vector<std::string> AnswerOnModel(LuContext& ctx, const ia::Allocator& allocator,
                                       const objects::ConfigData& config,
                                       NodeLiveCache::KeptModel& kept,
                                       const ia::AllocateRequest& request) {
  auto& cache = ctx.services.AllocatorLiveData();
  const json::value part = ia::BuildRequestPart(config, request);
  std::string output;
  auto* session = static_cast<htools::AllocationSession*>(kept.model.get());
  try {
    output = session->Allocate(part, /*exact=*/false);
  } catch (const GanetiError& e) {
    throw OpExecError("Failure while running the iallocator script: iallocator module '" +
                      allocator.name + "' failed: " + (e.args().empty() ? e.what() : e.args()[0]));
  }
  if (!session->usable()) cache.ForgetModel();
  std::vector<std::string> nodes;
  try {
    nodes = ia::AllocateAnswer(allocator, config, request, output);
  } catch (const GanetiError& e) {
    // No solution: nothing was placed. Anything else: placed, but refused here.
    if (e.error_class() != "OpPrereqError") cache.ForgetModel();
    throw;
  }
  cache.ModelPlaced(ctx.owner, request.name);
  return nodes;
}

}  // namespace

namespace {

// Figures near the end of their life are fetched afresh by one allocation,
// before it decides, while the others go on deciding with the kept ones.
void RefreshAgingFigures(LuContext& ctx, const ia::AllocateRequest& request) {
  auto& cache = ctx.services.AllocatorLiveData();
  if (!cache.AnyAging()) return;  // the common case, without building a query
  ia::NodeInfoQuery query;
  std::set<std::string> instances;
  objects::ConfigData nodes_view;  // what asking the nodes needs of the config
  const bool aging = ctx.config.Read([&](const objects::ConfigData& d) {
    query = ia::NodeInfoQueryFor(d, request);
    if (!cache.Aging(query)) return false;
    for (const auto& [uuid, instance] : d.instances) instances.insert(uuid);
    nodes_view.cluster = d.cluster;
    nodes_view.nodes = d.nodes;
    return true;
  });
  if (!aging) return;
  cache.Refresh(query, std::move(instances),
                [&](const std::vector<std::string>&) { return AskNodes(ctx, nodes_view, query); });
}

}  // namespace

std::string AllocatePrimaryNode(LuContext& ctx, const std::string& allocator,
                                const NewInstanceNeeds& needs) {
  const ia::Allocator chosen_allocator = MakeAllocator(ctx, allocator);
  if (chosen_allocator.in_process) {
    RefreshAgingFigures(ctx, ToRequest(needs));
    auto deciding = ctx.services.AllocatorLiveData().DecideAlone();
    const ia::AllocateRequest request = ToRequest(needs);
    if (auto nodes = AllocateOnKeptModel(ctx, chosen_allocator, request)) {
      if (nodes->empty()) throw OpExecError("iallocator '" + allocator + "' returned no node");
      const auto uuid = ctx.config.Read([&](const objects::ConfigData& d) {
        const objects::Node* n = d.FindNodeByName(nodes->front());
        return n ? n->uuid : std::string();
      });
      if (uuid.empty()) throw OpExecError("iallocator '" + allocator + "' returned unknown node");
      ctx.services.AllocatorLiveData().Reserve(ctx.owner, ReservationFor(uuid, needs));
      return nodes->front();
    }
  }
  return WithSnapshot(ctx, [&](const objects::ConfigData& config, const Reserved& reserved) {
    const ia::AllocateRequest request = ToRequest(needs);
    std::vector<std::string> nodes;
    if (chosen_allocator.in_process) {
      nodes = AllocateKeepingModel(ctx, chosen_allocator, config, reserved, request);
    } else {
      auto live = GatherLive(ctx, config, request, reserved);
      nodes = ia::Allocate(chosen_allocator, config, live, request);
    }
    if (nodes.empty()) throw OpExecError("iallocator '" + allocator + "' returned no node");
    const objects::Node* chosen = config.FindNodeByName(nodes.front());
    if (!chosen) throw OpExecError("iallocator '" + allocator + "' returned unknown node");
    // Before the next decision: the instance is not in the config yet.
    ctx.services.AllocatorLiveData().Reserve(ctx.owner, ReservationFor(chosen->uuid, needs));
    return nodes.front();
  });
}

NodeLiveCache::Reservation ReservationFor(const std::string& node_uuid,
                                          const NewInstanceNeeds& needs) {
  NodeLiveCache::Reservation r{node_uuid, {}};
  r.instance.name = needs.name;
  r.instance.disk_template = needs.disk_template;
  r.instance.os = needs.os;
  r.instance.hypervisor = needs.hypervisor;
  r.instance.memory = needs.memory;
  r.instance.vcpus = needs.vcpus;
  r.instance.spindle_use = needs.spindle_use;
  for (const auto& [size, mode] : needs.disks) r.instance.disk_sizes.push_back(size);
  return r;
}

std::pair<std::vector<std::pair<std::string, std::string>>, std::vector<std::string>> AllocateMany(
    LuContext& ctx, const std::string& allocator, const std::vector<NewInstanceNeeds>& all) {
  return WithSnapshot(ctx, [&](const objects::ConfigData& config, const Reserved& reserved) {
    ia::MultiAllocateRequest multi;
    for (const auto& n : all) multi.instances.push_back(ToRequest(n));
    ia::Request request = multi;
    auto live = GatherLive(ctx, config, request, reserved);
    auto result = ia::MultiAllocate(MakeAllocator(ctx, allocator), config, live, multi);
    std::vector<std::pair<std::string, std::string>> placed;
    for (const auto& [name, nodes] : result.allocated) {
      if (!nodes.empty()) placed.emplace_back(name, nodes.front());
    }
    std::vector<std::string> failed;
    for (const auto& f : result.failed) {
      failed.push_back(f.instance);
      ctx.Feedback("Instance " + f.instance + " could not be allocated" +
                   (f.reason ? ": " + *f.reason : std::string()));
    }
    return std::make_pair(placed, failed);
  });
}

std::string RelocationTarget(LuContext& ctx, const std::string& allocator,
                             const std::string& instance_name, const std::string& from_node_name) {
  return WithSnapshot(ctx, [&](const objects::ConfigData& config, const Reserved& reserved) {
    ia::RelocateRequest reloc{instance_name, {from_node_name}};
    ia::Request request = reloc;
    auto live = GatherLive(ctx, config, request, reserved);
    auto nodes = ia::Relocate(MakeAllocator(ctx, allocator), config, live, reloc);
    if (nodes.empty()) throw OpExecError("iallocator '" + allocator + "' returned no node");
    return nodes.front();
  });
}

std::vector<std::vector<std::string>> EvacuationPlan(LuContext& ctx, const std::string& allocator,
                                                     const std::vector<std::string>& instances,
                                                     const std::string& mode,
                                                     bool ignore_soft_errors) {
  return WithSnapshot(ctx, [&](const objects::ConfigData& config, const Reserved& reserved) {
    ia::NodeEvacuateRequest evac{instances, mode, ignore_soft_errors};
    ia::Request request = evac;
    auto live = GatherLive(ctx, config, request, reserved);
    return JobsOfEvacuation(
        ctx, ia::NodeEvacuate(MakeAllocator(ctx, allocator), config, live, evac), true);
  });
}

std::vector<std::vector<std::string>> ChangeGroupPlan(
    LuContext& ctx, const std::string& allocator, const std::vector<std::string>& instances,
    const std::vector<std::string>& target_groups) {
  return WithSnapshot(ctx, [&](const objects::ConfigData& config, const Reserved& reserved) {
    ia::ChangeGroupRequest change{instances, target_groups};
    ia::Request request = change;
    auto live = GatherLive(ctx, config, request, reserved);
    return JobsOfEvacuation(
        ctx, ia::ChangeGroup(MakeAllocator(ctx, allocator), config, live, change), false);
  });
}

std::string AllocatorTestText(LuContext& ctx, const ia::Request& request,
                              const std::string& allocator) {
  return WithSnapshot(ctx, [&](const objects::ConfigData& config, const Reserved& reserved) {
    auto live = GatherLive(ctx, config, request, reserved);
    if (allocator.empty()) return ia::BuildRequest(config, live, request);
    return ia::Run(MakeAllocator(ctx, allocator), config, live, request);
  });
}

}  // namespace herd::master
