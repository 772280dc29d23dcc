#include "node/node_handlers.h"

#include <fcntl.h>
#include <openssl/sha.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <set>
#include <sstream>
#include <thread>

#include "base/errors.h"
#include "base/files.h"
#include "base/json.h"
#include "base/process.h"
#include "base/watcher_pause.h"
#include "node/capacity.h"
#include "node/cluster_certificate_handlers.h"
#include "node/crypto_tokens.h"
#include "node/hooks_runner.h"
#include "node/hypervisor/fake_hypervisor.h"
#include "node/impexp/exports.h"
#include "node/impexp_handlers.h"
#include "node/instance_handlers.h"
#include "node/master_role_handlers.h"
#include "node/restricted_commands.h"
#include "node/rpc_args.h"
#include "node/ssconf.h"
#include "node/storage/file_storage.h"
#include "rpc/procedures.h"

namespace herd {
namespace {

// The machine's boot id, which cannot change while this process lives.
const std::string& BootId() {
  static const std::string id = [] {
    try {
      std::string text = ReadFile("/proc/sys/kernel/random/boot_id");
      while (!text.empty() && text.back() == '\n') text.pop_back();
      return text;
    } catch (const GanetiError&) {
      return std::string("unknown");
    }
  }();
  return id;
}

std::string Sha1Hex(const std::string& data) {
  unsigned char md[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : md) {
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

// Files another node may place here: Ganeti's upload allow-list, under this
// node's root only.
bool UploadAllowed(const Paths& paths, const std::string& file) {
  const std::string allowed[] = {paths.ConfigFile(),
                                 paths.NodedCertFile(),
                                 paths.RapiCertFile(),
                                 paths.ConfdHmacKey(),
                                 paths.RapiUsersFile(),
                                 paths.ClusterDomainSecretFile(),
                                 paths.DataDir() + "/known_hosts"};
  for (const auto& a : allowed) {
    if (file == a) return true;
  }
  return false;
}

// The serial number of this node's copy of the config: its snapshot's, or
// that of the last journal record after it.
int64_t ReplicaConfigSerial(const Paths& paths) {
  if (!FileExists(paths.ConfigFile())) return -1;
  int64_t serial = GetInt(
      AsObject(ParseJson(ReadFile(paths.ConfigFile()), paths.ConfigFile()), paths.ConfigFile()),
      "serial_no", paths.ConfigFile());
  if (FileExists(paths.ConfigJournal())) {
    std::istringstream journal(ReadFile(paths.ConfigJournal()));
    for (std::string line; std::getline(journal, line);) {
      if (line.empty()) continue;
      const json::value record = ParseJson(line, paths.ConfigJournal());
      serial = std::max(serial, GetInt(AsObject(record, "journal record"), "serial", "journal"));
    }
  }
  return serial;
}

// This node's live job files by name: checksum, and whether the job has
// finished (only finished jobs must be the same everywhere).
json::object JobFileChecksums(const std::string& queue_dir) {
  json::object sums;
  if (!FileExists(queue_dir)) return sums;
  for (const auto& name : ListDirectory(queue_dir)) {
    // job-<id> only: a "job-<id>.tmp.*" is a write a crash interrupted.
    if (name.rfind("job-", 0) != 0 ||
        name.find_first_not_of("0123456789", 4) != std::string::npos) {
      continue;
    }
    const std::string text = ReadFile(queue_dir + "/" + name);
    bool finished = true;
    try {
      const json::value job = ParseJson(text, name);
      for (const auto& op : AsArray(AsObject(job, name).at("ops"), name)) {
        const auto status = op.as_object().at("status").as_string();
        finished = finished && (status == "success" || status == "error" || status == "canceled");
      }
    } catch (const std::exception&) {
      finished = false;  // being written, or damaged: the checksum still tells
    }
    sums[name] = json::object{{"sha1", Sha1Hex(text)}, {"finished", finished}};
  }
  return sums;
}

// The master keeps the authoritative config and queue: it never takes a
// replica from another node (an old master that has not noticed the failover).
void RefuseReplicaOnMaster(const Paths& paths, const char* procedure) {
  auto master = ReadSsconfValue(paths, kSsconfMasterNode);
  if (master && *master == paths.hostname()) {
    throw GenericError(std::string(procedure) + ": " + paths.hostname() +
                       " is the master; it does not take replicas from another node");
  }
}

}  // namespace

NodeHandlers::NodeHandlers(Paths paths, std::function<void()> request_shutdown)
    : paths_(std::move(paths)),
      request_shutdown_(std::move(request_shutdown)),
      replica_(std::make_unique<ConfigReplica>(paths_)) {
  handlers_["version"] = [](const json::array&) -> json::value { return rpc::kProtocolVersion; };

  handlers_["node_info"] = [this](const json::array& args) -> json::value {
    NodeCapacity cap = ReadNodeCapacity(paths_);
    // Running instances (recorded by the hypervisor) lower free memory; disk
    // files lower free storage.
    const int64_t used_memory = FakeHypervisor(paths_).UsedMemory();
    const FileStorage file_storage(paths_);
    json::array storage;
    if (!args.empty() && args[0].is_array()) {
      for (const auto& unit : args[0].get_array()) {
        const auto& u = AsArray(unit, "storage unit");
        std::string type = u.size() > 0 && u[0].is_string() ? std::string(u[0].get_string()) : "";
        std::string key = u.size() > 1 && u[1].is_string() ? std::string(u[1].get_string()) : "";
        StorageSpace space = type == "file" || type == "sharedfile"
                                 ? file_storage.Space(type, cap)
                                 : StorageSpace{cap.disk_mib, cap.disk_mib};
        storage.push_back(json::object{{"type", type},
                                       {"name", key},
                                       {"storage_size", space.total_mib},
                                       {"storage_free", space.free_mib}});
      }
    }
    json::array hv;
    if (args.size() > 1 && args[1].is_array()) {
      for (size_t i = 0; i < args[1].get_array().size(); ++i) {
        hv.push_back(
            json::object{{"memory_total", cap.memory_mib},
                         {"memory_free", cap.memory_mib - cap.memory_dom0_mib - used_memory},
                         {"memory_dom0", cap.memory_dom0_mib},
                         {"memory_hv", 0},
                         {"cpu_total", cap.cpus},
                         {"cpu_nodes", 1},
                         {"cpu_sockets", 1},
                         {"cpu_dom0", 1}});
      }
    }
    return json::array{json::value(BootId()), std::move(storage), std::move(hv)};
  };

  handlers_["write_ssconf_files"] = [this](const json::array& args) -> json::value {
    const auto& values = AsObject(Arg(args, 0, "write_ssconf_files"), "ssconf values");
    std::map<std::string, std::string> m;
    for (const auto& kv : values) {
      // A text, or (as Ganeti's config daemon sends them) a list of lines.
      std::string text;
      if (kv.value().is_string()) {
        text = std::string(kv.value().get_string());
      } else if (kv.value().is_array()) {
        for (const auto& line : kv.value().get_array()) {
          if (!line.is_string()) {
            throw GenericError("ssconf value for " + std::string(kv.key()) +
                               " must be a text or a list of lines");
          }
          text += (text.empty() ? "" : "\n") + std::string(line.get_string());
        }
      } else {
        throw GenericError("ssconf value for " + std::string(kv.key()) +
                           " must be a text or a list of lines");
      }
      if (!text.empty() && text.back() != '\n') text += '\n';
      m[std::string(kv.key())] = std::move(text);
    }
    WriteSsconfFiles(paths_, m);
    return nullptr;
  };

  handlers_["upload_file"] = [this](const json::array& args) -> json::value {
    // Arguments: file name (as on the master, i.e. with the master's root),
    // [encoding, data], mode, uid, gid, atime, mtime.
    std::string name = StringArg(args, 0, "upload_file");
    const auto& data = AsArray(Arg(args, 1, "upload_file"), "upload data");
    if (data.size() != 2 || ToInt(data[0], "encoding") != 0 || !data[1].is_string()) {
      throw GenericError("upload_file: only uncompressed data ([0, text]) is supported");
    }
    int64_t mode = args.size() > 2 ? ToInt(args[2], "mode") : 0644;
    // A path from another virtual node is mapped onto this node's root.
    std::string local = name;
    if (paths_.is_virtual()) {
      auto cluster = paths_.ClusterDir() + "/";
      if (name.rfind(cluster, 0) == 0) {
        auto rest = name.substr(cluster.size());
        auto slash = rest.find('/');
        local = slash == std::string::npos ? name : paths_.root() + rest.substr(slash);
      } else {
        local = paths_.Prefixed(name);
      }
    }
    if (!UploadAllowed(paths_, local)) {
      throw GenericError("Filename passed to UploadFile not in allowed upload targets: '" + name +
                         "'");
    }
    // A copy the node holds already is left alone: a redistribution to a
    // thousand nodes then costs no file writes and syncs.
    if (!FileHolds(local, data[1].get_string(), static_cast<unsigned>(mode))) {
      WriteFileAtomic(local, data[1].get_string(), static_cast<unsigned>(mode));
    }
    return nullptr;
  };

  handlers_["jobqueue_update"] = [this](const json::array& args) -> json::value {
    RefuseReplicaOnMaster(paths_, "jobqueue_update");
    std::string name = StringArg(args, 0, "jobqueue_update");
    std::string base = std::filesystem::path(name).filename().string();
    if (base.rfind("job-", 0) != 0 && base != "serial") {
      throw GenericError("jobqueue_update: '" + name + "' is not a job queue file");
    }
    const auto& data = AsArray(Arg(args, 1, "jobqueue_update"), "job data");
    if (data.size() != 2 || !data[1].is_string()) throw GenericError("jobqueue_update: bad data");
    MakeDirs(paths_.QueueDir());
    WriteFileAtomic(paths_.QueueDir() + "/" + base, data[1].get_string(), 0600, true,
                    Inodes::kRecycled);
    return nullptr;
  };

  handlers_["herd_jobqueue_replicate"] = [this](const json::array& args) -> json::value {
    RefuseReplicaOnMaster(paths_, "herd_jobqueue_replicate");
    // A master candidate's copy of the job queue: job files as the master
    // wrote them; archived ones go to the archive. A full copy also drops
    // live job files the master no longer has.
    const auto& entries = AsArray(Arg(args, 0, "herd_jobqueue_replicate"), "job queue entries");
    const bool full = args.size() > 1 && args[1].is_bool() && args[1].get_bool();
    MakeDirs(paths_.QueueDir());
    // Every file of the call is written, then synced once: a job's queue
    // file is replaced several times during its run, on every candidate.
    std::set<std::string> live;
    std::vector<FileWrite> writes;
    std::vector<std::string> archived_live_files;
    for (const auto& e : entries) {
      const auto& entry = AsArray(e, "job queue entry");
      if (entry.size() != 3 || !entry[0].is_string() || !entry[1].is_string() ||
          !entry[2].is_bool()) {
        throw GenericError("herd_jobqueue_replicate: entries are [name, contents, archived]");
      }
      std::string name(entry[0].get_string());
      if (name != "serial" &&
          (name.rfind("job-", 0) != 0 ||
           name.find_first_not_of("0123456789", 4) != std::string::npos || name.size() == 4)) {
        throw GenericError("herd_jobqueue_replicate: '" + name + "' is not a job queue file");
      }
      const std::string_view contents = entry[1].get_string();
      if (entry[2].get_bool()) {
        const auto id = std::stoll(name.substr(4));
        const std::string dir = paths_.QueueArchiveDir() + "/" + std::to_string(id / 10000);
        MakeDirs(dir);
        writes.push_back({dir + "/" + name, contents});
        archived_live_files.push_back(paths_.QueueDir() + "/" + name);
      } else {
        std::string path = paths_.QueueDir() + "/" + name;
        live.insert(name);
        // A whole copy (sent when a master starts) mostly finds the files
        // as they are: only those that differ are written.
        if (full && FileHolds(path, contents, 0600)) continue;
        writes.push_back({std::move(path), contents});
      }
    }
    WriteFilesAtomic(writes, 0600, Inodes::kRecycled);
    for (const auto& path : archived_live_files) RemoveFile(path);
    if (full) {
      for (const auto& name : ListDirectory(paths_.QueueDir())) {
        if (name.rfind("job-", 0) == 0 && !live.count(name)) {
          RemoveFile(paths_.QueueDir() + "/" + name);
        }
      }
      // The files left as they were, and the removals, are on disk too: a
      // write cut short before its last sync may have left a file's new name
      // in memory (its data was synced before the rename). The directory
      // alone, not the file system, which holds every virtual node's files.
      FsyncDirectory(paths_.QueueDir());
    }
    return nullptr;
  };

  handlers_["herd_config_journal_append"] = [this](const json::array& args) -> json::value {
    RefuseReplicaOnMaster(paths_, "herd_config_journal_append");
    // A master candidate keeps a replica of the config: a snapshot ("full")
    // or journal records to append, in order.
    std::string kind = StringArg(args, 0, "herd_config_journal_append");
    std::string text = StringArg(args, 1, "herd_config_journal_append");
    if (kind == "full") {
      replica_->Replace(text);
    } else if (kind == "append") {
      replica_->Append(text);
    } else {
      throw GenericError("herd_config_journal_append: unknown kind");
    }
    return nullptr;
  };

  handlers_["master_node_name"] = [this](const json::array&) -> json::value {
    auto master = ReadSsconfValue(paths_, kSsconfMasterNode);
    if (!master) throw GenericError("this node has no ssconf master_node (not in a cluster?)");
    return json::value(*master);
  };

  handlers_["node_verify"] = [this](const json::array& args) -> json::value {
    const auto& checks = AsObject(Arg(args, 0, "node_verify"), "node_verify checks");
    json::object result;
    if (checks.contains("version")) {
      result["version"] = json::array{rpc::kProtocolVersion, "3.0.2"};
    }
    if (auto it = checks.find("filelist"); it != checks.end()) {
      json::object sums;
      for (const auto& f : AsArray(it->value(), "filelist")) {
        std::string name(f.as_string());
        std::string local = paths_.Prefixed(name);
        if (FileExists(local)) sums[name] = Sha1Hex(ReadFile(local));
      }
      result["filelist"] = std::move(sums);
    }
    if (checks.contains("herd_replica")) {
      // A master candidate's copies, compared by the master's verify.
      result["herd_replica"] = json::object{{"config_serial", ReplicaConfigSerial(paths_)},
                                            {"jobs", JobFileChecksums(paths_.QueueDir())}};
    }
    {
      auto name = ReadSsconfValue(paths_, kSsconfClusterName);
      result["cluster_name"] = name ? json::value(*name) : json::value(nullptr);
    }
    if (checks.contains("hypervisor")) {
      json::object hv;
      for (const auto& h : AsArray(checks.at("hypervisor"), "hypervisor")) {
        hv[std::string(h.as_string())] = nullptr;  // the fake hypervisor is always healthy
      }
      result["hypervisor"] = std::move(hv);
    }
    result["time"] = TimestampNow();
    return result;
  };

  // The exports this node holds: the visible entries of its export
  // directory, sorted (Ganeti's ListExports); an unfinished "<name>.new" is
  // never one.
  handlers_["export_list"] = [this](const json::array&) -> json::value {
    json::array names;
    for (const auto& name : impexp::ListExports(paths_)) names.emplace_back(name);
    return names;
  };

  // Ganeti's RemoveExport: the export's directory, whole.
  handlers_["export_remove"] = [this](const json::array& args) -> json::value {
    const std::string name = StringArg(args, 0, "export_remove");
    if (name.empty() || name[0] == '.' || name.find('/') != std::string::npos) {
      throw GenericError("Invalid export name '" + name + "'");
    }
    std::error_code ec;
    std::filesystem::remove_all(paths_.ExportDir() + "/" + name, ec);
    if (ec) throw GenericError("Error while removing the export: " + ec.message());
    return nullptr;
  };

  handlers_["test_delay"] = [](const json::array& args) -> json::value {
    const double seconds = ToNumber(Arg(args, 0, "test_delay"), "delay");
    if (seconds < 0) throw GenericError("test_delay: the duration must not be negative");
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    return nullptr;
  };

  handlers_["restricted_command"] = [this](const json::array& args) -> json::value {
    return json::value(RunRestrictedCommand(paths_, StringArg(args, 0, "restricted_command")));
  };

  handlers_["node_crypto_tokens"] = [this](const json::array& args) -> json::value {
    const json::value& requests = Arg(args, 0, "node_crypto_tokens");
    if (!requests.is_array()) throw GenericError("node_crypto_tokens: a list of requests");
    return NodeCryptoTokens(paths_, requests.get_array());
  };

  handlers_["hooks_runner"] = [this](const json::array& args) -> json::value {
    const json::value& env_arg = Arg(args, 2, "hooks_runner");
    if (!env_arg.is_object()) throw GenericError("hooks_runner: the environment must be a dict");
    std::map<std::string, std::string> env;
    for (const auto& [key, value] : env_arg.get_object()) {
      env[std::string(key)] =
          value.is_string() ? std::string(value.get_string()) : SerializeJson(value);
    }
    return RunHooks(paths_, StringArg(args, 0, "hooks_runner"), StringArg(args, 1, "hooks_runner"),
                    env);
  };

  handlers_["herd_hooks_runner_batch"] = [this](const json::array& args) -> json::value {
    // [common env, [[hpath, phase, env], ...]]: each call's environment is
    // the common one plus its own; each is answered as hooks_runner alone
    // would answer it. Hooks without scripts (the usual case) are answered
    // without building their environment.
    const auto& common = AsObject(Arg(args, 0, "herd_hooks_runner_batch"), "common environment");
    const auto& calls = AsArray(Arg(args, 1, "herd_hooks_runner_batch"), "hooks_runner calls");
    json::array answers;
    for (const auto& call : calls) {
      answers.push_back(Outcome("hooks_runner", [&]() -> json::value {
        const auto& list = AsArray(call, "hooks_runner arguments");
        const std::string hpath = StringArg(list, 0, "hooks_runner");
        const std::string phase = StringArg(list, 1, "hooks_runner");
        const auto& own = AsObject(Arg(list, 2, "hooks_runner"), "hooks_runner environment");
        if ((phase == "pre" || phase == "post") && IsPluginName(hpath) &&
            !HooksDirectoryHasScripts(paths_, hpath, phase)) {
          return json::array{};
        }
        json::object env = common;
        for (const auto& [key, value] : own) env[key] = value;
        return Dispatch("hooks_runner", json::array{hpath, phase, std::move(env)});
      }));
    }
    return answers;
  };

  handlers_["herd_batch"] = [this](const json::array& args) -> json::value {
    const auto& calls = AsArray(Arg(args, 0, "herd_batch"), "batched calls");
    json::array answers;
    for (const auto& call : calls) {
      const auto& pair = AsArray(call, "batched call");
      const std::string name = StringArg(pair, 0, "herd_batch");
      if (name == "herd_batch") throw GenericError("herd_batch calls cannot be nested");
      const auto& call_args = AsArray(Arg(pair, 1, "herd_batch"), "arguments of " + name);
      answers.push_back(Outcome(name, [&] { return Dispatch(name, call_args); }));
    }
    return answers;
  };

  // Ganeti's RunOob: "<program> <command> <node>" within `timeout` seconds;
  // health and power-status answer JSON.
  handlers_["run_oob"] = [](const json::array& args) -> json::value {
    const std::string program = StringArg(args, 0, "run_oob");
    const std::string command = StringArg(args, 1, "run_oob");
    const std::string node = StringArg(args, 2, "run_oob");
    const int timeout = static_cast<int>(ToInt(Arg(args, 3, "run_oob"), "timeout"));
    const CommandResult result = RunCommand({program, command, node}, {}, "", timeout);
    if (result.failed()) {
      throw GenericError("'" + program + "' failed with exit code " +
                         std::to_string(result.exit_code) + "; output: " + result.output);
    }
    if (command == "health" || command == "power-status") {
      return ParseJson(result.output, "out-of-band program output");
    }
    return nullptr;
  };

  handlers_["set_watcher_pause"] = [this](const json::array& args) -> json::value {
    const json::value& until = Arg(args, 0, "set_watcher_pause");
    SetWatcherPause(paths_, until.is_null() ? std::nullopt
                                            : std::optional<double>(ToNumber(until, "pause time")));
    return nullptr;
  };

  handlers_["node_leave_cluster"] = [this](const json::array&) -> json::value {
    for (const auto& f : ListDirectory(paths_.DataDir())) {
      if (f.rfind("ssconf_", 0) == 0) RemoveFile(paths_.DataDir() + "/" + f);
    }
    RemoveFile(paths_.ConfigFile());
    RemoveFile(paths_.ConfigJournal());
    request_shutdown_();
    return nullptr;
  };
  RegisterInstanceHandlers(paths_, handlers_);
  RegisterImportExportHandlers(paths_, handlers_);
  RegisterMasterRoleHandlers(paths_, handlers_);
  RegisterClusterCertificateHandlers(paths_, handlers_);
}

net::HttpResponse NodeHandlers::Answer(const net::HttpRequest& req) const {
  net::HttpResponse res;
  if (req.method != "POST") {
    res.status = 400;
    res.body = "{\"message\": \"Only the POST method is supported\"}";
    return res;
  }
  std::string name = req.target.substr(req.target.rfind('/') + 1);
  if (!Has(name)) {
    res.status = 404;
    res.body = "{\"message\": \"Unknown procedure\"}";
    return res;
  }
  res.body = SerializeJson(Outcome(name, [&] {
    json::value args = ParseJson(req.body, "RPC arguments of " + name);
    if (!args.is_array()) throw GenericError("RPC arguments must be a JSON list");
    return Dispatch(name, args.get_array());
  }));
  return res;
}

json::array NodeHandlers::Outcome(const std::string& name,
                                  const std::function<json::value()>& call) const {
  try {
    json::array answer;
    answer.reserve(2);
    answer.emplace_back(true);
    answer.emplace_back(call());  // moved in, not copied as a braced list would
    return answer;
  } catch (const GanetiError& e) {
    spdlog::warn("RPC {} failed: {}", name, e.what());
    return {false, e.args().empty() ? std::string(e.what()) : e.args()[0]};
  } catch (const std::exception& e) {
    spdlog::error("RPC {} failed unexpectedly: {}", name, e.what());
    return {false, std::string("Error while executing ") + name + ": " + e.what()};
  }
}

json::value NodeHandlers::Dispatch(const std::string& name, const json::array& args) const {
  auto it = handlers_.find(name);
  if (it == handlers_.end()) throw GenericError("unknown node RPC procedure '" + name + "'");
  return it->second(args);
}

}  // namespace herd
