#include "objects/disk.h"

#include "objects/json_fields.h"

namespace herd::objects {
namespace {

using P = Presence;
const Field<Disk> kDiskFields[] = {
    {"uuid", &Disk::uuid, P::kRequired},
    {"name", &Disk::name, P::kOptional},
    {"dev_type", &Disk::dev_type, P::kRequired},
    {"iv_name", &Disk::iv_name},
    {"mode", &Disk::mode},
    {"size", &Disk::size, P::kRequired},
    {"spindles", &Disk::spindles, P::kOptional},
    {"logical_id", &Disk::logical_id},
    {"children", &Disk::children, P::kOptional},
    {"nodes", &Disk::nodes},
    {"params", &Disk::params, P::kOptional},
    {"serial_no", &Disk::serial_no},
    {"ctime", &Disk::ctime, P::kOptional},
    {"mtime", &Disk::mtime, P::kOptional},
};

}  // namespace

Disk DiskFromJson(const json::value& v) { return ReadObject<Disk>(v, "disk", kDiskFields); }

json::value ToJson(const Disk& disk) { return WriteObject<Disk>(disk, kDiskFields); }

}  // namespace herd::objects
