#include "master/luxi/luxi_methods.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "base/errors.h"
#include "base/json.h"
#include "base/watcher_pause.h"
#include "master/cmdlib/cluster.h"
#include "master/cmdlib/common.h"
#include "master/cmdlib/tags.h"
#include "master/filters.h"
#include "master/query/resource_queries.h"

namespace herd::master {
namespace {

const json::value& Arg(const json::array& args, size_t i, const std::string& method) {
  if (i >= args.size()) {
    throw LuxiError("Invalid arguments for " + method + ": expected at least " +
                    std::to_string(i + 1) + " argument(s)");
  }
  return args[i];
}

jobs::JobId JobIdArg(const json::value& v, const std::string& method) {
  try {
    if (v.is_string()) return std::stoll(std::string(v.get_string()));
    return ToInt(v, "job id");
  } catch (const std::exception&) {
    throw LuxiError("Invalid job id for " + method + ": " + SerializeJson(v));
  }
}

std::vector<std::string> StringList(const json::value& v, const std::string& what) {
  std::vector<std::string> out;
  if (v.is_null()) return out;
  if (!v.is_array()) throw LuxiError(what + " must be a list");
  for (const auto& e : v.get_array()) {
    if (!e.is_string()) throw LuxiError(what + " must be a list of strings");
    out.emplace_back(e.get_string());
  }
  return out;
}

// Old-style QueryNodes/QueryInstances/QueryGroups/QueryExports: rows of
// plain values for the named items (all when empty), `name_field` naming them.
json::value LegacyQuery(const std::string& resource, const std::vector<std::string>& names,
                        std::vector<std::string> fields, const QuerySources& sources,
                        const std::string& name_field = "name") {
  QueryRequest req{resource, std::move(fields), AnyNameFilter(name_field, names)};
  return PlainRows(RunResourceQuery(req, sources));
}

json::value LegacyQuery(const std::string& resource, const json::array& args,
                        const std::string& method, const QuerySources& sources) {
  return LegacyQuery(resource, StringList(Arg(args, 0, method), "names"),
                     StringList(Arg(args, 1, method), "fields"), sources);
}

}  // namespace

json::value LuxiMethods::Call(const std::string& method, const json::array& args) {
  if (method == "SubmitJob" || method == "SubmitJobToDrainedQueue") {
    const auto& ops = Arg(args, 0, method);
    if (!ops.is_array()) throw LuxiError("SubmitJob needs a list of opcodes");
    return queue_.Submit(ops.get_array(), method == "SubmitJobToDrainedQueue");
  }
  if (method == "SubmitManyJobs") {
    const auto& jobs = Arg(args, 0, method);
    if (!jobs.is_array()) throw LuxiError("SubmitManyJobs needs a list of jobs");
    return queue_.SubmitMany(jobs.get_array());
  }
  if (method == "WaitForJobChange") {
    const auto& fields = Arg(args, 1, method);
    return queue_.WaitForJobChange(
        JobIdArg(Arg(args, 0, method), method),
        fields.is_array() ? fields.get_array() : json::array{}, Arg(args, 2, method),
        Arg(args, 3, method).is_null() ? -1 : ToInt(Arg(args, 3, method), "log serial"),
        args.size() > 4 ? ToNumber(args[4], "timeout") : 60.0);
  }
  if (method == "CancelJob") {
    auto [ok, msg] = queue_.Cancel(JobIdArg(Arg(args, 0, method), method));
    return json::array{ok, msg};
  }
  if (method == "ArchiveJob") return queue_.Archive(JobIdArg(Arg(args, 0, method), method));
  if (method == "AutoArchiveJobs") {
    auto [archived, left] = queue_.AutoArchive(ToNumber(Arg(args, 0, method), "age"),
                                               args.size() > 1 ? ToNumber(args[1], "timeout") : 60);
    return json::array{archived, left};
  }
  if (method == "QueryJobs") {
    std::vector<jobs::JobId> ids;
    const auto& id_arg = Arg(args, 0, method);
    if (id_arg.is_array()) {
      for (const auto& v : id_arg.get_array()) ids.push_back(JobIdArg(v, method));
    }
    return queue_.QueryJobs(ids, StringList(Arg(args, 1, method), "fields"));
  }
  if (method == "Query") {
    const auto& what = Arg(args, 0, method);
    if (!what.is_string()) throw LuxiError("Query needs a resource name");
    QueryRequest req{std::string(what.get_string()), StringList(Arg(args, 1, method), "fields"),
                     args.size() > 2 ? args[2] : json::value(nullptr)};
    return RunResourceQuery(req, QuerySources{paths_, config_, rpc_, &queue_, locks_});
  }
  if (method == "QueryFields") {
    const auto& what = Arg(args, 0, method);
    if (!what.is_string()) throw LuxiError("QueryFields needs a resource name");
    return RunFieldsQuery(std::string(what.get_string()), args.size() > 1
                                                              ? StringList(args[1], "fields")
                                                              : std::vector<std::string>{});
  }
  if (method == "QueryClusterInfo") {
    return config_.Read([](const objects::ConfigData& d) { return json::value(ClusterInfo(d)); });
  }
  const QuerySources sources{paths_, config_, rpc_, &queue_, locks_};
  if (method == "QueryNodes") return LegacyQuery("node", args, method, sources);
  if (method == "QueryInstances") return LegacyQuery("instance", args, method, sources);
  if (method == "QueryGroups") return LegacyQuery("group", args, method, sources);
  if (method == "QueryNetworks") return LegacyQuery("network", args, method, sources);
  if (method == "QueryExports") {
    // As Ganeti's luxid: [node, export] rows.
    return LegacyQuery("export", StringList(Arg(args, 0, method), "nodes"), {"node", "export"},
                       sources, "node");
  }
  if (method == "QueryConfigValues") {
    json::array values;
    for (const auto& f : StringList(Arg(args, 0, method), "fields")) {
      if (f == "drain_flag") {
        values.push_back(queue_.DrainFlag());
        continue;
      }
      values.push_back(config_.Read([&](const objects::ConfigData& d) -> json::value {
        if (f == "cluster_name") return json::value(d.cluster.cluster_name);
        if (f == "master_node") return ClusterInfo(d).at("master");
        if (f == "watcher_pause") {
          auto until = WatcherPausedUntil(paths_);
          return until ? json::value(*until) : json::value();
        }
        if (f == "modify_ssh_setup" || f == "ssh_key_type" || f == "ssh_key_bits") {
          return ClusterInfo(d).at(f);
        }
        return nullptr;  // as Ganeti: an unknown field is null
      }));
    }
    return values;
  }
  if (method == "QueryTags") {
    const auto& kind = Arg(args, 0, method);
    if (!kind.is_string()) throw OpPrereqError("QueryTags: the kind must be a string", kEcodeInval);
    std::string name;
    if (args.size() > 1 && args[1].is_string()) name = std::string(args[1].get_string());
    return config_.Read([&](const objects::ConfigData& d) {
      json::array a;
      for (const auto& t : TagsOf(d, std::string(kind.get_string()), name)) a.emplace_back(t);
      return json::value(a);
    });
  }
  if (method == "SetDrainFlag") {
    const auto& flag = Arg(args, 0, method);
    if (!flag.is_bool()) throw LuxiError("SetDrainFlag needs a boolean");
    queue_.SetDrainFlag(flag.get_bool());
    return true;
  }
  if (method == "SetWatcherPause") {
    // Written on the master and the candidates, any of which may watch next.
    const json::value& until = Arg(args, 0, method);
    if (!until.is_null() && !until.is_number()) {
      throw LuxiError("SetWatcherPause needs a time or null");
    }
    std::vector<rpc::NodeAddress> targets;
    std::vector<std::string> names;
    config_.Read([&](const objects::ConfigData& d) {
      for (const auto& [uuid, n] : d.nodes) {
        if (!n.offline && (n.master_candidate || uuid == d.cluster.master_node)) {
          targets.push_back(AddressOf(n));
          names.push_back(n.name);
        }
      }
    });
    auto results = rpc_.CallParallel(targets, rpc::procedures::kSetWatcherPause, {until});
    for (size_t i = 0; i < results.size(); ++i) {
      if (!results[i].ok) {
        spdlog::warn("Setting the watcher pause on {} failed: {}", names[i], results[i].error);
      }
    }
    return until;
  }
  if (method == "ChangeJobPriority") {
    const jobs::JobId id = JobIdArg(Arg(args, 0, method), method);
    const auto& priority = Arg(args, 1, method);
    if (!priority.is_int64() || priority.get_int64() < -20 || priority.get_int64() > 19) {
      throw LuxiError("Invalid priority for ChangeJobPriority: " + SerializeJson(priority));
    }
    auto [ok, message] = queue_.ChangePriority(id, static_cast<int>(priority.get_int64()));
    return json::array{ok, json::value(message)};
  }
  if (method == "ReplaceFilter") return ReplaceFilter(config_, queue_, args);
  if (method == "DeleteFilter") return DeleteFilter(config_, queue_, args);
  if (method == "QueryFilters") {
    return LegacyQuery("filter", StringList(Arg(args, 0, method), "uuids"),
                       StringList(Arg(args, 1, method), "fields"), sources, "uuid");
  }
  if (method == "PickupJob") {
    throw GenericError("Luxi call 'PickupJob' is for internal use only");
  }
  throw LuxiError("Unknown method '" + method + "'");
}

}  // namespace herd::master
