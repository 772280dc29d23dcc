// gnt-debug: Ganeti's debugging commands (delay, submit-job, iallocator,
// test-osparams, locks here; test-jobqueue, wconfd, metad and Herd's confd
// query in their own files).
#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "base/errors.h"
#include "base/json.h"
#include "cli/command.h"
#include "cli/format.h"
#include "cli/jobs.h"
#include "cli/key_values.h"
#include "common_options.h"
#include "confd_commands.h"
#include "debug_commands.h"
#include "list_options.h"
#include "luxi/client.h"
#include "program.h"

using namespace herd;
using namespace herd::cli;
namespace json = boost::json;

namespace {

// Python's str.split(","): empty items kept, as gnt-debug's options expect.
std::vector<std::string> SplitKeepingEmpty(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) out.push_back(item);
  return out;
}

class Delay : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("duration", duration_, "Seconds to sleep")->required();
    app.add_flag("!--no-master", on_master_, "Do not sleep in the master code");
    app.add_option("-n", on_nodes_, "Select nodes to sleep on")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    app.add_option("-r,--repeat", repeat_, "Number of times to repeat the sleep");
    app.add_flag("-i,--interruptible", interruptible_,
                 "Allows the opcode to be interrupted by using a domain socket");
    app.add_flag("-l,--no-locks", no_locks_, "Don't take locks while performing the delay");
    AddSubmitOptions(app, job_);
  }
  int Run() override {
    json::array nodes;
    for (const auto& n : on_nodes_) nodes.emplace_back(n);
    SendJob(job_, {json::object{{"OP_ID", "OP_TEST_DELAY"},
                                {"duration", duration_},
                                {"on_master", on_master_},
                                {"on_nodes", std::move(nodes)},
                                {"repeat", repeat_},
                                {"interruptible", interruptible_},
                                {"no_locks", no_locks_}}});
    return kExitSuccess;
  }

 private:
  double duration_ = 0;
  bool on_master_ = true, interruptible_ = false, no_locks_ = false;
  std::vector<std::string> on_nodes_;
  int repeat_ = 0;
  JobOptions job_;
};

// Jobs from files, each a JSON list of opcodes; all submitted, then waited for.
class SubmitJobFiles : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("files", files_, "Files with a JSON list of opcodes")->required();
    app.add_flag("-v,--verbose", verbose_, "Increase the verbosity of the operation");
    app.add_option("--op-repeat", op_repeat_, "Repeat the opcode sequence this number of times");
    app.add_option("--job-repeat", job_repeat_, "Repeat the job this number of times");
    app.add_flag("--timing-stats", timing_, "Show timing stats");
    app.add_flag("--each", each_, "Submit each job separately");
    AddSubmitOptions(app, job_opts_);
  }
  int Run() override {
    using Clock = std::chrono::steady_clock;
    if (timing_) std::cout << "Loading...\n";
    json::array jobs;
    std::vector<std::string> names;
    size_t op_count = 0;
    for (int rep = 0; rep < job_repeat_; ++rep) {
      for (const auto& file : files_) {
        std::ifstream in(file);
        if (!in) throw OpPrereqError("Cannot read " + file, kEcodeEnviron);
        std::stringstream text;
        text << in.rdbuf();
        const json::value ops = ParseJson(text.str(), file);
        json::array job;
        for (int i = 0; i < op_repeat_; ++i) {
          for (const auto& op : AsArray(ops, file)) {
            json::object o = AsObject(op, "opcode");
            ApplyJobOptions(job_opts_, o);
            job.push_back(std::move(o));
          }
        }
        op_count += job.size();
        jobs.push_back(std::move(job));
        names.push_back("file " + file + "/" + std::to_string(rep));
      }
    }
    const auto t1 = Clock::now();
    if (timing_) std::cout << "Submitting...\n";
    std::vector<std::pair<bool, json::value>> submitted;
    if (each_) {
      for (const auto& job : jobs) {
        json::value r = Master().Call("SubmitManyJobs", json::array{json::array{job}});
        submitted.emplace_back(r.as_array()[0].as_array()[0].as_bool(),
                               r.as_array()[0].as_array()[1]);
      }
    } else {
      json::value r = Master().Call("SubmitManyJobs", json::array{jobs});
      for (const auto& row : r.as_array()) {
        submitted.emplace_back(row.as_array()[0].as_bool(), row.as_array()[1]);
      }
    }
    if (verbose_) {
      std::string ids;
      for (const auto& [ok, id] : submitted) {
        if (ok) ids += (ids.empty() ? "" : ", ") + std::to_string(ToInt(id, "job id"));
      }
      std::cout << "Submitted jobs " << ids << "\n";
    }
    const auto t2 = Clock::now();
    if (timing_) std::cout << "Executing...\n";
    int failed = 0;
    for (size_t i = 0; i < submitted.size(); ++i) {
      const auto& [ok, id] = submitted[i];
      if (!ok) {
        std::cerr << "Failed to submit job for " << names[i] << ": " << PrintableText(id) << "\n";
        ++failed;
        continue;
      }
      const int64_t job_id = ToInt(id, "job id");
      std::cout << "Waiting for job " << job_id << " for " << names[i] << " ...\n";
      const json::value r = WaitJob(job_id, verbose_);
      if (!r.as_array()[0].as_bool()) {
        std::cerr << "Job " << job_id << " for " << names[i]
                  << " has failed: " << PrintableText(r.as_array()[1]) << "\n";
        ++failed;
      }
    }
    if (timing_) {
      const auto t3 = Clock::now();
      auto secs = [](auto d) { return std::chrono::duration<double>(d).count(); };
      std::printf("C:op     %4zu\nC:job    %4zu\nT:submit %4.4f\nT:exec   %4.4f\nT:total  %4.4f\n",
                  op_count, jobs.size(), secs(t2 - t1), secs(t3 - t2), secs(t3 - t1));
    }
    return failed ? kExitFailure : kExitSuccess;
  }

 private:
  static std::string PrintableText(const json::value& v) {
    return v.is_string() ? std::string(v.get_string()) : SerializeJson(v);
  }
  std::vector<std::string> files_;
  bool verbose_ = false, timing_ = false, each_ = false;
  int op_repeat_ = 1, job_repeat_ = 1;
  JobOptions job_opts_;
};

// OP_TEST_ALLOCATOR with gnt-debug's options and defaults.
class TestAllocator : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("instances", instances_, "Instance name(s)")->required();
    app.add_option("--dir", direction_, "Show allocator input (in) or allocator results (out)")
        ->check(CLI::IsMember({"in", "out"}));
    app.add_option("-I,--iallocator", iallocator_, "Select the iallocator to run");
    app.add_option("-m,--mode", mode_, "Request mode")
        ->check(CLI::IsMember(
            {"allocate", "relocate", "change-group", "node-evacuate", "multi-allocate"}));
    app.add_option("--memory", memory_, "Memory size for the instance (MiB)");
    app.add_option("--disks", disks_, "Comma separated list of disk sizes (MiB)");
    app.add_option("-t,--disk-template", disk_template_, "Disk template");
    app.add_option("--nics", nics_,
                   "Comma separated list of nics, each nic definition is of form mac/ip/bridge");
    app.add_option("-o,--os-type", os_, "What OS to run");
    app.add_option("-p,--vcpus", vcpus_, "Select number of VCPUs for the instance");
    app.add_option("--tags", tags_, "Comma separated list of tags");
    app.add_option("--evac-mode", evac_mode_, "Node evacuation mode")
        ->check(CLI::IsMember({"all", "primary-only", "secondary-only"}));
    app.add_option("--target-groups", target_groups_, "Target groups for relocation")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    app.add_option("--spindle-use", spindle_use_, "How many spindles to use");
    app.add_option("--count", count_, "How many instances to allocate");
    AddSubmitOptions(app, job_);
  }
  int Run() override {
    json::array disks;
    for (const auto& size : SplitKeepingEmpty(disks_)) {
      disks.push_back(json::object{{"size", ParseUnit(size)}, {"mode", "rw"}});
    }
    json::array nics;
    for (const auto& nic : SplitKeepingEmpty(nics_)) {
      std::vector<std::string> parts;
      std::stringstream in(nic);
      std::string part;
      while (std::getline(in, part, '/')) parts.push_back(part);
      parts.resize(3);
      auto or_null = [](const std::string& v) {
        return v.empty() ? json::value() : json::value(v);
      };
      nics.push_back(json::object{
          {"mac", or_null(parts[0])}, {"ip", or_null(parts[1])}, {"bridge", or_null(parts[2])}});
    }
    json::array names, tags, groups;
    for (const auto& n : instances_) names.emplace_back(n);
    if (!tags_.empty()) {
      for (const auto& t : SplitKeepingEmpty(tags_)) tags.emplace_back(t);
    }
    for (const auto& g : target_groups_) groups.emplace_back(g);
    json::object op{{"OP_ID", "OP_TEST_ALLOCATOR"},
                    {"direction", direction_},
                    {"mode", mode_},
                    {"name", instances_.front()},
                    {"instances", std::move(names)},
                    {"memory", ParseUnit(memory_)},
                    {"disks", std::move(disks)},
                    {"nics", std::move(nics)},
                    {"vcpus", vcpus_},
                    {"tags", std::move(tags)},
                    {"evac_mode", evac_mode_},
                    {"target_groups", std::move(groups)},
                    {"spindle_use", spindle_use_},
                    {"count", count_}};
    op["iallocator"] = iallocator_.empty() ? json::value() : json::value(iallocator_);
    op["disk_template"] = disk_template_.empty() ? json::value() : json::value(disk_template_);
    op["os"] = os_.empty() ? json::value() : json::value(os_);
    const json::value results = SendJob(job_, {op});
    if (results.is_array() && !results.as_array().empty()) {
      const auto& r = results.as_array()[0];
      std::cout << (r.is_string() ? std::string(r.get_string()) : SerializeJson(r)) << "\n";
    }
    return kExitSuccess;
  }

 private:
  std::vector<std::string> instances_;
  std::string direction_ = "in", iallocator_, mode_ = "relocate", memory_ = "128",
              disks_ = "4096,4096", disk_template_, nics_ = "00:11:22:33:44:55", os_, tags_,
              evac_mode_ = "all";
  std::vector<std::string> target_groups_;
  int vcpus_ = 1, spindle_use_ = 1, count_ = 2;
  JobOptions job_;
};

class TestOsParams : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("--os-parameters-secret", secret_, "Secret OS parameters (key=value,...)");
    AddSubmitOptions(app, job_, /*dry_run=*/false);
  }
  int Run() override {
    json::object op{{"OP_ID", "OP_TEST_OS_PARAMS"}};
    if (!secret_.empty()) op["osparams_secret"] = ParseKeyValues(secret_, "--os-parameters-secret");
    SendJob(job_, {op});
    return kExitSuccess;
  }

 private:
  std::string secret_;
  JobOptions job_;
};

// locks: the lock query of the master daemon, formatted as Ganeti's ListLocks.
class ListLocks : public Command {
 public:
  void Declare(CLI::App& app) override {
    AddListOptions(&app, list_);
    app.add_option("--interval", interval_, "Repeat the listing every this many seconds");
  }
  int Run() override {
    auto dash_if_none = [](std::function<std::string(const json::value&)> format) {
      return [format](const json::value& v) {
        const bool none = v.is_null() || (v.is_array() && v.get_array().empty()) ||
                          (v.is_string() && v.get_string().empty());
        return none ? std::string("-") : format(v);
      };
    };
    list_.format_override["mode"] = dash_if_none([](const json::value& v) { return ValueText(v); });
    list_.format_override["owner"] = dash_if_none([](const json::value& v) {
      std::string out;
      for (const auto& o : v.as_array()) out += (out.empty() ? "" : ",") + ValueText(o);
      return out;
    });
    list_.format_override["pending"] = dash_if_none([](const json::value& v) {
      std::string out;
      for (const auto& entry : v.as_array()) {
        const auto& pair = entry.as_array();
        std::string threads;
        for (const auto& t : pair[1].as_array())
          threads += (threads.empty() ? "" : ",") + ValueText(t);
        out += (out.empty() ? "" : ", ") + ValueText(pair[0]) + ":" + threads;
      }
      return out;
    });
    while (true) {
      const int rc = GenericList("lock", {}, {"name", "mode", "owner", "pending"}, list_);
      if (rc != kExitSuccess || interval_ <= 0) return rc;
      std::cout << "\n" << std::flush;
      std::this_thread::sleep_for(std::chrono::duration<double>(interval_));
    }
  }

 private:
  ListOptions list_;
  double interval_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  std::vector<CommandEntry> commands{
      Entry<Delay>("delay", "Executes a TestDelay OpCode"),
      Entry<SubmitJobFiles>("submit-job",
                            "Submits jobs built from json files containing a list of "
                            "serialized opcodes"),
      Entry<TestAllocator>("iallocator", "Executes a TestAllocator OpCode", {"allocator"}),
      Entry<TestOsParams>("test-osparams", "Test secret os parameter transmission"),
      Entry<ListLocks>("locks", "Show a list of locks in the master daemon")};
  for (auto* group : {&DebugJobqueueCommands, &DebugDaemonCommands, &DebugConfdCommands}) {
    for (auto& entry : (*group)()) commands.push_back(std::move(entry));
  }
  return RunProgram(argc, argv, "gnt-debug", "Debugging commands (Herd)", commands);
}
