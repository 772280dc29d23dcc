#include "master/cmdlib/debug.h"

#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include "base/errors.h"
#include "base/json.h"
#include "base/python_repr.h"
#include "master/cmdlib/allocation.h"
#include "master/cmdlib/common.h"
#include "master/cmdlib/instance_common.h"

namespace herd::master {
namespace {
namespace ia = iallocator;

// --- OP_TEST_ALLOCATOR -------------------------------------------------------

int64_t NonNegativeInt(const json::object& op, const char* name, int64_t fallback) {
  auto it = op.find(name);
  if (it == op.end() || it->value().is_null()) return fallback;
  if (!(it->value().is_int64() || it->value().is_uint64()) ||
      it->value().to_number<int64_t>() < 0) {
    throw OpPrereqError(std::string("Parameter '") + name + "' must be a non-negative integer",
                        kEcodeInval);
  }
  return it->value().to_number<int64_t>();
}

std::vector<ia::DiskSpec> AllocatorDisks(const json::object& op) {
  std::vector<ia::DiskSpec> disks;
  auto it = op.find("disks");
  if (it == op.end() || it->value().is_null()) return disks;
  const auto* rows = it->value().if_array();
  if (!rows) throw OpPrereqError("Invalid contents of the 'disks' parameter", kEcodeInval);
  for (const auto& row : *rows) {
    const auto* disk = row.if_object();
    const json::value* size = disk ? disk->if_contains("size") : nullptr;
    const json::value* mode = disk ? disk->if_contains("mode") : nullptr;
    if (!size || !(size->is_int64() || size->is_uint64()) || !mode || !mode->is_string() ||
        (mode->get_string() != "rw" && mode->get_string() != "ro")) {
      throw OpPrereqError("Invalid contents of the 'disks' parameter", kEcodeInval);
    }
    disks.push_back({size->to_number<int64_t>(), std::string(mode->get_string()), std::nullopt});
  }
  return disks;
}

std::vector<ia::NicSpec> AllocatorNics(const json::object& op) {
  std::vector<ia::NicSpec> nics;
  auto it = op.find("nics");
  if (it == op.end() || it->value().is_null()) return nics;
  const auto* rows = it->value().if_array();
  if (!rows) throw OpPrereqError("Parameter 'nics' must be a list of NICs", kEcodeInval);
  for (const auto& row : *rows) {
    const auto* nic = row.if_object();
    if (!nic) throw OpPrereqError("Parameter 'nics' must be a list of NICs", kEcodeInval);
    auto text = [&](const char* key) {
      const json::value* v = nic->if_contains(key);
      return v && v->is_string() ? std::string(v->get_string()) : std::string();
    };
    ia::NicSpec s;
    s.mac = text("mac");
    s.ip = text("ip");
    s.network = text("network");
    s.name = text("name");
    s.mode = text("mode");
    s.link = text("link").empty() ? text("bridge") : text("link");  // gnt-debug sends "bridge"
    nics.push_back(std::move(s));
  }
  return nics;
}

ia::AllocateRequest NewInstanceRequest(const json::object& op, const objects::ConfigData& d,
                                       const std::string& name) {
  ia::AllocateRequest r;
  r.name = name;
  if (!op.contains("memory") || op.at("memory").is_null()) {
    throw OpPrereqError("Parameter 'memory' is needed to allocate an instance", kEcodeInval);
  }
  r.memory = NonNegativeInt(op, "memory", 0);
  r.vcpus = NonNegativeInt(op, "vcpus", 1);
  r.spindle_use = NonNegativeInt(op, "spindle_use", 1);
  r.disks = AllocatorDisks(op);
  r.nics = AllocatorNics(op);
  r.tags = StringListParam(op, "tags");
  r.os = OptionalString(op, "os").value_or("");
  r.disk_template = OptionalString(op, "disk_template")
                        .value_or(d.cluster.enabled_disk_templates.empty()
                                      ? "diskless"
                                      : d.cluster.enabled_disk_templates.front());
  r.hypervisor =
      OptionalString(op, "hypervisor")
          .value_or(d.cluster.enabled_hypervisors.empty() ? "fake"
                                                          : d.cluster.enabled_hypervisors.front());
  r.group_name = OptionalString(op, "group_name");
  return r;
}

std::vector<std::string> WantedInstances(const json::object& op, const objects::ConfigData& d) {
  auto names = StringListParam(op, "instances");
  if (names.empty()) throw OpPrereqError("Missing instances", kEcodeInval);
  for (auto& name : names) name = ExpandInstance(d, name).name;
  return names;
}

// The request of the opcode's mode, with Ganeti's LUTestAllocator checks.
ia::Request AllocatorRequest(const json::object& op, const objects::ConfigData& d) {
  const std::string mode = RequiredString(op, "mode");
  const std::string name = RequiredString(op, "name");
  if (mode == "allocate" || mode == "multi-allocate") {
    if (const auto* existing = d.FindInstanceByName(name)) {
      throw OpPrereqError("Instance '" + existing->name + "' already in the cluster", kEcodeExists);
    }
    if (mode == "allocate") return NewInstanceRequest(op, d, name);
    ia::MultiAllocateRequest multi;
    const int64_t count = NonNegativeInt(op, "count", 1);
    for (int64_t i = 0; i < count; ++i) {
      multi.instances.push_back(NewInstanceRequest(op, d, name + std::to_string(i)));
    }
    return multi;
  }
  if (mode == "relocate") {
    const objects::Instance& instance = ExpandInstance(d, name);
    ia::RelocateRequest reloc{instance.name, {}};
    for (const auto& uuid : SecondaryNodes(d, instance)) {
      reloc.relocate_from.push_back(d.nodes.at(uuid).name);
    }
    return reloc;
  }
  if (mode == "change-group") {
    return ia::ChangeGroupRequest{WantedInstances(op, d), StringListParam(op, "target_groups")};
  }
  if (mode == "node-evacuate") {
    const std::string evac_mode = OptionalString(op, "evac_mode").value_or("all");
    if (evac_mode != "all" && evac_mode != "primary-only" && evac_mode != "secondary-only") {
      throw OpPrereqError("Invalid evacuation mode '" + evac_mode + "'", kEcodeInval);
    }
    return ia::NodeEvacuateRequest{WantedInstances(op, d), evac_mode, false};
  }
  throw OpPrereqError("Invalid test allocator mode '" + mode + "'", kEcodeInval);
}

// --- OP_TEST_JQUEUE ------------------------------------------------------------

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

[[noreturn]] void NotifyError(bool prereq, const std::string& message) {
  if (prereq) throw OpPrereqError(message, kEcodeInval);
  throw OpExecError(message);
}

bool Readable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  int r;
  do {
    r = ::poll(&p, 1, timeout_ms);
  } while (r < 0 && errno == EINTR);
  return r > 0;
}

// Ganeti's notification handshake: a Unix socket in a new temporary
// directory, announced in the job log as a "jqueue-test" entry [path, test,
// arg]; the client connects (within 20 s), checks the job's status and
// closes (within 60 s).
void NotifyClient(LuContext& ctx, bool prereq, const std::string& test, const json::value& arg) {
  std::string dir = (std::filesystem::temp_directory_path() / "herd-jqueue-XXXXXX").string();
  if (!::mkdtemp(dir.data())) NotifyError(prereq, std::string("mkdtemp: ") + std::strerror(errno));
  const std::string path = dir + "/sock";
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  } cleanup{dir};
  Fd listener(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (listener.get() < 0 || path.size() >= sizeof(addr.sun_path)) {
    NotifyError(prereq, "Cannot create the notification socket " + path);
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(listener.get(), 1) != 0) {
    NotifyError(prereq, "Cannot listen on " + path + ": " + std::strerror(errno));
  }
  ctx.op.FeedbackJsonOfType("jqueue-test", SerializeJson(json::array{path, test, arg}));
  if (!Readable(listener.get(), 20000))
    NotifyError(prereq, "Client didn't connect in time (timed out)");
  Fd conn(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (conn.get() < 0) {
    NotifyError(prereq,
                std::string("Client didn't connect in time (") + std::strerror(errno) + ")");
  }
  if (!Readable(conn.get(), 60000)) {
    NotifyError(prereq, "Client failed to confirm notification (timed out)");
  }
  char byte;
  (void)::recv(conn.get(), &byte, 1, 0);  // a byte or the close: both confirm
}

}  // namespace

json::value TestDelay(LuContext& ctx, const json::object& op) {
  const double duration = NumberParam(op, "duration", 0);
  if (duration < 0) throw OpPrereqError("Parameter 'duration' must not be negative", kEcodeInval);
  const int64_t repeat = NonNegativeInt(op, "repeat", 0);
  std::vector<std::string> node_uuids;
  std::vector<rpc::NodeAddress> targets;
  ctx.config.Read([&](const objects::ConfigData& d) {
    auto add = [&](const objects::Node& n) {
      if (std::find(node_uuids.begin(), node_uuids.end(), n.uuid) != node_uuids.end()) return;
      node_uuids.push_back(n.uuid);
      targets.push_back(AddressOf(n));
    };
    for (const auto& name : StringListParam(op, "on_nodes")) add(ExpandNode(d, name));
    if (BoolParam(op, "on_master", true)) add(MasterNode(d));
  });
  if (ctx.dry_run) throw DryRunDone{};  // nothing but the checks above
  if (!BoolParam(op, "no_locks", false) && !node_uuids.empty()) {
    ctx.locks.Acquire(ctx.owner, locking::Level::kNode, node_uuids, false);
  }
  ctx.op.NotifyStart();
  for (int64_t i = 0; i <= repeat; ++i) {
    if (repeat > 0) {
      ctx.Feedback("Test delay iteration " + std::to_string(i) + "/" + std::to_string(repeat));
    }
    if (!targets.empty()) {
      auto results = ctx.rpc.CallParallel(targets, rpc::procedures::kTestDelay, {duration});
      for (size_t n = 0; n < results.size(); ++n) {
        if (!results[n].ok) {
          throw OpExecError("Failure during rpc call to node " + targets[n].name + ": " +
                            results[n].error);
        }
      }
      continue;
    }
    const auto until = std::chrono::steady_clock::now() +
                       std::chrono::milliseconds(static_cast<int64_t>(duration * 1000));
    while (std::chrono::steady_clock::now() < until) {
      ctx.op.CheckCancel();
      std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
          std::chrono::milliseconds(50), until - std::chrono::steady_clock::now()));
    }
  }
  return nullptr;
}

json::value TestAllocator(LuContext& ctx, const json::object& op) {
  const std::string direction = RequiredString(op, "direction");
  if (direction != "in" && direction != "out") {
    throw OpPrereqError("Invalid allocator test direction '" + direction + "'", kEcodeInval);
  }
  AcquireBgl(ctx, true);
  ctx.op.NotifyStart();
  const ia::Request request =
      ctx.config.Read([&](const objects::ConfigData& d) { return AllocatorRequest(op, d); });
  std::string allocator;
  if (direction == "out") {
    allocator = OptionalString(op, "iallocator").value_or("");
    if (allocator.empty()) throw OpPrereqError("Missing allocator name", kEcodeInval);
  }
  return json::string(AllocatorTestText(ctx, request, allocator));
}

json::value TestJqueue(LuContext& ctx, const json::object& op) {
  const bool notify_waitlock = BoolParam(op, "notify_waitlock", false);
  const bool notify_exec = BoolParam(op, "notify_exec", false);
  const bool fail = BoolParam(op, "fail", false);
  const auto messages = StringListParam(op, "log_messages");
  // Still waiting: the client checks that the job says so.
  if (notify_waitlock) NotifyClient(ctx, true, "expandnames", nullptr);
  ctx.Feedback("Expanding names");
  ctx.op.NotifyStart();
  if (notify_exec) NotifyClient(ctx, false, "exec", nullptr);
  ctx.Feedback("Executing");
  if (!messages.empty()) {
    NotifyClient(ctx, false, "startmsg", static_cast<int64_t>(messages.size()));
    for (size_t i = 0; i < messages.size(); ++i) {
      ctx.Feedback("Sending log message " + std::to_string(i + 1));
      ctx.Feedback("TESTMSG=" + messages[i]);
      NotifyClient(ctx, false, "logmsg", static_cast<int64_t>(i + 1));
    }
  }
  if (fail) throw OpExecError("Opcode failure was requested");
  return true;
}

json::value TestDummy(LuContext& ctx, const json::object& op) {
  for (const char* name : {"result", "messages", "fail", "submit_jobs"}) {
    if (!op.contains(name)) {
      throw OpPrereqError(std::string("Parameter 'OP_TEST_DUMMY.") + name + "' is missing",
                          kEcodeInval);
    }
  }
  ctx.op.NotifyStart();
  if (const auto* messages = op.at("messages").if_array()) {
    for (const auto& m : *messages)
      ctx.Feedback(m.is_string() ? std::string(m.get_string()) : PythonStr(m));
  }
  const json::value& fail = op.at("fail");
  if (!(fail.is_null() || (fail.is_bool() && !fail.get_bool()))) {
    throw OpExecError("Error requested (" + PythonStr(op.at("result")) + ")");
  }
  if (const auto* jobs = op.at("submit_jobs").if_array()) {
    json::array submitted;
    for (const auto& job : *jobs) submitted.push_back(ctx.services.SubmitJob(AsArray(job, "job")));
    return json::object{{"jobs", std::move(submitted)}};
  }
  return op.at("result");
}

json::value TestOsParams(LuContext& ctx, const json::object& op) {
  ctx.op.NotifyStart();
  auto it = op.find("osparams_secret");
  if (it == op.end() || it->value().is_null() ||
      (it->value().is_object() && it->value().get_object().empty())) {
    throw OpExecError("Opcode needs secret parameters");
  }
  ctx.Feedback("Secret OS parameters: " + PythonStr(it->value()));
  return nullptr;
}

}  // namespace herd::master
