// gnt-cluster: cluster administration, with Ganeti's commands and output.
#include <boost/json.hpp>
#include <chrono>
#include <ctime>
#include <iostream>
#include <sstream>

#include "base/errors.h"
#include "base/files.h"
#include "base/json.h"
#include "bootstrap/bootstrap.h"
#include "bootstrap/failover.h"
#include "cli/command.h"
#include "cli/format.h"
#include "cli/jobs.h"
#include "cli/key_values.h"
#include "cluster_commands.h"
#include "common_options.h"
#include "net/tls.h"
#include "program.h"
#include "tag_commands.h"

using namespace herd;
using namespace herd::cli;
namespace json = boost::json;

namespace {

// "a=1,b=2" -> {a: 1, b: 2}
std::map<std::string, std::string> KeyValues(const std::string& s, const std::string& option) {
  std::map<std::string, std::string> out;
  for (const auto& item : SplitComma(s)) {
    auto eq = item.find('=');
    if (eq == std::string::npos) {
      throw OpPrereqError("Invalid value '" + item + "' for " + option + ": expected key=value",
                          kEcodeInval);
    }
    out[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return out;
}

std::string Text(const json::value& v) {
  return v.is_string() ? std::string(v.get_string()) : SerializeJson(v);
}

void PrintDict(const json::object& o, int indent) {
  for (const auto& kv : o) {
    std::cout << std::string(static_cast<size_t>(indent), ' ') << kv.key() << ":";
    if (kv.value().is_object()) {
      std::cout << "\n";
      PrintDict(kv.value().get_object(), indent + 2);
    } else {
      std::cout << " " << Text(kv.value()) << "\n";
    }
  }
}

double Now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Ganeti's ParseTimespec: seconds, or a number with s, m, h, d or w.
double ParseTimespec(const std::string& value) {
  if (value.empty()) throw OpPrereqError("Empty time specification passed", kEcodeInval);
  static const std::map<char, double> units{
      {'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}, {'w', 604800}};
  double factor = 1;
  std::string number = value;
  if (auto it = units.find(value.back()); it != units.end()) {
    factor = it->second;
    number.pop_back();
  }
  try {
    size_t used = 0;
    const long long n = std::stoll(number, &used);
    if (used != number.size() || n < 0) throw std::invalid_argument(value);
    return static_cast<double>(n) * factor;
  } catch (const std::exception&) {
    throw OpPrereqError("Invalid time specification '" + value + "'", kEcodeInval);
  }
}

// time.ctime() of a timestamp: "Fri Dec  4 22:52:15 2026".
std::string CTime(double seconds) {
  const std::time_t t = static_cast<std::time_t>(seconds);
  char buffer[64];
  std::tm local{};
  localtime_r(&t, &local);
  std::strftime(buffer, sizeof(buffer), "%a %b %e %H:%M:%S %Y", &local);
  return buffer;
}

class Init : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("name", init_.cluster_name, "Cluster name")->required();
    app.add_option("--master-netdev", init_.master_netdev, "Master network device");
    app.add_option("-I,--default-iallocator", init_.default_iallocator,
                   "Default instance allocator (default: hail when available)");
    app.add_option("--enabled-hypervisors", hypervisors_, "Hypervisors (fake)");
    app.add_option("--enabled-disk-templates", templates_, "Disk templates");
    app.add_option("-H,--hypervisor-parameters", hvparams_, "fake:key=value,...");
    app.add_option("-B,--backend-parameters", beparams_, "Backend parameters");
    app.add_option("-N,--nic-parameters", nicparams_, "NIC parameters");
    app.add_option("--node-parameters", ndparams_, "Node parameters");
    app.add_option("--file-storage-dir", init_.file_storage_dir, "File storage directory");
    app.add_option("--shared-file-storage-dir", init_.shared_file_storage_dir,
                   "Shared file storage directory");
    app.add_option("-C,--candidate-pool-size", init_.candidate_pool_size,
                   "Master candidate pool size");
    app.add_option("-s,--secondary-ip", init_.secondary_ip, "Secondary IP");
    app.add_flag("--no-etc-hosts", no_etc_hosts_, "Don't modify /etc/hosts (never done by Herd)");
  }
  int Run() override {
    if (!hypervisors_.empty()) init_.enabled_hypervisors = SplitComma(hypervisors_);
    if (!templates_.empty()) init_.enabled_disk_templates = SplitComma(templates_);
    init_.beparams = KeyValues(beparams_, "-B");
    init_.nicparams = KeyValues(nicparams_, "-N");
    init_.ndparams = KeyValues(ndparams_, "--node-parameters");
    if (!hvparams_.empty()) {
      auto colon = hvparams_.find(':');
      if (colon == std::string::npos || hvparams_.substr(0, colon) != "fake") {
        throw OpPrereqError("-H takes fake:key=value,... (only the fake hypervisor exists)",
                            kEcodeInval);
      }
      init_.hvparams_fake = KeyValues(hvparams_.substr(colon + 1), "-H");
    }
    bootstrap::InitCluster(NodePaths(), init_);
    return kExitSuccess;
  }

 private:
  bootstrap::InitOptions init_;
  std::string hypervisors_, templates_, beparams_, nicparams_, ndparams_, hvparams_;
  bool no_etc_hosts_ = false;
};

class Info : public Command {
 public:
  void Declare(CLI::App&) override {}
  int Run() override {
    json::value info = Master().Call("QueryClusterInfo", json::array{});
    const auto& o = info.as_object();
    std::cout << "Cluster name: " << Text(o.at("name")) << "\n"
              << "Cluster UUID: " << Text(o.at("uuid")) << "\n"
              << "Creation time: " << FormatTimestamp(o.at("ctime")) << "\n"
              << "Modification time: " << FormatTimestamp(o.at("mtime")) << "\n"
              << "Master node: " << Text(o.at("master")) << "\n"
              << "Architecture (this node): " << Text(o.at("architecture")) << "\n"
              << "Cluster parameters:\n"
              << "  candidate pool size: " << Text(o.at("candidate_pool_size")) << "\n"
              << "  master netdev: " << Text(o.at("master_netdev")) << "\n"
              << "  file storage path: " << Text(o.at("file_storage_dir")) << "\n"
              << "  shared file storage path: " << Text(o.at("shared_file_storage_dir")) << "\n"
              << "  enabled hypervisors: " << Text(o.at("enabled_hypervisors")) << "\n"
              << "  enabled disk templates: " << Text(o.at("enabled_disk_templates")) << "\n"
              << "  default instance allocator: " << Text(o.at("default_iallocator")) << "\n"
              << "Default node parameters:\n";
    PrintDict(o.at("ndparams").as_object(), 2);
    std::cout << "Default instance parameters:\n";
    PrintDict(o.at("beparams").as_object(), 2);
    std::cout << "Instance policy - limits for instances:\n";
    PrintDict(o.at("ipolicy").as_object(), 2);
    return kExitSuccess;
  }
};

class Verify : public Command {
 public:
  void Declare(CLI::App&) override {}
  int Run() override {
    json::value result =
        SubmitAndWait(json::array{json::object{{"OP_ID", "OP_CLUSTER_VERIFY"}}}, false);
    int bad = 0;
    for (const auto& r : WaitForSubmittedJobs(result.as_array()[0].as_object().at("jobs"))) {
      const auto& res = r.as_array();
      if (!res[0].as_bool() || !res[1].is_array() || res[1].as_array().empty() ||
          !res[1].as_array()[0].is_bool() || !res[1].as_array()[0].get_bool()) {
        ++bad;
      }
    }
    return bad ? kExitFailure : kExitSuccess;
  }
};

// Ganeti's VerifyDisks: one job per group; instances whose disks need
// activating get activated, missing volumes are listed.
class VerifyDisks : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("--node-group", group_, "Node group to verify (default: all)");
  }
  int Run() override {
    json::object op{{"OP_ID", "OP_CLUSTER_VERIFY_DISKS"}};
    if (!group_.empty()) op["group_name"] = group_;
    json::value result = SubmitAndWait(json::array{op}, false);
    int rc = kExitSuccess;
    for (const auto& r : WaitForSubmittedJobs(result.as_array()[0].as_object().at("jobs"))) {
      const auto& res = r.as_array();
      if (!res[0].as_bool()) {
        std::cout << "Job failed: " << Text(res[1]) << "\n";
        continue;
      }
      const auto& answer = res[1].as_array()[0].as_array();
      const auto& bad_nodes = answer[0].as_object();
      const auto& instances = answer[1].as_array();
      const auto& missing = answer[2].as_object();
      for (const auto& [node, text] : bad_nodes) {
        std::string message = Text(text);
        if (message.size() > 400) message = message.substr(message.size() - 400);
        std::cout << "Error gathering data on node " << node << ": " << message << "\n"
                  << "You need to fix these nodes first before fixing instances\n";
        rc = kExitFailure;
      }
      for (const auto& name : instances) {
        if (missing.contains(name.as_string())) continue;
        std::cout << "Activating disks for instance '" << Text(name) << "'\n";
        try {
          SubmitAndWait(json::array{json::object{{"OP_ID", "OP_INSTANCE_ACTIVATE_DISKS"},
                                                 {"instance_name", name}}},
                        false);
        } catch (const GanetiError& e) {
          std::cerr << "Error activating disks for instance " << Text(name) << ": "
                    << (e.args().empty() ? e.what() : e.args()[0]) << "\n";
          rc = kExitFailure;
        }
      }
      for (const auto& [name, volumes] : missing) {
        std::cout << "Instance " << name << " has missing logical volumes:\n";
        for (const auto& v : volumes.as_array()) {
          std::cout << "\t" << Text(v.as_array()[0]) << " /dev/" << Text(v.as_array()[1]) << "\n";
        }
      }
      if (!missing.empty()) {
        std::cout << "You need to replace or recreate disks for all the above instances if this "
                     "message persists after fixing broken nodes.\n";
        rc = kExitFailure;
      } else if (instances.empty()) {
        std::cout << "No disks need to be activated.\n";
      }
    }
    return rc;
  }

 private:
  std::string group_;
};

class RepairDiskSizes : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("instances", instances_, "Instances (default: all)");
    AddSubmitOptions(app, job_);
  }
  int Run() override {
    json::array names;
    for (const auto& i : instances_) names.emplace_back(i);
    SendJob(job_, {json::object{{"OP_ID", "OP_CLUSTER_REPAIR_DISK_SIZES"}, {"instances", names}}});
    return kExitSuccess;
  }

 private:
  std::vector<std::string> instances_;
  JobOptions job_;
};

class Rename : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("new_name", name_, "New cluster name")->required();
    app.add_flag("-f,--force", force_, "Do not ask for confirmation");
    AddSubmitOptions(app, job_, false);
  }
  int Run() override {
    const json::value current =
        Master().Call("QueryConfigValues", json::array{json::array{"cluster_name"}});
    const std::string old_name(current.as_array()[0].as_string());
    if (!force_ &&
        !AskUser("This will rename the cluster from '" + old_name + "' to '" + name_ +
                 "'. If you are connected over the network to the cluster name, the operation "
                 "is very dangerous as the IP address will be removed from the node and the "
                 "change may not go through. Continue?")) {
      return kExitFailure;
    }
    SendJob(job_, {json::object{{"OP_ID", "OP_CLUSTER_RENAME"}, {"name", name_}}});
    return kExitSuccess;
  }

 private:
  std::string name_;
  bool force_ = false;
  JobOptions job_;
};

class GetMaster : public Command {
 public:
  void Declare(CLI::App&) override {}
  int Run() override {
    // From ssconf, as Ganeti: it answers even when the master is down.
    const std::string master = NodePaths().SsconfMaster();
    if (master.empty()) {
      throw OpPrereqError("This node has no ssconf master_node; is it part of a cluster?",
                          kEcodeState);
    }
    std::cout << master << "\n";
    return kExitSuccess;
  }
};

class MasterFailover : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_flag("--no-voting", no_voting_,
                 "Skip node agreement check (dangerous): use when most nodes are down");
    app.add_flag("--yes-do-it", yes_do_it_, "Don't ask for confirmation of --no-voting");
    app.add_flag("--ignore-offline-nodes", ignore_offline_nodes_,
                 "Ignore offline nodes in the vote (always the case, as in Ganeti)");
  }
  int Run() override {
    if (no_voting_ && !yes_do_it_ &&
        !AskUser("This will perform the failover even if most other nodes are down, or if "
                 "this node is outdated. This is dangerous as it can lead to a non-consistent "
                 "cluster. Check the gnt-cluster(8) man page before proceeding. Continue?")) {
      return kExitFailure;
    }
    auto result = bootstrap::MasterFailover(NodePaths(), no_voting_);
    for (const auto& warning : result.warnings) std::cerr << warning << "\n";
    return result.exit_code;
  }

 private:
  bool no_voting_ = false, yes_do_it_ = false, ignore_offline_nodes_ = true;
};

class MasterPing : public Command {
 public:
  void Declare(CLI::App&) override {}
  int Run() override {
    try {
      Master().Call("QueryClusterInfo", json::array{});
      return kExitSuccess;
    } catch (const GanetiError&) {
      return kExitFailure;
    }
  }
};

class Version : public Command {
 public:
  void Declare(CLI::App&) override {}
  int Run() override {
    json::value info = Master().Call("QueryClusterInfo", json::array{});
    const auto& o = info.as_object();
    std::cout << "Software version: " << Text(o.at("software_version")) << "\n"
              << "Internode protocol: " << Text(o.at("protocol_version")) << "\n"
              << "Configuration format: " << Text(o.at("config_version")) << "\n"
              << "OS api version: " << Text(o.at("os_api_version")) << "\n"
              << "Export interface: " << Text(o.at("export_version")) << "\n"
              << "VCS version: " << Text(o.at("vcs_version")) << "\n";
    return kExitSuccess;
  }
};

// A command that is one opcode without parameters.
template <const char* kOpId>
class SingleOpcode : public Command {
 public:
  void Declare(CLI::App& app) override { AddSubmitOptions(app, job_, false); }
  int Run() override {
    SendJob(job_, {json::object{{"OP_ID", kOpId}}});
    return kExitSuccess;
  }

 private:
  JobOptions job_;
};
constexpr char kRedistConf[] = "OP_CLUSTER_REDIST_CONF";
constexpr char kActivateMasterIp[] = "OP_CLUSTER_ACTIVATE_MASTER_IP";

class DeactivateMasterIp : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_flag("--yes", confirmed_, "Do not require confirmation");
  }
  int Run() override {
    if (!confirmed_ &&
        !AskUser("This will disable the master IP. All the open connections to the master IP "
                 "will be closed. To reach the master you will need to use its node IP. "
                 "Continue?")) {
      return kExitFailure;
    }
    SubmitAndWait(json::array{json::object{{"OP_ID", "OP_CLUSTER_DEACTIVATE_MASTER_IP"}}}, false);
    return kExitSuccess;
  }

 private:
  bool confirmed_ = false;
};

// show-ispecs-cmd: the init command that recreates the policy's specs.
class ShowIspecsCommand : public Command {
 public:
  void Declare(CLI::App&) override {}
  int Run() override {
    const json::value info = Master().Call("QueryClusterInfo", json::array{});
    const auto& o = info.as_object();
    std::cout << "gnt-cluster init" << IPolicySpecsOptions(o.at("ipolicy").as_object(), false)
              << " " << ValueText(o.at("name")) << "\n";
    return kExitSuccess;
  }
};

// renew-crypto: as Ganeti's, the file-based secrets are made here, on the
// master; the master daemon then copies them to the nodes and replaces the
// cluster certificate over node RPC (OP_CLUSTER_RENEW_CRYPTO), with every
// daemon running: each reads its files again when they change.
class RenewCrypto : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_flag("--new-cluster-certificate", cluster_certificate_,
                 "Generate new cluster certificate");
    app.add_flag("--new-rapi-certificate", rapi_certificate_, "Generate new RAPI certificate");
    app.add_option("--rapi-certificate", rapi_certificate_file_,
                   "File containing new RAPI certificate");
    app.add_flag("--new-spice-certificate", spice_certificate_, "Generate new SPICE certificate");
    app.add_option("--spice-certificate", spice_certificate_file_,
                   "File containing new SPICE certificate");
    app.add_option("--spice-ca-certificate", spice_ca_certificate_file_,
                   "File containing the certificate of the CA which signed the SPICE "
                   "certificate");
    app.add_flag("--new-confd-hmac-key", confd_hmac_key_, "Create a new HMAC key for confd");
    app.add_flag("--new-cluster-domain-secret", cluster_domain_secret_,
                 "Create a new cluster domain secret");
    app.add_option("--cluster-domain-secret", cluster_domain_secret_file_,
                   "Load new cluster domain secret from file");
    app.add_flag("--new-node-certificates", node_certificates_,
                 "Generate new node certificates (for all nodes)");
    app.add_flag("--new-ssh-keys", ssh_keys_, "Generate new node SSH keys (for all nodes)");
    app.add_option("--ssh-key-type", ssh_key_type_, "Type of SSH key to generate")
        ->check(CLI::IsMember({"rsa", "dsa", "ecdsa"}));
    app.add_option("--ssh-key-bits", ssh_key_bits_, "Length of SSH key to generate");
    app.add_flag("-f,--force", force_, "Do not ask for confirmation");
  }

  int Run() override {
    std::cout << "Updating certificates now. Running \"gnt-cluster verify\"  is recommended "
                 "after this operation.\n";
    if (const char* problem = OptionConflict()) {
      std::cerr << problem << "\n";
      return kExitFailure;
    }
    if (spice_certificate_ || !spice_certificate_file_.empty()) {
      // Ganeti makes the SPICE files whatever the hypervisor; Herd has no
      // hypervisor with SPICE, so nothing would ever use them.
      std::cerr << "SPICE is not supported: Herd's only hypervisor (fake) has no SPICE "
                   "console, so there is no SPICE certificate to renew\n";
      return kExitFailure;
    }
    const Paths paths = NodePaths();
    const std::string master = paths.SsconfMaster();
    if (master != paths.hostname()) {
      throw OpPrereqError("This command must be run on the master node (" +
                              (master.empty() ? std::string("unknown") : master) +
                              "): it renews the master's files",
                          kEcodeInval);
    }
    std::string rapi_pem, domain_secret;
    if (!rapi_certificate_file_.empty()) {
      std::string problem;
      try {
        rapi_pem = ReadFile(rapi_certificate_file_);
        problem = net::CertificateProblem(rapi_pem, true);
      } catch (const GanetiError& e) {
        problem = e.what();
      }
      if (!problem.empty()) {
        std::cerr << "Unable to load X509 certificate from " << rapi_certificate_file_ << ": "
                  << problem << "\n";
        return kExitFailure;
      }
    }
    if (!cluster_domain_secret_file_.empty()) {
      std::string problem;
      try {
        domain_secret = ReadFile(cluster_domain_secret_file_);
        if (domain_secret.find_first_not_of(" \t\r\n") == std::string::npos) {
          problem = "the file is empty";
        }
      } catch (const GanetiError& e) {
        problem = e.what();
      }
      if (!problem.empty()) {
        std::cerr << "Can't load new cluster domain secret from " << cluster_domain_secret_file_
                  << ": " << problem << "\n";
        return kExitFailure;
      }
    }
    if (!force_ && !AskUser("This requires all daemons on all nodes to be restarted and may "
                            "take some time. Continue?")) {
      return kExitFailure;
    }

    const bool new_rapi = rapi_certificate_ || !rapi_pem.empty();
    const bool new_domain_secret = cluster_domain_secret_ || !domain_secret.empty();
    if (new_rapi || confd_hmac_key_ || new_domain_secret) {
      std::cout << "Updating certificates and keys\n";
      if (rapi_certificate_) {
        const json::value info = Master().Call("QueryClusterInfo", json::array{});
        bootstrap::WriteNewRapiCertificate(paths, ValueText(info.as_object().at("name")));
      } else if (!rapi_pem.empty()) {
        WriteFileAtomic(paths.RapiCertFile(), rapi_pem, 0400);
      }
      if (confd_hmac_key_) bootstrap::WriteNewConfdHmacKey(paths);
      if (cluster_domain_secret_) {
        bootstrap::WriteNewClusterDomainSecret(paths);
      } else if (!domain_secret.empty()) {
        WriteFileAtomic(paths.ClusterDomainSecretFile(), domain_secret, 0400);
      }
    }
    if (new_rapi || confd_hmac_key_ || new_domain_secret || cluster_certificate_ ||
        node_certificates_ || ssh_keys_) {
      json::object op{{"OP_ID", "OP_CLUSTER_RENEW_CRYPTO"},
                      {"node_certificates", node_certificates_ || cluster_certificate_},
                      {"renew_ssh_keys", ssh_keys_},
                      {"new_cluster_certificate", cluster_certificate_},
                      {"new_rapi_certificate", new_rapi},
                      {"new_confd_hmac_key", confd_hmac_key_},
                      {"new_cluster_domain_secret", new_domain_secret}};
      if (!ssh_key_type_.empty()) op["ssh_key_type"] = ssh_key_type_;
      if (ssh_key_bits_ > 0) op["ssh_key_bits"] = ssh_key_bits_;
      SubmitAndWait(json::array{op}, false);
    }
    std::cout << "All requested certificates and keys have been replaced. Running \"gnt-cluster "
                 "verify\" now is recommended.\n";
    return kExitSuccess;
  }

 private:
  // Ganeti's checks of options that exclude each other, with its messages.
  const char* OptionConflict() const {
    if (rapi_certificate_ && !rapi_certificate_file_.empty()) {
      return "Only one of the --new-rapi-certificate and --rapi-certificate options can be "
             "specified at the same time.";
    }
    if (cluster_domain_secret_ && !cluster_domain_secret_file_.empty()) {
      return "Only one of the --new-cluster-domain-secret and --cluster-domain-secret options "
             "can be specified at the same time.";
    }
    if (spice_certificate_ &&
        (!spice_certificate_file_.empty() || !spice_ca_certificate_file_.empty())) {
      return "When using --new-spice-certificate, the --spice-certificate and "
             "--spice-ca-certificate must not be used.";
    }
    if (spice_certificate_file_.empty() != spice_ca_certificate_file_.empty()) {
      return "Both --spice-certificate and --spice-ca-certificate must be specified.";
    }
    return nullptr;
  }

  bool cluster_certificate_ = false, rapi_certificate_ = false, spice_certificate_ = false;
  bool confd_hmac_key_ = false, cluster_domain_secret_ = false;
  bool node_certificates_ = false, ssh_keys_ = false, force_ = false;
  std::string rapi_certificate_file_, spice_certificate_file_, spice_ca_certificate_file_;
  std::string cluster_domain_secret_file_;
  std::string ssh_key_type_;
  int ssh_key_bits_ = 0;
};

class Destroy : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_flag("--yes-do-it", yes_do_it_, "Really destroy the cluster");
  }
  int Run() override {
    if (!yes_do_it_) {
      std::cerr << "Destroying a cluster is irreversible. If you really want to destroy this "
                   "cluster, supply the --yes-do-it option.\n";
      return kExitFailure;
    }
    SubmitAndWait(json::array{json::object{{"OP_ID", "OP_CLUSTER_DESTROY"}}}, false);
    return kExitSuccess;
  }

 private:
  bool yes_do_it_ = false;
};

class Queue : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("action", action_, "drain, undrain or info")
        ->required()
        ->check(CLI::IsMember({"drain", "undrain", "info"}));
  }
  int Run() override {
    if (action_ == "info") {
      json::value v = Master().Call("QueryConfigValues", json::array{json::array{"drain_flag"}});
      std::cout << "The drain flag is " << (v.as_array()[0].as_bool() ? "set" : "unset") << "\n";
    } else {
      Master().Call("SetDrainFlag", json::array{action_ == "drain"});
    }
    return kExitSuccess;
  }

 private:
  std::string action_;
};

class Watcher : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("action", action_, "pause, continue or info")
        ->required()
        ->check(CLI::IsMember({"pause", "continue", "info"}));
    app.add_option("duration", duration_, "How long to pause (e.g. 30m, 2h, 1d)");
  }
  int Run() override {
    if (action_ == "continue") {
      Master().Call("SetWatcherPause", json::array{nullptr});
      std::cout << "The watcher is no longer paused.\n";
      return kExitSuccess;
    }
    json::value until;
    if (action_ == "pause") {
      if (duration_.empty()) throw OpPrereqError("Missing pause duration", kEcodeInval);
      until = Master().Call("SetWatcherPause", json::array{Now() + ParseTimespec(duration_)});
    } else {
      until = Master()
                  .Call("QueryConfigValues", json::array{json::array{"watcher_pause"}})
                  .as_array()[0];
    }
    if (until.is_null() || until.to_number<double>() < Now()) {
      std::cout << "The watcher is not paused.\n";
    } else {
      std::cout << "The watcher is paused until " << CTime(until.to_number<double>()) << ".\n";
    }
    return kExitSuccess;
  }

 private:
  std::string action_, duration_;
};

// Ganeti's uid pool syntax: "1000-2000,3000" -> [[1000, 2000], [3000, 3000]].
json::array UidRanges(const std::string& text, const std::string& option) {
  json::array out;
  for (const auto& item : SplitComma(text)) {
    const auto dash = item.find('-');
    try {
      const long long low = std::stoll(item.substr(0, dash));
      const long long high = dash == std::string::npos ? low : std::stoll(item.substr(dash + 1));
      out.push_back(json::array{low, high});
    } catch (const std::exception&) {
      throw OpPrereqError("Invalid user-id range '" + item + "' in " + option, kEcodeInval);
    }
  }
  return out;
}

// gnt-cluster modify: Ganeti's options, one OP_CLUSTER_SET_PARAMS.
class Modify : public Command {
 public:
  void Declare(CLI::App& app) override {
    app_ = &app;
    app.add_flag("-f,--force", force_, "Force the operation");
    app.add_option("-B,--backend-parameters", beparams_, "Backend parameters");
    app.add_option("-C,--candidate-pool-size", text_["candidate_pool_size"],
                   "Set the candidate pool size");
    app.add_option("--max-running-jobs", text_["max_running_jobs"],
                   "Set the maximal number of jobs to run simultaneously");
    app.add_option("--max-tracked-jobs", text_["max_tracked_jobs"],
                   "Set the maximal number of jobs to be tracked simultaneously");
    app.add_option("--install-image", text_["install_image"], "The install image");
    app.add_option("--instance-communication-network", text_["instance_communication_network"],
                   "Network used for instance communication");
    app.add_option("--enabled-hypervisors", text_["enabled_hypervisors"],
                   "Comma-separated list of hypervisors");
    app.add_option("-H,--hypervisor-parameters", hvparams_,
                   "Hypervisor and hypervisor options (hypervisor:option=value,...)")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    app.add_option("-m,--mac-prefix", text_["mac_prefix"], "MAC prefix (XX:XX:XX)");
    app.add_option("--master-netdev", text_["master_netdev"], "Master network interface");
    app.add_option("--master-netmask", text_["master_netmask"], "Netmask of the master IP");
    app.add_option("-N,--nic-parameters", nicparams_, "NIC parameters");
    app.add_option("--vg-name", text_["vg_name"], "Volume group name");
    app.add_option("--maintain-node-health", yes_no_["maintain_node_health"],
                   "Configure the cluster to automatically maintain node health")
        ->check(CLI::IsMember({"yes", "no"}));
    app.add_option("--uid-pool", text_["uid_pool"], "User-id pool (ranges: 1000-2000,3000)");
    app.add_option("--add-uids", text_["add_uids"], "User-ids to add to the pool");
    app.add_option("--remove-uids", text_["remove_uids"], "User-ids to remove from the pool");
    app.add_option("--drbd-usermode-helper", text_["drbd_helper"], "Usermode helper for DRBD");
    app.add_option("-I,--default-iallocator", text_["default_iallocator"],
                   "Default instance allocator");
    app.add_option("--default-iallocator-params", default_iallocator_params_,
                   "Default iallocator parameters (key=value,...)");
    app.add_option("--reserved-lvs", text_["reserved_lvs"],
                   "Comma-separated list of reserved logical volumes");
    app.add_option("--prealloc-wipe-disks", yes_no_["prealloc_wipe_disks"],
                   "Wipe disks prior to instance creation")
        ->check(CLI::IsMember({"yes", "no"}));
    app.add_option("--node-parameters", ndparams_, "Node parameters");
    app.add_option("--use-external-mip-script", yes_no_["use_external_mip_script"],
                   "Run a user-provided master IP setup script")
        ->check(CLI::IsMember({"yes", "no"}));
    AddDiskParamsOption(app, diskparams_);
    AddHvStateOption(app, hv_state_);
    AddDiskStateOption(app, disk_state_);
    AddSubmitOptions(app, job_);
    app.add_option("--enabled-disk-templates", text_["enabled_disk_templates"],
                   "Comma-separated list of disk templates");
    app.add_option("--modify-etc-hosts", yes_no_["modify_etc_hosts"],
                   "Defines whether the cluster should autonomously modify and keep in sync "
                   "the /etc/hosts file of the nodes")
        ->check(CLI::IsMember({"yes", "no"}));
    app.add_option("--user-shutdown", yes_no_["enabled_user_shutdown"],
                   "Enable user shutdown of instances")
        ->check(CLI::IsMember({"yes", "no"}));
    AddIPolicyOptions(app, ipolicy_, /*with_std=*/true);
    app.add_option("--file-storage-dir", text_["file_storage_dir"], "File storage directory");
    app.add_option("--shared-file-storage-dir", text_["shared_file_storage_dir"],
                   "Shared file storage directory");
    app.add_option("--zeroing-image", text_["zeroing_image"], "The zeroing image");
    app.add_option("--compression-tools", text_["compression_tools"],
                   "Comma-separated list of compression tools");
  }
  int Run() override {
    json::object op{{"OP_ID", "OP_CLUSTER_SET_PARAMS"}, {"force", force_}};
    bool any = false;
    auto set = [&](const char* key, json::value v) {
      op[key] = std::move(v);
      any = true;
    };
    for (const auto& [key, value] : text_) {
      if (app_->count("--" + Dashed(key)) == 0) continue;  // "" given means "unset"
      if (key == "candidate_pool_size" || key == "max_running_jobs" || key == "max_tracked_jobs" ||
          key == "master_netmask") {
        try {
          set(key.c_str(), std::stoll(value));
        } catch (const std::exception&) {
          throw OpPrereqError("The --" + Dashed(key) + " option expects an int parameter.",
                              kEcodeInval);
        }
      } else if (key == "enabled_hypervisors" || key == "enabled_disk_templates" ||
                 key == "reserved_lvs" || key == "compression_tools") {
        set(key.c_str(), StringArray(SplitComma(value)));
      } else if (key == "uid_pool" || key == "add_uids" || key == "remove_uids") {
        set(key.c_str(), UidRanges(value, "--" + Dashed(key)));
      } else {
        set(key.c_str(), json::value(value));
      }
    }
    for (const auto& [key, value] : yes_no_) {
      if (!value.empty()) set(key.c_str(), value == "yes");
    }
    if (!beparams_.empty()) set("beparams", ParseKeyValues(beparams_, "-B"));
    if (!nicparams_.empty()) set("nicparams", ParseKeyValues(nicparams_, "-N"));
    if (!ndparams_.empty()) set("ndparams", ParseKeyValues(ndparams_, "--node-parameters"));
    if (!default_iallocator_params_.empty()) {
      set("default_iallocator_params",
          ParseKeyValues(default_iallocator_params_, "--default-iallocator-params"));
    }
    if (!hvparams_.empty()) set("hvparams", NamedParams(hvparams_, "--hypervisor-parameters"));
    if (!diskparams_.empty()) set("diskparams", NamedParams(diskparams_, "--disk-parameters"));
    if (!hv_state_.empty()) set("hv_state", NamedParams(hv_state_, "--hypervisor-state"));
    if (!disk_state_.empty()) set("disk_state", DiskStateFrom(disk_state_));
    if (auto policy = IPolicyFrom(ipolicy_); !policy.empty()) set("ipolicy", std::move(policy));
    if (!any) {
      std::cerr << "Please give at least one of the parameters.\n";
      return kExitFailure;
    }
    SendJob(job_, {op});
    return kExitSuccess;
  }

 private:
  static std::string Dashed(std::string key) {
    if (key == "drbd_helper") return "drbd-usermode-helper";
    for (auto& c : key) c = c == '_' ? '-' : c;
    return key;
  }
  CLI::App* app_ = nullptr;
  bool force_ = false;
  std::map<std::string, std::string> text_, yes_no_;
  std::string beparams_, nicparams_, ndparams_, default_iallocator_params_;
  std::vector<std::string> hvparams_, diskparams_, hv_state_, disk_state_;
  IPolicyOptions ipolicy_;
  JobOptions job_;
};

class SearchTags : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("pattern", pattern_, "Regular expression")->required();
    AddSubmitOptions(app, job_, false);
  }
  int Run() override {
    json::value results =
        SendJob(job_, {json::object{{"OP_ID", "OP_TAGS_SEARCH"}, {"pattern", pattern_}}});
    if (!results.is_array() || results.as_array().empty()) return kExitFailure;
    std::vector<std::pair<std::string, std::string>> found;
    for (const auto& pair : results.as_array()[0].as_array()) {
      found.emplace_back(Text(pair.as_array()[0]), Text(pair.as_array()[1]));
    }
    if (found.empty()) return kExitFailure;
    std::sort(found.begin(), found.end());
    for (const auto& [path, tag] : found) std::cout << path << " " << tag << "\n";
    return kExitSuccess;
  }

 private:
  std::string pattern_;
  JobOptions job_;
};

}  // namespace

int main(int argc, char** argv) {
  std::vector<CommandEntry> commands{
      Entry<Init>("init", "Initialise a new cluster"),
      Entry<Destroy>("destroy", "Destroy the cluster"),
      Entry<Info>("info", "Show cluster configuration"),
      Entry<Modify>("modify", "Alters the parameters of the cluster"),
      Entry<Verify>("verify", "Verify the cluster"),
      Entry<VerifyDisks>("verify-disks", "Check the cluster's disks and activate those needed"),
      Entry<RepairDiskSizes>("repair-disk-sizes", "Updates mismatches in recorded disk sizes"),
      Entry<Rename>("rename", "Rename the cluster"),
      Entry<GetMaster>("getmaster", "Show the master node"),
      Entry<MasterFailover>("master-failover", "Makes the current node the master",
                            {"masterfailover"}),
      Entry<MasterPing>("master-ping", "Checks if the master is alive"),
      Entry<Version>("version", "Show versions"),
      Entry<SingleOpcode<kRedistConf>>("redist-conf", "Push the configuration to all nodes"),
      Entry<SingleOpcode<kActivateMasterIp>>("activate-master-ip", "Activates the master IP"),
      Entry<DeactivateMasterIp>("deactivate-master-ip", "Deactivates the master IP"),
      Entry<RenewCrypto>("renew-crypto", "Renews cluster certificates, keys and secrets"),
      Entry<ShowIspecsCommand>("show-ispecs-cmd", "Show the command line to re-create the cluster"),
      Entry<Queue>("queue", "Queue operations"),
      Entry<Watcher>("watcher", "Watcher operations"),
      Entry<SearchTags>("search-tags", "Searches the tags on all objects of the cluster"),
  };
  for (auto* group : {&ClusterRemoteCommands, &ClusterEpoCommands, &ClusterUpgradeCommands}) {
    for (auto& entry : (*group)()) commands.push_back(std::move(entry));
  }
  for (auto& entry : TagCommands("cluster", "cluster")) commands.push_back(std::move(entry));
  return RunProgram(argc, argv, "gnt-cluster", "Cluster administration (Herd)", commands);
}
