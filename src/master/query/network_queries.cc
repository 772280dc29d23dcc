// The "network" query resource: networks with their address pools, the
// node groups they are connected to and the instances using them.
#include "master/query/network_queries.h"

#include <boost/json.hpp>
#include <optional>

#include "base/json.h"
#include "master/query/resource_queries.h"
#include "objects/address_pool.h"
#include "objects/config_data.h"
#include "query/query_result.h"

namespace herd::master {
namespace {
namespace q = herd::query;
using q::FieldTable;
using q::FieldValue;
using q::ResultStatus;

struct NetworkRow {
  objects::Network network;
  json::array groups;  // [group name, mode, link, vlan]
  json::array instances;
  // The address pool's figures, read once; absent when the pool is unreadable.
  std::optional<int64_t> free_count, reserved_count;
  std::string map, external_reservations;
};

FieldValue TextOrUnavail(const std::string& text) {
  return text.empty() ? FieldValue::Status(ResultStatus::kUnavail)
                      : FieldValue::Of(json::value(text));
}

// A figure of the row's address pool, unavailable when the pool is unreadable.
template <typename Fn>
FieldValue FromPool(const NetworkRow& r, Fn fn) {
  if (!r.free_count) return FieldValue::Status(ResultStatus::kUnavail);
  return FieldValue::Of(fn(r));
}

const FieldTable<NetworkRow>& Fields() {
  static const FieldTable<NetworkRow> table = [] {
    FieldTable<NetworkRow> t;
    auto of = [](auto f) { return [f](const NetworkRow& r) { return FieldValue::Of(f(r)); }; };
    t.Add("name", "Network", q::kText, "Name",
          of([](const NetworkRow& r) { return json::value(r.network.name); }));
    t.Add("network", "Subnet", q::kText, "IPv4 subnet",
          of([](const NetworkRow& r) { return json::value(r.network.network); }));
    t.Add("gateway", "Gateway", q::kOther, "IPv4 gateway",
          [](const NetworkRow& r) { return TextOrUnavail(r.network.gateway); });
    t.Add("network6", "IPv6Subnet", q::kOther, "IPv6 subnet",
          [](const NetworkRow& r) { return TextOrUnavail(r.network.network6); });
    t.Add("gateway6", "IPv6Gateway", q::kOther, "IPv6 gateway",
          [](const NetworkRow& r) { return TextOrUnavail(r.network.gateway6); });
    t.Add("mac_prefix", "MacPrefix", q::kOther, "MAC address prefix",
          [](const NetworkRow& r) { return TextOrUnavail(r.network.mac_prefix); });
    t.Add("free_count", "FreeCount", q::kNumber, "Number of available addresses",
          [](const NetworkRow& r) {
            return FromPool(r, [](const NetworkRow& n) { return json::value(*n.free_count); });
          });
    t.Add("map", "Map", q::kText, "Actual mapping", [](const NetworkRow& r) {
      return FromPool(r, [](const NetworkRow& n) { return json::value(n.map); });
    });
    t.Add("reserved_count", "ReservedCount", q::kNumber, "Number of reserved addresses",
          [](const NetworkRow& r) {
            return FromPool(r, [](const NetworkRow& n) { return json::value(*n.reserved_count); });
          });
    t.Add("group_list", "GroupList", q::kOther,
          "List of nodegroups (group name, NIC mode, NIC link)",
          of([](const NetworkRow& r) { return json::value(r.groups); }));
    t.Add(
        "group_cnt", "NodeGroups", q::kNumber, "Number of nodegroups",
        of([](const NetworkRow& r) { return json::value(static_cast<int64_t>(r.groups.size())); }));
    t.Add("inst_list", "InstanceList", q::kOther, "List of instances",
          of([](const NetworkRow& r) { return json::value(r.instances); }));
    t.Add("inst_cnt", "Instances", q::kNumber, "Number of instances", of([](const NetworkRow& r) {
            return json::value(static_cast<int64_t>(r.instances.size()));
          }));
    t.Add("external_reservations", "ExternalReservations", q::kText, "External reservations",
          [](const NetworkRow& r) {
            return FromPool(
                r, [](const NetworkRow& n) { return json::value(n.external_reservations); });
          });
    t.Add("ctime", "CTime", q::kTimestamp, "Creation timestamp",
          of([](const NetworkRow& r) { return json::value(r.network.ctime); }));
    t.Add("mtime", "MTime", q::kTimestamp, "Modification timestamp",
          of([](const NetworkRow& r) { return json::value(r.network.mtime); }));
    t.Add("uuid", "UUID", q::kText, "Network UUID",
          of([](const NetworkRow& r) { return json::value(r.network.uuid); }));
    t.Add("serial_no", "SerialNo", q::kNumber,
          "Network object serial number, incremented on each modification",
          of([](const NetworkRow& r) { return json::value(r.network.serial_no); }));
    t.Add("tags", "Tags", q::kOther, "Tags", of([](const NetworkRow& r) {
            json::array tags;
            for (const auto& tag : r.network.tags) tags.emplace_back(tag);
            return json::value(std::move(tags));
          }));
    return t;
  }();
  return table;
}

// As Ganeti: "-" for a parameter the connection does not set.
json::value NicText(const json::object& params, const char* key) {
  const auto* v = params.if_contains(key);
  return v && v->is_string() ? json::value(v->get_string()) : json::value("-");
}

}  // namespace

json::value QueryNetworks(const QueryRequest& request, const ConfigStore& config) {
  std::vector<NetworkRow> rows = config.Read([](const objects::ConfigData& d) {
    std::vector<NetworkRow> out;
    for (const auto& [uuid, n] : d.networks) {
      NetworkRow row{n, {}, {}, {}, {}, {}, {}};
      for (const auto& [gu, g] : d.nodegroups) {
        const auto* params = g.networks.if_contains(uuid);
        if (!params || !params->is_object()) continue;
        const auto& p = params->get_object();
        row.groups.push_back(json::array{json::value(g.name), NicText(p, "mode"),
                                         NicText(p, "link"), NicText(p, "vlan")});
      }
      for (const auto& [iu, inst] : d.instances) {
        if (std::any_of(inst.nics.begin(), inst.nics.end(),
                        [&](const objects::Nic& nic) { return nic.network == uuid; })) {
          row.instances.emplace_back(inst.name);
        }
      }
      try {
        objects::Network copy = n;  // the pool fills missing reservation strings
        objects::AddressPool pool(copy);
        row.free_count = pool.FreeCount();
        row.reserved_count = pool.ReservedCount();
        row.map = pool.Map();
        for (const auto& ip : pool.ExternalReservations()) {
          row.external_reservations += (row.external_reservations.empty() ? "" : ", ") + ip;
        }
      } catch (const std::exception&) {
        // unreadable pool: its fields are unavailable
      }
      out.push_back(std::move(row));
    }
    return out;
  });
  return q::RunQuery(Fields(), request.fields, rows, request.filter);
}

json::value NetworkFields(const std::vector<std::string>& fields) {
  return q::FieldsOf(Fields(), fields);
}

}  // namespace herd::master
