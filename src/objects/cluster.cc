#include "objects/cluster.h"

#include "objects/json_fields.h"

namespace herd::objects {
namespace {

using P = Presence;
using C = Cluster;
const Field<Cluster> kClusterFields[] = {
    {"cluster_name", &C::cluster_name, P::kRequired},
    {"uuid", &C::uuid},
    {"master_node", &C::master_node, P::kRequired},
    {"master_ip", &C::master_ip},
    {"master_netdev", &C::master_netdev},
    {"master_netmask", &C::master_netmask},
    {"primary_ip_family", &C::primary_ip_family},
    {"use_external_mip_script", &C::use_external_mip_script},
    {"mac_prefix", &C::mac_prefix},
    {"volume_group_name", &C::volume_group_name, P::kOptional},
    {"drbd_usermode_helper", &C::drbd_usermode_helper, P::kOptional},
    {"reserved_lvs", &C::reserved_lvs},
    {"default_iallocator", &C::default_iallocator},
    {"default_iallocator_params", &C::default_iallocator_params},
    {"file_storage_dir", &C::file_storage_dir},
    {"shared_file_storage_dir", &C::shared_file_storage_dir},
    {"gluster_storage_dir", &C::gluster_storage_dir},
    {"rsahostkeypub", &C::rsahostkeypub},
    {"dsahostkeypub", &C::dsahostkeypub, P::kOptional},
    {"ssh_key_type", &C::ssh_key_type, P::kOptional},
    {"ssh_key_bits", &C::ssh_key_bits, P::kOptional},
    {"enabled_hypervisors", &C::enabled_hypervisors},
    {"enabled_disk_templates", &C::enabled_disk_templates},
    {"hvparams", &C::hvparams},
    {"os_hvp", &C::os_hvp},
    {"beparams", &C::beparams},
    {"osparams", &C::osparams},
    {"osparams_private_cluster", &C::osparams_private_cluster},
    {"nicparams", &C::nicparams},
    {"ndparams", &C::ndparams},
    {"diskparams", &C::diskparams},
    {"ipolicy", &C::ipolicy},
    {"hv_state_static", &C::hv_state_static},
    {"disk_state_static", &C::disk_state_static},
    {"candidate_pool_size", &C::candidate_pool_size},
    {"candidate_certs", &C::candidate_certs},
    {"modify_etc_hosts", &C::modify_etc_hosts},
    {"modify_ssh_setup", &C::modify_ssh_setup},
    {"maintain_node_health", &C::maintain_node_health},
    {"prealloc_wipe_disks", &C::prealloc_wipe_disks},
    {"enabled_user_shutdown", &C::enabled_user_shutdown},
    {"uid_pool", &C::uid_pool},
    {"hidden_os", &C::hidden_os},
    {"blacklisted_os", &C::blacklisted_os},
    {"highest_used_port", &C::highest_used_port},
    {"tcpudp_port_pool", &C::tcpudp_port_pool},
    {"max_running_jobs", &C::max_running_jobs},
    {"max_tracked_jobs", &C::max_tracked_jobs},
    {"install_image", &C::install_image},
    {"zeroing_image", &C::zeroing_image},
    {"instance_communication_network", &C::instance_communication_network},
    {"compression_tools", &C::compression_tools},
    {"data_collectors", &C::data_collectors},
    {"tags", &C::tags, P::kOptional},
    {"serial_no", &C::serial_no},
    {"ctime", &C::ctime, P::kOptional},
    {"mtime", &C::mtime, P::kOptional},
};

}  // namespace

Cluster ClusterFromJson(const json::value& v) {
  return ReadObject<Cluster>(v, "cluster", kClusterFields);
}

json::value ToJson(const Cluster& cluster) { return WriteObject<Cluster>(cluster, kClusterFields); }

}  // namespace herd::objects
