// Per-object JSON mapping: which fields are written, and in which form.
#include <gtest/gtest.h>

#include "base/json.h"
#include "json_diff.h"
#include "objects/config_data.h"

namespace herd::objects {
namespace {

using testing::JsonDiff;

TEST(ObjectsTest, OptionalFieldsKeepTheirStoredForm) {
  // An explicit default ("name": "") and a null stay as stored; absent ones stay absent.
  json::value disk = ParseJson(R"({"uuid": "d1", "dev_type": "file", "size": 1024,
      "name": "", "spindles": null, "logical_id": ["loop", "/srv/d1"], "nodes": ["n1"],
      "iv_name": "disk/0", "mode": "rw", "serial_no": 1, "ctime": 1.5, "mtime": 2.5})",
                               "disk");
  EXPECT_EQ(JsonDiff(disk, ToJson(DiskFromJson(disk))), "");
  Disk d = DiskFromJson(disk);
  d.name = "data";
  EXPECT_EQ(ToJson(d).as_object().at("name").as_string(), "data");
}

TEST(ObjectsTest, NewObjectsGetEveryFieldGanetiRequires) {
  Node n;
  n.name = "node9";
  n.uuid = "u9";
  const json::object j = ToJson(n).as_object();
  for (const char* key :
       {"name", "uuid", "primary_ip", "secondary_ip", "group", "master_candidate", "offline",
        "drained", "master_capable", "vm_capable", "powered", "ndparams", "serial_no"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_FALSE(j.contains("hv_state_static"));  // optional and empty
  Instance i;
  i.name = "inst9";
  i.uuid = "i9";
  const json::object ij = ToJson(i).as_object();
  for (const char* key : {"nics", "disks", "disks_active", "admin_state", "admin_state_source",
                          "beparams", "hvparams", "osparams", "osparams_private"}) {
    EXPECT_TRUE(ij.contains(key)) << key;
  }
  EXPECT_FALSE(ij.contains("network_port"));
  EXPECT_FALSE(ij.contains("disk_template"));  // derived from the disks since 2.16
}

TEST(ObjectsTest, StoredDiskTemplateIsKept) {
  json::value inst = ParseJson(R"({"name": "i", "uuid": "u", "disk_template": "file",
      "disks": [], "nics": []})",
                               "instance");
  Instance i = InstanceFromJson(inst);
  EXPECT_EQ(i.disk_template, "file");
  i.disk_template = "sharedfile";
  EXPECT_EQ(ToJson(i).as_object().at("disk_template").as_string(), "sharedfile");
  ConfigData c;
  Instance bare;
  EXPECT_EQ(DiskTemplateOf(c, bare), "diskless");
}

}  // namespace
}  // namespace herd::objects
