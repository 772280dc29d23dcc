#include "vcluster/vcluster.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "base/errors.h"
#include "base/files.h"
#include "base/json.h"
#include "base/paths.h"
#include "base/pid_file.h"
#include "base/process.h"
#include "bootstrap/bootstrap.h"
#include "confd/placement.h"
#include "luxi/client.h"
#include "net/tls.h"
#include "node/ssconf.h"
#include "rpc/procedures.h"
#include "vcluster/layout.h"

namespace herd::vcluster {
namespace fs = std::filesystem;
namespace {

std::string Absolute(const std::string& dir) {
  return fs::weakly_canonical(fs::absolute(dir)).string();
}

std::map<std::string, std::string> NodeEnv(const std::string& dir, const std::string& node) {
  return {{"GANETI_ROOTDIR", dir + "/" + node}, {"GANETI_HOSTNAME", node}};
}

void ReportStartFailures(const std::string& dir, const std::string& daemon,
                         const std::vector<std::string>& failures) {
  if (failures.empty()) return;
  throw GenericError(daemon + " failed to start on " + std::to_string(failures.size()) +
                     " node(s), first " + failures.front() + "; see " + dir + "/" +
                     failures.front() + "/var/log/ganeti/");
}

// Node daemons through one `ganeti-noded --virtual-nodes`, which forks a
// daemon per node instead of executing the program once per node.
void StartNodeDaemons(const std::string& dir, const std::string& bin_dir,
                      const std::vector<std::string>& nodes, bool show_progress) {
  std::string list;
  for (const auto& node : nodes) list += dir + "/" + node + " " + node + "\n";
  int input[2], output[2];
  if (::pipe2(input, O_CLOEXEC) != 0 || ::pipe2(output, O_CLOEXEC) != 0) {
    throw SystemError("pipe", errno);
  }
  const pid_t pid = ::fork();
  if (pid < 0) throw SystemError("fork", errno);
  if (pid == 0) {
    ::dup2(input[0], 0);
    ::dup2(output[1], 1);
    // Every symbol bound once, in the launcher, before the daemons fork.
    ::setenv("LD_BIND_NOW", "1", 1);
    const std::string exe = bin_dir + "/ganeti-noded";
    ::execl(exe.c_str(), exe.c_str(), "--virtual-nodes", static_cast<char*>(nullptr));
    _exit(127);
  }
  ::close(input[0]);
  ::close(output[1]);
  // The launcher reads the whole list before it answers. If it died (could
  // not execute, say), its exit status tells, not a SIGPIPE here.
  struct sigaction ignore {
  }, previous{};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &previous);
  for (std::string_view rest = list; !rest.empty();) {
    const ssize_t n = ::write(input[1], rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    rest.remove_prefix(static_cast<size_t>(n));
  }
  ::close(input[1]);
  ::sigaction(SIGPIPE, &previous, nullptr);
  std::vector<std::string> failures;
  size_t done = 0;
  std::string pending;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(output[0], buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    pending.append(buffer, static_cast<size_t>(n));
    for (size_t eol; (eol = pending.find('\n')) != std::string::npos; pending.erase(0, eol + 1)) {
      const std::string line = pending.substr(0, eol);
      if (line.rfind("failed ", 0) == 0) failures.push_back(line.substr(7));
      ++done;
    }
    if (show_progress) {
      std::cerr << "\rStarting ganeti-noded: " << done << "/" << nodes.size() << std::flush;
    }
  }
  ::close(output[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (show_progress) std::cerr << "\n";
  ReportStartFailures(dir, "ganeti-noded", failures);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
    throw GenericError("cannot execute " + bin_dir + "/ganeti-noded; is Herd built and installed?");
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw GenericError("ganeti-noded --virtual-nodes failed (exit status " +
                       std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")");
  }
}

// Starts `daemon` on many nodes at once; each daemon detaches after binding,
// so its launcher exits quickly with the daemon's start-up verdict.
void StartDaemons(const std::string& dir, const std::string& bin_dir,
                  const std::vector<std::string>& nodes, const std::string& daemon,
                  bool show_progress) {
  std::vector<std::string> stopped;
  for (const auto& node : nodes) {
    if (RunningDaemonPid(Paths(dir + "/" + node, node).PidFile(daemon)) <= 0) {
      stopped.push_back(node);
    }
  }
  if (daemon == "ganeti-noded" && stopped.size() > 1) {
    return StartNodeDaemons(dir, bin_dir, stopped, show_progress);
  }
  const size_t kBatch = 32;
  size_t done = nodes.size() - stopped.size();
  std::vector<std::string> failures;
  for (size_t start = 0; start < stopped.size(); start += kBatch) {
    std::vector<std::pair<pid_t, std::string>> children;
    for (size_t i = start; i < std::min(stopped.size(), start + kBatch); ++i) {
      const auto& node = stopped[i];
      pid_t pid = ::fork();
      if (pid < 0) throw SystemError("fork", errno);
      if (pid == 0) {
        for (const auto& [k, v] : NodeEnv(dir, node)) ::setenv(k.c_str(), v.c_str(), 1);
        std::string exe = bin_dir + "/" + daemon;
        ::execl(exe.c_str(), exe.c_str(), static_cast<char*>(nullptr));
        _exit(127);
      }
      children.emplace_back(pid, node);
    }
    for (const auto& [pid, node] : children) {
      int status = 0;
      ::waitpid(pid, &status, 0);
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) failures.push_back(node);
      ++done;
    }
    if (show_progress) {
      std::cerr << "\rStarting " << daemon << ": " << done << "/" << nodes.size() << std::flush;
    }
  }
  if (show_progress) {
    std::cerr << "\rStarting " << daemon << ": " << done << "/" << nodes.size() << "\n";
  }
  ReportStartFailures(dir, daemon, failures);
}

std::string MasterNode(const std::string& dir, const std::vector<VirtualNode>& nodes) {
  for (const auto& n : nodes) {
    Paths p(dir + "/" + n.name, n.name);
    if (auto m = ReadSsconfValue(p, kSsconfMasterNode)) return *m;
  }
  return nodes.empty() ? "" : nodes.front().name;
}

// Starts the master daemons on `node`; a masterd killed a moment ago holds
// its pid file until it has exited: wait until one serves, starting a new one
// once the old one is gone. Throws when it cannot serve (a lost vote, say).
void StartMasterDaemons(const std::string& dir, const std::string& bin_dir,
                        const std::string& node) {
  Paths mp(dir + "/" + node, node);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (;;) {
    StartDaemons(dir, bin_dir, {node}, "ganeti-masterd", false);
    try {
      luxi::WaitUntilServing(mp.MasterSocket(), 0.2);
      break;
    } catch (const GanetiError&) {
      if (std::chrono::steady_clock::now() > deadline) throw;
    }
  }
  if (FileExists(bin_dir + "/ganeti-rapi"))
    StartDaemons(dir, bin_dir, {node}, "ganeti-rapi", false);
}

// ganeti-confd on the given master candidates (where it is built).
void StartConfdDaemons(const std::string& dir, const std::string& bin_dir,
                       const std::vector<std::string>& candidates, bool progress) {
  if (!FileExists(bin_dir + "/" + confd::kConfdDaemon)) return;
  StartDaemons(dir, bin_dir, candidates, confd::kConfdDaemon, progress);
}

// The master candidates as the nodes' own ssconf names them (a cluster at rest).
std::vector<std::string> CandidatesBySsconf(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& n : ReadNodes(dir)) {
    if (confd::ConfdRunsOn(Paths(dir + "/" + n.name, n.name))) names.push_back(n.name);
  }
  return names;
}

// The master candidates as the master's configuration has them (ssconf
// reaches the nodes a moment after their node-add jobs finished).
std::vector<std::string> CandidatesByConfig(luxi::Client& client) {
  json::array args{"node", json::array{"name", "master_candidate"}, nullptr};
  json::value result = client.Call("Query", args);
  std::vector<std::string> names;
  for (const auto& row : result.as_object().at("data").as_array()) {
    const auto& cells = row.as_array();
    if (cells[1].as_array()[1] == json::value(true))
      names.emplace_back(cells[0].as_array()[1].as_string());
  }
  return names;
}

// The master pushes ssconf in the background, a moment after the node adds
// finish: the cluster is at rest once every master candidate's own ssconf
// lists the candidates the configuration has (Ganeti's tools and confd read
// them there). Waits at most a minute, then says so.
void WaitForCandidatesSsconf(const std::string& dir, const std::vector<std::string>& candidates) {
  const std::set<std::string> expected(candidates.begin(), candidates.end());
  auto settled = [&] {
    for (const auto& name : candidates) {
      auto listed = ReadSsconfValue(Paths(dir + "/" + name, name), kSsconfMasterCandidates);
      std::set<std::string> names;
      std::istringstream lines(listed.value_or(""));
      for (std::string line; std::getline(lines, line);) {
        if (!line.empty()) names.insert(line);
      }
      if (names != expected) return false;
    }
    return true;
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  while (!settled()) {
    if (std::chrono::steady_clock::now() > deadline) {
      std::cerr << "Warning: the master candidates' ssconf files do not list the candidates "
                   "yet; check the master daemon's log\n";
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void StartCluster(const std::string& dir, const std::string& bin_dir, bool progress) {
  auto nodes = ReadNodes(dir);
  std::vector<std::string> names;
  for (const auto& n : nodes) names.push_back(n.name);
  StartDaemons(dir, bin_dir, names, "ganeti-noded", progress);
  // As Ganeti's daemon-util on each machine: a node whose own ssconf names it
  // master starts the master daemons, and the nodes' vote settles between
  // claimants (an old master with stale ssconf loses it).
  std::optional<GanetiError> refused;
  int serving = 0;
  for (const auto& n : nodes) {
    Paths p(dir + "/" + n.name, n.name);
    if (!FileExists(p.ConfigFile()) || ReadSsconfValue(p, kSsconfMasterNode) != n.name) continue;
    try {
      StartMasterDaemons(dir, bin_dir, n.name);
      ++serving;
    } catch (const GanetiError& e) {
      std::cerr << n.name << ": " << e.UserMessage() << "\n";
      refused = e;
    }
  }
  if (serving == 0 && refused) throw *refused;
  StartConfdDaemons(dir, bin_dir, CandidatesBySsconf(dir), progress);
}

void StopCluster(const std::string& dir) {
  auto nodes = ReadNodes(dir);
  std::vector<StoppingDaemon> waiting;
  for (const auto& n : nodes) {
    Paths p(dir + "/" + n.name, n.name);
    AskDaemonToStop(p.PidFile("ganeti-rapi"), waiting);
    AskDaemonToStop(p.PidFile("ganeti-masterd"), waiting);
  }
  WaitForDaemonsToStop(waiting, 30);  // masterd finishes its running opcodes first
  waiting.clear();
  for (const auto& n : nodes) {
    Paths p(dir + "/" + n.name, n.name);
    AskDaemonToStop(p.PidFile(confd::kConfdDaemon), waiting);
    AskDaemonToStop(p.PidFile("ganeti-noded"), waiting);
  }
  WaitForDaemonsToStop(waiting, 10);
}

json::value WaitForJobs(luxi::Client& client, const json::array& job_ids, bool progress) {
  const std::set<std::string> final_states{"success", "error", "canceled"};
  for (;;) {
    json::value rows = client.Call("QueryJobs", {job_ids, json::array{"id", "status", "opresult"}});
    size_t finished = 0;
    for (const auto& row : rows.as_array()) {
      if (!row.is_null() && final_states.count(std::string(row.as_array()[1].as_string())))
        ++finished;
    }
    if (progress) {
      std::cerr << "\rAdding nodes: " << finished << "/" << job_ids.size() << std::flush;
    }
    if (finished == job_ids.size()) {
      if (progress) std::cerr << "\n";
      return rows;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

std::string RandomPassword() {
  std::random_device rd;
  static const char* alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  std::string out;
  for (int i = 0; i < 16; ++i) out += alphabet[rd() % 57];
  return out;
}

// The OS definitions shipped with Herd, next to its executables.
std::string OsDefinitionsDir(const std::string& bin_dir) {
  std::string dir = std::filesystem::weakly_canonical(bin_dir + "/../share/herd/os").string();
  if (!FileExists(dir)) {
    throw GenericError("OS definitions not found at " + dir + "; rebuild or reinstall Herd");
  }
  return dir;
}

// Each node finds the shipped OSes on its OS search path (symlinks, so a
// thousand nodes cost no copies).
void InstallOsDefinitions(const Paths& node, const std::string& os_dir) {
  MakeDirs(node.OsSearchDir());
  for (const auto& name : ListDirectory(os_dir)) {
    std::string link = node.OsSearchDir() + "/" + name;
    std::error_code ec;
    std::filesystem::create_symlink(os_dir + "/" + name, link, ec);
    if (ec && ec != std::errc::file_exists) {
      throw GenericError("cannot link OS " + name + " into " + link + ": " + ec.message());
    }
  }
}

// Herd's own hail heads each node's iallocator search path, so that "hail"
// (and the cluster's default allocator) means Herd's; Ganeti's stays
// reachable by its full path.
void InstallAllocator(const Paths& node, const std::string& bin_dir) {
  MakeDirs(node.IallocatorDir());
  const std::string link = node.IallocatorDir() + "/hail";
  std::error_code ec;
  std::filesystem::create_symlink(bin_dir + "/hail", link, ec);
  if (ec && ec != std::errc::file_exists) {
    throw GenericError("cannot link hail into " + link + ": " + ec.message());
  }
}

int Create(const std::string& dir_arg, int node_count, const NodeCapacity& uniform,
           const std::string& spec_file, const std::string& cluster_name, bool quiet,
           bool init_cluster) {
  if (node_count < 1) throw GenericError("--nodes must be at least 1");
  const std::string dir = Absolute(dir_arg);
  if (FileExists(dir) && !ListDirectory(dir).empty()) {
    throw GenericError("directory " + dir +
                       " exists and is not empty; pick a new one or run "
                       "'herd-vcluster destroy " +
                       dir + "' first");
  }
  const std::string bin_dir = ExecutableDir();
  const std::string os_dir = OsDefinitionsDir(bin_dir);
  auto start = std::chrono::steady_clock::now();
  MakeDirs(dir);
  json::object spec;
  if (!spec_file.empty()) spec = AsObject(ParseJson(ReadFile(spec_file), spec_file), spec_file);

  const AddressBlock address_block = ClaimFreeAddressBlock(rpc::kDefaultNodedPort);
  const int block = address_block.block;
  std::vector<VirtualNode> nodes;
  for (int i = 1; i <= node_count; ++i) {
    VirtualNode n{NodeName(i), NodeAddress(block, i), uniform};
    if (auto it = spec.find(n.name); it != spec.end()) {
      const auto& o = AsObject(it->value(), spec_file + ": " + n.name);
      n.capacity.memory_mib = GetIntOr(o, "memory", n.capacity.memory_mib);
      n.capacity.disk_mib = GetIntOr(o, "disk", n.capacity.disk_mib);
      n.capacity.cpus = GetIntOr(o, "cpus", n.capacity.cpus);
    }
    nodes.push_back(n);
  }
  WriteHostsFile(dir, cluster_name, ClusterAddress(block), nodes);
  // One cluster certificate, shared by every node (as Ganeti distributes server.pem).
  const std::string cert = dir + "/.server.pem";
  net::GenerateSelfSignedCertificate(cert, cluster_name);
  const std::string pem = ReadFile(cert);
  for (const auto& n : nodes) {
    Paths p(dir + "/" + n.name, n.name);
    p.EnsureDirectories();
    WriteFileAtomic(p.NodedCertFile(), pem, 0600);
    WriteNodeCapacity(p, n.capacity);
    InstallOsDefinitions(p, os_dir);
    InstallAllocator(p, bin_dir);
    WriteNodeCommandWrapper(dir, n.name, bin_dir);
  }
  RemoveFile(cert);
  WriteClusterScripts(dir, bin_dir);
  std::vector<std::string> names;
  for (const auto& n : nodes) names.push_back(n.name);
  StartDaemons(dir, bin_dir, names, "ganeti-noded", !quiet);

  const auto master = nodes.front().name;
  if (!init_cluster) {
    std::cout << "Virtual nodes of '" << cluster_name << "' created and started in " << dir
              << " (no cluster initialised)\n";
    return 0;
  }
  // A first RAPI user with write access (Ganeti's users file format).
  const std::string rapi_password = RandomPassword();
  {
    Paths mp(dir + "/" + master, master);
    MakeDirs(std::filesystem::path(mp.RapiUsersFile()).parent_path().string(), 0750);
    WriteFileAtomic(mp.RapiUsersFile(),
                    "# RAPI users: name password [read|write]\nadmin " + rapi_password + " write\n",
                    0600);
  }
  bootstrap::InitOptions init;
  init.cluster_name = cluster_name;
  init.master_netdev = "lo";
  bootstrap::InitCluster(Paths(dir + "/" + master, master), init);

  if (nodes.size() > 1) {
    luxi::Client client(Paths(dir + "/" + master, master).MasterSocket(), 600);
    json::array jobs;
    for (size_t i = 1; i < nodes.size(); ++i) {
      jobs.push_back(json::array{
          json::object{{"OP_ID", "OP_NODE_ADD"}, {"node_name", nodes[i].name}, {"readd", false}}});
    }
    json::array args;
    args.push_back(std::move(jobs));  // a braced {jobs} would copy the list itself
    json::value submitted = client.Call("SubmitManyJobs", args);
    json::array ids;
    for (const auto& s : submitted.as_array()) {
      const auto& pair = s.as_array();
      if (!pair[0].as_bool()) throw GenericError("node add job refused: " + SerializeJson(pair[1]));
      ids.push_back(pair[1]);
    }
    json::value rows = WaitForJobs(client, ids, !quiet);
    int failed = 0;
    for (size_t i = 0; i < rows.as_array().size(); ++i) {
      const auto& row = rows.as_array()[i].as_array();
      if (row[1].as_string() != "success") {
        if (++failed <= 3) {
          std::cerr << "Adding " << nodes[i + 1].name << " failed: " << SerializeJson(row[2])
                    << "\n";
        }
      }
    }
    if (failed) throw GenericError(std::to_string(failed) + " node(s) could not be added");
    // The nodes' ssconf files are written in the background as nodes join;
    // a cluster said to be ready has them all up to date, as after Ganeti's
    // `gnt-cluster redist-conf`.
    json::value redist = client.Call(
        "SubmitJob", json::array{json::array{json::object{{"OP_ID", "OP_CLUSTER_REDIST_CONF"}}}});
    const json::value done = WaitForJobs(client, json::array{redist}, false);
    const auto& row = done.as_array().at(0).as_array();
    if (row[1].as_string() != "success") {
      std::cerr << "Warning: writing the configuration to every node failed: "
                << SerializeJson(row[2]) << "\n";
    }
  }
  {
    luxi::Client client(Paths(dir + "/" + master, master).MasterSocket(), 600);
    const std::vector<std::string> candidates = CandidatesByConfig(client);
    WaitForCandidatesSsconf(dir, candidates);
    StartConfdDaemons(dir, bin_dir, candidates, !quiet);
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "Virtual cluster '" << cluster_name << "' with " << nodes.size()
            << " node(s) created in " << dir << " (" << std::fixed << std::setprecision(1)
            << seconds << " s)\n"
            << "  master: " << master << " (" << nodes.front().address << ")\n"
            << "  run commands as a node: " << dir << "/" << master << "/cmd gnt-node list\n"
            << "  RAPI: https://" << nodes.front().address << ":5080/ (user admin, password "
            << rapi_password << ", in " << dir << "/" << master << "/var/lib/ganeti/rapi/users)\n"
            << "  stop/start everything:  " << dir << "/stop-all ; " << dir << "/start-all\n";
  return 0;
}

// One ganeti-watcher run per virtual node, as cron would run it on each
// machine of a real cluster.
int RunWatchers(const std::string& dir, const std::string& bin_dir) {
  int rc = 0;
  for (const auto& n : ReadNodes(dir)) {
    auto result =
        RunCommand({bin_dir + "/ganeti-watcher"},
                   {{"GANETI_ROOTDIR", dir + "/" + n.name}, {"GANETI_HOSTNAME", n.name}}, "", 600);
    if (!result.output.empty()) std::cout << n.name << ": " << result.output << std::flush;
    if (result.failed()) rc = 1;
  }
  return rc;
}

int Status(const std::string& dir) {
  auto nodes = ReadNodes(dir);
  int down = 0;
  std::string master = MasterNode(dir, nodes);
  for (const auto& n : nodes) {
    Paths p(dir + "/" + n.name, n.name);
    bool noded = RunningDaemonPid(p.PidFile("ganeti-noded")) > 0;
    std::cout << n.name << " " << n.address << " noded:" << (noded ? "running" : "stopped");
    if (n.name == master) {
      bool masterd = RunningDaemonPid(p.PidFile("ganeti-masterd")) > 0;
      bool rapi = RunningDaemonPid(p.PidFile("ganeti-rapi")) > 0;
      std::cout << " masterd:" << (masterd ? "running" : "stopped")
                << " rapi:" << (rapi ? "running" : "stopped");
      if (!masterd) ++down;
    }
    if (confd::ConfdRunsOn(p)) {
      bool confd = RunningDaemonPid(p.PidFile(confd::kConfdDaemon)) > 0;
      std::cout << " confd:" << (confd ? "running" : "stopped");
    }
    std::cout << "\n";
    if (!noded) ++down;
  }
  return down ? 1 : 0;
}

}  // namespace

int Main(int argc, char** argv) {
  CLI::App app{"Create and manage Herd virtual clusters", "herd-vcluster"};
  app.require_subcommand(1);
  std::string dir, spec_file, cluster_name = "cluster";
  int nodes = 5;
  bool quiet = false, no_init = false;
  NodeCapacity cap{4096, 100 * 1024, 4, 0};
  auto* create = app.add_subcommand("create", "Create and start a virtual cluster in DIR");
  create->add_option("dir", dir, "Cluster directory (new or empty)")->required();
  create->add_option("--nodes", nodes, "Number of nodes")->check(CLI::Range(1, 10000));
  create->add_option("--memory", cap.memory_mib, "Memory of each node, MiB");
  create->add_option("--disk", cap.disk_mib, "Disk space of each node, MiB");
  create->add_option("--cpus", cap.cpus, "CPUs of each node");
  create
      ->add_option("--node-spec", spec_file,
                   "JSON file {\"node3\": {\"memory\": MiB, \"disk\": MiB, \"cpus\": N}, ...}")
      ->check(CLI::ExistingFile);
  create->add_option("--cluster-name", cluster_name, "Cluster name");
  create->add_flag("-q,--quiet", quiet, "No progress output");
  create->add_flag("--no-init", no_init, "Only create and start the node daemons");
  for (const char* name : {"start", "stop", "status", "destroy", "watcher"}) {
    app.add_subcommand(name, std::string(name) + " the virtual cluster in DIR")
        ->add_option("dir", dir, "Cluster directory")
        ->required()
        ->check(CLI::ExistingDirectory);
  }
  CLI11_PARSE(app, argc, argv);
  try {
    const std::string command = app.get_subcommands().front()->get_name();
    if (command == "create")
      return Create(dir, nodes, cap, spec_file, cluster_name, quiet, !no_init);
    dir = Absolute(dir);
    if (!FileExists(dir + "/hosts"))
      throw GenericError(dir + " is not a virtual cluster (no hosts file)");
    if (command == "start") {
      StartCluster(dir, ExecutableDir(), true);
      return 0;
    }
    if (command == "watcher") return RunWatchers(dir, ExecutableDir());
    if (command == "stop") {
      StopCluster(dir);
      return 0;
    }
    if (command == "status") return Status(dir);
    if (command == "destroy") {
      StopCluster(dir);
      fs::remove_all(dir);
      std::cout << "Virtual cluster in " << dir << " destroyed\n";
      return 0;
    }
  } catch (const GanetiError& e) {
    std::cerr << "herd-vcluster: " << (e.args().empty() ? e.what() : e.args()[0]) << "\n";
    return 1;
  }
  return 0;
}

}  // namespace herd::vcluster
