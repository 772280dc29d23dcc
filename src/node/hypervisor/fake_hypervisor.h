// The fake hypervisor: an instance "runs" while a state record for it exists
// under the node's run directory. Starting one takes real (declared) node
// memory, so node figures, htools and the watcher see real effects.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "base/paths.h"
#include "rpc/instance_spec.h"

namespace herd {

struct RunningInstance {
  std::string name, uuid;
  int64_t memory_mib = 0, vcpus = 0;
  double start_time = 0;
  std::string state = "running";  // or "migrating" (reserved on a migration target)
};

class FakeHypervisor {
 public:
  explicit FakeHypervisor(const Paths& paths);

  // Records of every instance on this node, by name.
  std::map<std::string, RunningInstance> List() const;
  // Memory held by running and incoming instances.
  int64_t UsedMemory() const;
  // Throws HypervisorError if already running or the node lacks memory.
  void Start(const rpc::InstanceSpec& spec);
  // No error if the instance is not running (Ganeti's shutdown is idempotent).
  void Stop(const std::string& name);
  void Reboot(const std::string& name);
  // Migration: the target reserves memory, the source lets go, the target
  // turns the reservation into a running instance (or drops it on failure).
  void AcceptIncoming(const rpc::InstanceSpec& spec);
  void FinalizeIncoming(const std::string& name, bool success);
  // Updates the memory of a running instance (hotplugged memory).
  void SetMemory(const std::string& name, int64_t memory_mib);

 private:
  std::string RecordPath(const std::string& name) const;
  void Write(const RunningInstance& record) const;
  void Remove(const std::string& name) const;
  void CheckMemory(const rpc::InstanceSpec& spec, int64_t available) const;
  int64_t AvailableMemory() const;

  Paths paths_;
  std::string dir_;
  mutable std::mutex mu_;
};

}  // namespace herd
