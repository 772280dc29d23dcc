// Ganeti 3.0's default hypervisor parameters (HVC_DEFAULTS), with upstream's
// configure-time defaults for paths (kernel, kvm binary).
#include "objects/defaults.h"

namespace herd::objects {
namespace {

json::object XenPvm() {
  return {{"blockdev_prefix", "sd"},
          {"bootloader_args", ""},
          {"bootloader_path", ""},
          {"cpu_cap", 0},
          {"cpu_mask", "all"},
          {"cpu_weight", 256},
          {"cpuid", ""},
          {"initrd_path", ""},
          {"kernel_args", "ro"},
          {"kernel_path", "/boot/vmlinuz-3-xenU"},
          {"migration_mode", "live"},
          {"migration_port", 8002},
          {"reboot_behavior", "reboot"},
          {"root_path", "/dev/xvda1"},
          {"soundhw", ""},
          {"use_bootloader", false},
          {"vif_script", ""},
          {"xen_cmd", "xm"}};
}

json::object XenHvm() {
  return {{"acpi", true},
          {"blockdev_prefix", "hd"},
          {"boot_order", "cd"},
          {"cdrom_image_path", ""},
          {"cpu_cap", 0},
          {"cpu_mask", "all"},
          {"cpu_weight", 256},
          {"cpuid", ""},
          {"device_model", "/usr/lib/xen/bin/qemu-dm"},
          {"disk_type", "paravirtual"},
          {"kernel_path", "/usr/lib/xen/boot/hvmloader"},
          {"migration_mode", "non-live"},
          {"migration_port", 8002},
          {"nic_type", "rtl8139"},
          {"pae", true},
          {"pci_pass", ""},
          {"reboot_behavior", "reboot"},
          {"soundhw", ""},
          {"use_localtime", false},
          {"vif_script", ""},
          {"vif_type", "ioemu"},
          {"viridian", false},
          {"vnc_bind_address", "0.0.0.0"},
          {"xen_cmd", "xm"}};
}

json::object Kvm() {
  return {{"acpi", true},
          {"boot_order", "disk"},
          {"cdrom2_image_path", ""},
          {"cdrom_disk_type", ""},
          {"cdrom_image_path", ""},
          {"cpu_cores", 0},
          {"cpu_mask", "all"},
          {"cpu_sockets", 0},
          {"cpu_threads", 0},
          {"cpu_type", ""},
          {"disk_aio", "threads"},
          {"disk_cache", "default"},
          {"disk_discard", "default"},
          {"disk_type", "paravirtual"},
          {"floppy_image_path", ""},
          {"initrd_path", ""},
          {"kernel_args", "ro"},
          {"kernel_path", "/boot/vmlinuz-3-kvmU"},
          {"keymap", ""},
          {"kvm_extra", ""},
          {"kvm_flag", ""},
          {"kvm_path", "/usr/bin/kvm"},
          {"kvm_pci_reservations", 12},
          {"machine_version", ""},
          {"mem_path", ""},
          {"migration_bandwidth", 32},
          {"migration_caps", ""},
          {"migration_downtime", 30},
          {"migration_mode", "live"},
          {"migration_port", 8102},
          {"nic_type", "paravirtual"},
          {"reboot_behavior", "reboot"},
          {"root_path", "/dev/vda1"},
          {"scsi_controller_type", "lsi"},
          {"security_domain", ""},
          {"security_model", "none"},
          {"serial_console", true},
          {"serial_speed", 38400},
          {"soundhw", ""},
          {"spice_bind", ""},
          {"spice_image_compression", ""},
          {"spice_ip_version", 0},
          {"spice_jpeg_wan_compression", ""},
          {"spice_password_file", ""},
          {"spice_playback_compression", true},
          {"spice_streaming_video", ""},
          {"spice_tls_ciphers", "HIGH:-DES:-3DES:-EXPORT:-DH"},
          {"spice_use_tls", false},
          {"spice_use_vdagent", true},
          {"spice_zlib_glz_wan_compression", ""},
          {"usb_devices", ""},
          {"usb_mouse", ""},
          {"use_chroot", false},
          {"use_guest_agent", false},
          {"use_localtime", false},
          {"user_shutdown", false},
          {"vga", ""},
          {"vhost_net", false},
          {"virtio_net_queues", 1},
          {"vnc_bind_address", ""},
          {"vnc_password_file", ""},
          {"vnc_tls", false},
          {"vnc_x509_path", ""},
          {"vnc_x509_verify", false},
          {"vnet_hdr", true}};
}

json::object Lxc() {
  return {{"cpu_mask", ""},
          {"devices",
           "c 1:3 rw,c 1:5 rw,c 1:7 rw,c 1:8 rw,c 1:9 rw,c 1:10 rw,c 5:0 rw,c 5:1 rw,"
           "c 5:2 rw,c 136:* rw"},
          {"drop_capabilities", "mac_override,sys_boot,sys_module,sys_time,sys_admin"},
          {"extra_cgroups", ""},
          {"extra_config", ""},
          {"num_ttys", 6},
          {"startup_timeout", 30}};
}

}  // namespace

json::object DefaultHvParams(std::string_view hypervisor) {
  if (hypervisor == "fake") return {{"migration_mode", "live"}};
  if (hypervisor == "chroot") return {{"init_script", "/ganeti-chroot"}};
  if (hypervisor == "lxc") return Lxc();
  if (hypervisor == "kvm") return Kvm();
  if (hypervisor == "xen-pvm") return XenPvm();
  if (hypervisor == "xen-hvm") return XenHvm();
  return {};
}

}  // namespace herd::objects
