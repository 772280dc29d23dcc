#include "objects/cluster.h"

#include "objects/json_fields.h"

namespace herd::objects {

Cluster ClusterFromJson(const json::value& v) {
  FieldReader r(v, "cluster");
  Cluster c;
  c.cluster_name = r.RequiredString("cluster_name");
  c.uuid = r.String("uuid");
  c.master_node = r.RequiredString("master_node");
  c.master_ip = r.String("master_ip");
  c.master_netdev = r.String("master_netdev");
  c.master_netmask = r.Int("master_netmask", 32);
  c.mac_prefix = r.String("mac_prefix");
  c.volume_group_name = r.String("volume_group_name");
  c.default_iallocator = r.String("default_iallocator");
  c.file_storage_dir = r.String("file_storage_dir");
  c.shared_file_storage_dir = r.String("shared_file_storage_dir");
  c.rsahostkeypub = r.String("rsahostkeypub");
  c.enabled_hypervisors = r.Strings("enabled_hypervisors");
  c.enabled_disk_templates = r.Strings("enabled_disk_templates");
  c.tags = r.Strings("tags");
  c.hvparams = r.Object("hvparams");
  c.os_hvp = r.Object("os_hvp");
  c.beparams = r.Object("beparams");
  c.osparams = r.Object("osparams");
  c.nicparams = r.Object("nicparams");
  c.ndparams = r.Object("ndparams");
  c.diskparams = r.Object("diskparams");
  c.ipolicy = r.Object("ipolicy");
  c.candidate_pool_size = r.Int("candidate_pool_size", 10);
  c.highest_used_port = r.Int("highest_used_port", 11000);
  c.serial_no = r.Int("serial_no", 1);
  c.ctime = r.Number("ctime");
  c.mtime = r.Number("mtime");
  c.extra = r.object();
  return c;
}

json::value ToJson(const Cluster& c) {
  FieldWriter w(c.extra, "cluster_name");
  w.Put("cluster_name", c.cluster_name).Put("uuid", c.uuid).Put("master_node", c.master_node);
  w.Put("master_ip", c.master_ip).Put("master_netdev", c.master_netdev);
  w.Put("master_netmask", c.master_netmask).Put("mac_prefix", c.mac_prefix);
  w.Put("volume_group_name", c.volume_group_name).Put("default_iallocator", c.default_iallocator);
  w.Put("file_storage_dir", c.file_storage_dir);
  w.Put("shared_file_storage_dir", c.shared_file_storage_dir);
  w.Put("rsahostkeypub", c.rsahostkeypub).PutStrings("enabled_hypervisors", c.enabled_hypervisors);
  w.PutStrings("enabled_disk_templates", c.enabled_disk_templates).PutStrings("tags", c.tags);
  w.Put("hvparams", c.hvparams).Put("os_hvp", c.os_hvp).Put("beparams", c.beparams);
  w.Put("osparams", c.osparams).Put("nicparams", c.nicparams).Put("ndparams", c.ndparams);
  w.Put("diskparams", c.diskparams).Put("ipolicy", c.ipolicy);
  w.Put("candidate_pool_size", c.candidate_pool_size);
  w.Put("highest_used_port", c.highest_used_port).Put("serial_no", c.serial_no);
  w.Put("ctime", c.ctime).Put("mtime", c.mtime);
  return w.Done();
}

}  // namespace herd::objects
