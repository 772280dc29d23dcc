#include "master/cmdlib/hooks.h"

#include <set>

#include "base/errors.h"
#include "master/cmdlib/common.h"

namespace herd::master {
namespace json = boost::json;

namespace {

constexpr const char* kHooksSearchPath = "/sbin:/bin:/usr/sbin:/usr/bin";  // HOOKS_PATH
constexpr const char* kHooksVersion = "2";
constexpr const char* kConfigUpdateHpath = "config-update";

HookEnv Prefixed(const HookEnv& env, const std::string& prefix) {
  HookEnv out;
  for (const auto& [key, value] : env) out[prefix + key] = value;
  return out;
}

// Ganeti's LogWarning, as the job log shows it.

void WarnUnreachable(LuContext& ctx, const HookPhaseOutcome& outcome) {
  for (const auto& [node, error] : outcome.unreachable) {
    ctx.LogWarning("Communication failure to node " + node + ": " + error);
  }
}

void RunPrePhase(LuContext& ctx, const HooksPlan& plan) {
  if (plan.pre_nodes.empty()) return;
  const HookPhaseOutcome outcome =
      OutcomeOf(RunHooksPhase(ctx, plan.op_id, plan.hpath, plan.object_type, "pre", plan.pre_nodes,
                              Prefixed(plan.pre_env, "GANETI_")));
  WarnUnreachable(ctx, outcome);
  if (!outcome.failed.empty()) throw HooksAbort(outcome.failed);
}

void RunPostPhase(LuContext& ctx, const HooksPlan& plan) {
  std::vector<std::string> nodes = plan.post_nodes;
  HookEnv env = Prefixed(plan.pre_env, "GANETI_");
  ctx.config.Read([&](const objects::ConfigData& data) {
    if (plan.more_post_nodes) {
      for (auto& uuid : plan.more_post_nodes(data)) nodes.push_back(std::move(uuid));
    }
    std::optional<HookEnv> after = plan.post_env ? plan.post_env(data) : std::nullopt;
    for (const auto& [key, value] : Prefixed(after.value_or(plan.pre_env), "GANETI_POST_")) {
      env[key] = value;
    }
  });
  if (nodes.empty()) return;
  const HookPhaseOutcome outcome =
      OutcomeOf(RunHooksPhase(ctx, plan.op_id, plan.hpath, plan.object_type, "post", nodes, env));
  WarnUnreachable(ctx, outcome);
  for (const auto& f : outcome.failed) {
    ctx.LogWarning("On " + f.node + " script " + f.script +
                   " failed, output: " + (f.output.empty() ? "(no output)" : f.output));
  }
}

// Ganeti runs it on the master after any opcode that wrote the config, with
// the opcode's pre environment; its results are not looked at.
void RunConfigUpdateHook(LuContext& ctx, const std::string& op_id, const HooksPlan* plan) {
  const std::string master =
      ctx.config.Read([](const objects::ConfigData& d) { return d.cluster.master_node; });
  const HookEnv env = plan ? Prefixed(plan->pre_env, "GANETI_") : HookEnv{};
  RunHooksPhase(ctx, op_id, kConfigUpdateHpath, plan ? plan->object_type : "", "post", {master},
                env);
}

bool ConfigChanged(const LuContext& ctx) {
  return ctx.config.Committed(ctx.op.job_id, ctx.op.op_index);
}

}  // namespace

HookPhaseOutcome OutcomeOf(const std::vector<rpc::RpcResult>& results) {
  constexpr int kScriptFailed = 1;  // Ganeti's HKR_FAIL
  HookPhaseOutcome outcome;
  for (const auto& r : results) {
    if (!r.ok) {
      outcome.unreachable.emplace_back(r.node, r.error);
      continue;
    }
    for (const auto& entry : r.payload.as_array()) {
      const auto& triple = entry.as_array();
      if (triple.size() == 3 && triple[1].to_number<int>() == kScriptFailed) {
        outcome.failed.push_back(
            {r.node, std::string(triple[0].as_string()), std::string(triple[2].as_string())});
      }
    }
  }
  return outcome;
}

std::vector<rpc::RpcResult> RunHooksPhase(LuContext& ctx, const std::string& op_id,
                                          const std::string& hpath, const std::string& object_type,
                                          const std::string& phase,
                                          const std::vector<std::string>& node_uuids,
                                          const HookEnv& env) {
  json::object full{{"PATH", kHooksSearchPath},    {"GANETI_HOOKS_VERSION", kHooksVersion},
                    {"GANETI_OP_CODE", op_id},     {"GANETI_DATA_DIR", ctx.paths.DataDir()},
                    {"GANETI_HOOKS_PHASE", phase}, {"GANETI_HOOKS_PATH", hpath}};
  if (!object_type.empty()) full["GANETI_OBJECT_TYPE"] = object_type;
  std::vector<rpc::NodeAddress> targets;
  ctx.config.Read([&](const objects::ConfigData& data) {
    full["GANETI_CLUSTER"] = data.cluster.cluster_name;
    if (auto master = data.nodes.find(data.cluster.master_node); master != data.nodes.end()) {
      full["GANETI_MASTER"] = master->second.name;
    }
    std::set<std::string> seen;
    for (const auto& uuid : node_uuids) {
      auto node = data.nodes.find(uuid);
      // Offline nodes are not asked, as in Ganeti.
      if (node == data.nodes.end() || node->second.offline || !seen.insert(uuid).second) continue;
      targets.push_back(AddressOf(node->second));
    }
  });
  if (targets.empty()) return {};
  for (const auto& [key, value] : env) full[key] = value;
  return ctx.services.RunHooks(targets, json::array{hpath, phase, std::move(full)});
}

namespace {

// The job's context as the logical unit sees it: once the unit holds its
// locks (NotifyStart), the pre hooks run, as Ganeti runs them after the
// unit's locking and checks and before its work.
class PreHooksAtStart : public jobs::OpContext {
 public:
  PreHooksAtStart(jobs::OpContext& job, std::function<void()> pre_phase)
      : OpContext(job.job_id, job.op_index), job_(job), pre_phase_(std::move(pre_phase)) {}
  void FeedbackOfType(std::string_view type, std::string_view msg) override {
    job_.FeedbackOfType(type, msg);
  }
  void FeedbackJsonOfType(std::string_view type, std::string_view json_text) override {
    job_.FeedbackJsonOfType(type, json_text);
  }
  void NotifyStart() override {
    job_.NotifyStart();
    if (started_) return;
    started_ = true;
    pre_phase_();
  }
  bool CancelRequested() const override { return job_.CancelRequested(); }
  void SetCancelableWhileRunning(bool cancelable) override {
    job_.SetCancelableWhileRunning(cancelable);
  }
  bool started() const { return started_; }

 private:
  jobs::OpContext& job_;
  std::function<void()> pre_phase_;
  bool started_ = false;
};

}  // namespace

json::value RunWithHooks(LuContext& ctx, const json::object& opcode,
                         const std::function<json::value(LuContext&)>& logical_unit) {
  const std::string op_id(opcode.at("OP_ID").as_string());
  std::optional<HooksPlan> plan;
  auto make_plan = [&] {
    plan = ctx.config.Read(
        [&](const objects::ConfigData& data) { return PlanHooks(data, opcode, ctx.paths); });
  };
  PreHooksAtStart op(ctx.op, [&] {
    make_plan();  // from the config as it is under the unit's locks
    if (plan) RunPrePhase(ctx, *plan);
  });
  LuContext hooked{ctx.paths, ctx.config,   ctx.locks, ctx.rpc,
                   op,        ctx.services, ctx.owner, ctx.dry_run};
  json::value result;
  try {
    result = logical_unit(hooked);
  } catch (const DryRunDone&) {
    throw;  // a dry run runs no post hooks and changes nothing
  } catch (...) {
    if (ConfigChanged(ctx)) RunConfigUpdateHook(ctx, op_id, plan ? &*plan : nullptr);
    throw;
  }
  if (!op.started()) make_plan();  // a unit that never waited for locks
  if (plan) RunPostPhase(ctx, *plan);
  if (ConfigChanged(ctx)) RunConfigUpdateHook(ctx, op_id, plan ? &*plan : nullptr);
  return result;
}

}  // namespace herd::master
