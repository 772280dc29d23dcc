// A small cluster for the iallocator tests: three nodes in group "default"
// (node1 master, 4 GiB; node2 8 GiB; node3 6 GiB), a fourth node offline,
// one running file-disk instance on node1, and the nodes' live figures.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "base/json.h"
#include "master/iallocator/request.h"
#include "objects/config_data.h"

namespace herd::master::iallocator::testing {

inline objects::ConfigData SmallCluster() {
  objects::NewClusterOptions o;
  o.cluster_name = "cluster.example.com";
  o.cluster_uuid = "cluster-uuid";
  o.group_uuid = "group-uuid";
  o.master_node_name = "node1.example.com";
  o.master_node_uuid = "node1-uuid";
  o.master_node_ip = "192.0.2.1";
  o.master_ip = "192.0.2.100";
  o.enabled_disk_templates = {"file", "diskless", "sharedfile"};
  objects::ConfigData c = objects::NewClusterConfig(o);
  c.cluster.tags = {"htools:iextags:service"};
  for (int i = 2; i <= 4; ++i) {
    objects::Node n;
    n.name = "node" + std::to_string(i) + ".example.com";
    n.uuid = "node" + std::to_string(i) + "-uuid";
    n.primary_ip = n.secondary_ip = "192.0.2." + std::to_string(i);
    n.group = "group-uuid";
    n.offline = (i == 4);
    c.nodes.emplace(n.uuid, n);
  }
  c.nodes["node2-uuid"].tags = {"rack:a"};

  objects::Disk disk;
  disk.uuid = "disk1-uuid";
  disk.dev_type = "file";
  disk.iv_name = "disk/0";
  disk.size = 1024;
  disk.nodes = {"node1-uuid"};
  disk.logical_id = json::array{"loop", "/srv/ganeti/file-storage/inst1/disk0"};
  c.disks.emplace(disk.uuid, disk);

  objects::Instance inst;
  inst.name = "inst1.example.com";
  inst.uuid = "inst1-uuid";
  inst.primary_node = "node1-uuid";
  inst.os = "noop";
  inst.hypervisor = "fake";
  inst.admin_state = "up";
  inst.disk_template = "file";
  inst.disks = {"disk1-uuid"};
  inst.beparams = {{"maxmem", 512}, {"minmem", 512}};
  inst.tags = {"service:web"};
  objects::Nic nic;
  nic.uuid = "nic1-uuid";
  nic.mac = "aa:00:00:00:00:01";
  inst.nics.push_back(nic);
  c.instances.emplace(inst.uuid, inst);
  return c;
}

inline NodeLiveData SmallClusterLive() {
  auto figures = [](int64_t memory, int64_t disk) {
    NodeLiveFigures f;
    f.answered = true;
    f.memory_total = memory;
    f.memory_free = memory - 256;
    f.memory_dom0 = 256;
    f.cpu_total = 4;
    f.cpu_dom0 = 1;
    f.disk_total = disk;
    f.disk_free = disk - 1024;
    return f;
  };
  NodeLiveData live;
  live["node1-uuid"] = figures(4096, 100 * 1024);
  // inst1 is up but uses only 128 of its 512 MiB yet.
  live["node1-uuid"].instance_memory["inst1.example.com"] = 128;
  live["node1-uuid"].memory_free -= 128;
  live["node2-uuid"] = figures(8192, 100 * 1024);
  live["node3-uuid"] = figures(6144, 50 * 1024);
  return live;
}

inline AllocateRequest NewInstance(const std::string& name, int64_t memory) {
  AllocateRequest r;
  r.name = name;
  r.disk_template = "file";
  r.os = "noop";
  r.hypervisor = "fake";
  r.memory = memory;
  r.vcpus = 1;
  r.disks = {DiskSpec{1024, "rw", std::nullopt}};
  r.nics = {NicSpec{"aa:00:00:00:00:02", "", "", "", "bridged", "br0"}};
  r.tags = {"service:db"};
  return r;
}

// A scratch directory removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "herd-ialloc-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }
  // Writes an executable shell script and returns its path.
  std::string Script(const std::string& name, const std::string& body) const {
    std::string p = path_ + "/" + name;
    std::ofstream(p) << "#!/bin/sh\n" << body;
    ::chmod(p.c_str(), 0755);
    return p;
  }

 private:
  std::string path_;
};

}  // namespace herd::master::iallocator::testing
