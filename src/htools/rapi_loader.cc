#include "htools/rapi_loader.h"

#include <arpa/inet.h>

#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <map>
#include <sstream>

#include "base/errors.h"
#include "base/hosts.h"
#include "base/paths.h"
#include "htools/json_fields.h"
#include "net/http_encoding.h"
#include "net/https_client.h"

namespace herd::htools {
namespace json = boost::json;
namespace {

constexpr const char* kInfo = "/2/info";
constexpr const char* kNodes = "/2/nodes?bulk=1";
constexpr const char* kGroups = "/2/groups?bulk=1";
constexpr const char* kInstances = "/2/instances?bulk=1";
// Ganeti's htools give a RAPI query 60 seconds.
constexpr std::chrono::seconds kQueryTimeout{60};

// One RAPI answer: its source for messages and its parsed body.
struct Answer {
  std::string where;
  json::value body;
};

Answer Parse(const std::string& text, const std::string& source, const char* resource) {
  Answer a{source + " (" + resource + ")", {}};
  boost::system::error_code ec;
  a.body = json::parse(text, ec);
  if (ec) throw ParameterError(a.where + ": invalid JSON: " + ec.message());
  return a;
}

const json::array& List(const Answer& a) {
  if (!a.body.is_array()) throw ParameterError(a.where + ": expected a list of objects");
  return a.body.get_array();
}

// The fields of one RAPI object, with FieldReader's conversions.
class Record {
 public:
  Record(const Answer& a, const json::value& v, const char* kind, size_t position)
      : reader_(a.where, std::string(kind) + " #" + std::to_string(position + 1)) {
    if (!v.is_object()) reader_.Fail("", "is not a JSON object");
    object_ = &v.get_object();
    name_ = reader_.String(Get("name"), "name");
    reader_ = FieldReader(a.where, std::string(kind) + " '" + name_ + "'");
  }

  const std::string& name() const { return name_; }
  const FieldReader& reader() const { return reader_; }
  const json::object& object() const { return *object_; }

  // A key that must be present (its value may still be null).
  const json::value& Get(std::string_view key) const { return Member(*object_, key, key); }
  const json::value& Member(const json::object& o, std::string_view key,
                            std::string_view field) const {
    auto it = o.find(key);
    if (it == o.end()) reader_.Fail(field, "missing");
    return it->value();
  }
  // A key that may be absent or null.
  const json::value* Optional(std::string_view key) const {
    auto it = object_->find(key);
    return it == object_->end() || it->value().is_null() ? nullptr : &it->value();
  }

 private:
  FieldReader reader_;
  const json::object* object_ = nullptr;
  std::string name_;
};

Group ParseGroup(const Record& r) {
  const auto& f = r.reader();
  Group g;
  g.name = r.name();
  g.uuid = f.String(r.Get("uuid"), "uuid");
  g.alloc_policy = f.OneOf(r.Get("alloc_policy"), "alloc_policy", kAllocPolicyNames);
  g.ipolicy = f.Policy(r.Get("ipolicy"), "ipolicy");
  g.tags = f.Strings(r.Get("tags"), "tags");
  return g;  // Ganeti's RAPI backend does not read the group's networks
}

Node ParseNode(const Record& r, const std::map<std::string, int>& group_by_uuid) {
  const auto& f = r.reader();
  Node n;
  n.name = r.name();
  const bool offline = f.Bool(r.Get("offline"), "offline");
  const bool drained = f.Bool(r.Get("drained"), "drained");
  const json::value* vm_capable = r.Optional("vm_capable");
  const bool live = !offline && (!vm_capable || f.Bool(*vm_capable, "vm_capable"));
  const auto& ndparams = f.Object(r.Get("ndparams"), "ndparams");
  n.exclusive_storage =
      f.Bool(r.Member(ndparams, "exclusive_storage", "ndparams/exclusive_storage"),
             "ndparams/exclusive_storage");
  const json::value* group_uuid = r.Optional("group.uuid");
  const std::string uuid = group_uuid ? f.String(*group_uuid, "group.uuid") : kDefaultGroupUuid;
  auto group = group_by_uuid.find(uuid);
  if (group == group_by_uuid.end()) f.Fail("group.uuid", "unknown group '" + uuid + "'");
  n.group = group->second;
  // An offline or non-vm-capable node reports no resources: they count as zero.
  if (n.exclusive_storage) {
    n.spindles = live ? f.Int(r.Get("sptotal"), "sptotal") : 0;
  } else {
    n.spindles = f.Int(r.Member(ndparams, "spindle_count", "ndparams/spindle_count"),
                       "ndparams/spindle_count");
  }
  if (live) {
    const json::value* spfree = r.Optional("spfree");
    n.free_spindles = spfree ? f.Int(*spfree, "spfree") : 0;
    n.total_memory = f.Number(r.Get("mtotal"), "mtotal");
    n.node_memory = static_cast<double>(f.Int(r.Get("mnode"), "mnode"));
    n.free_memory = static_cast<double>(f.Int(r.Get("mfree"), "mfree"));
    const json::value* dtotal = r.Optional("dtotal");
    n.total_disk = dtotal ? f.Number(*dtotal, "dtotal") : 0;
    const json::value* dfree = r.Optional("dfree");
    n.free_disk = dfree ? static_cast<double>(f.Int(*dfree, "dfree")) : 0;
    n.total_cpus = f.Number(r.Get("ctotal"), "ctotal");
    n.node_cpus = static_cast<double>(f.Int(r.Get("cnos"), "cnos"));
  } else {
    n.node_cpus = 0;
  }
  n.tags = f.Strings(r.Get("tags"), "tags");
  n.offline = !live || drained;  // htools place nothing on drained nodes either
  return n;
}

Instance ParseInstance(const Record& r, const std::map<std::string, int>& node_by_name) {
  const auto& f = r.reader();
  Instance inst;
  inst.name = r.name();
  inst.disk = f.Int(r.Get("disk_usage"), "disk_usage");
  const auto sizes = f.Ints(r.Get("disk.sizes"), "disk.sizes");
  const auto spindles = f.OptionalInts(r.Get("disk.spindles"), "disk.spindles");
  inst.spindles = SumDiskSpindles(sizes, spindles);
  const auto& beparams = f.Object(r.Get("beparams"), "beparams");
  // The memory the hypervisor reports if the instance runs, else the configured one.
  const json::value& oper_ram = r.Get("oper_ram");
  if (oper_ram.is_number()) {
    inst.memory = f.Int(oper_ram, "oper_ram");
  } else if (auto it = beparams.find("memory"); it != beparams.end()) {
    inst.memory = f.Int(it->value(), "beparams/memory");
  } else {
    inst.memory = f.Int(r.Member(beparams, "maxmem", "beparams/maxmem"), "beparams/maxmem");
  }
  inst.vcpus = f.Int(r.Member(beparams, "vcpus", "beparams/vcpus"), "beparams/vcpus");
  const std::string pnode = f.String(r.Get("pnode"), "pnode");
  auto primary = node_by_name.find(pnode);
  if (primary == node_by_name.end()) f.Fail("pnode", "unknown node '" + pnode + "'");
  inst.primary = primary->second;
  const auto snodes = f.Strings(r.Get("snodes"), "snodes");
  if (!snodes.empty()) {
    auto secondary = node_by_name.find(snodes.front());
    if (secondary == node_by_name.end()) {
      f.Fail("snodes", "unknown node '" + snodes.front() + "'");
    }
    inst.secondary = secondary->second;
  }
  inst.status = f.OneOf(r.Get("status"), "status", kInstanceStatusNames);
  inst.tags = f.Strings(r.Get("tags"), "tags");
  inst.auto_balance =
      f.Bool(r.Member(beparams, "auto_balance", "beparams/auto_balance"), "beparams/auto_balance");
  inst.disk_template = f.OneOf(r.Get("disk_template"), "disk_template", kDiskTemplateNames);
  inst.spindle_use =
      f.Int(r.Member(beparams, "spindle_use", "beparams/spindle_use"), "beparams/spindle_use");
  // Older clusters do not report it; anything but a boolean counts as "no".
  const json::value* forthcoming = r.Optional("forthcoming");
  inst.forthcoming = forthcoming && forthcoming->is_bool() && forthcoming->get_bool();
  return inst;
}

}  // namespace

std::string RapiEndpoint::Url() const {
  const bool v6 = host.find(':') != std::string::npos;
  return "https://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port) + path_prefix;
}

RapiEndpoint ParseRapiEndpoint(const std::string& host_or_url) {
  RapiEndpoint e;
  if (host_or_url.find(':') == std::string::npos && host_or_url.find('@') == std::string::npos) {
    if (host_or_url.empty()) throw ParameterError("RAPI: no cluster name given");
    e.host = host_or_url;
    return e;
  }
  std::string rest = host_or_url;
  if (auto scheme = rest.find("://"); scheme != std::string::npos) {
    if (rest.substr(0, scheme) != "https") {
      throw ParameterError("RAPI address '" + host_or_url + "': only https is supported");
    }
    rest = rest.substr(scheme + 3);
  }
  auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (auto at = authority.rfind('@'); at != std::string::npos) {
    const std::string userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    const auto colon = userinfo.find(':');
    e.user = net::PercentDecode(userinfo.substr(0, colon));
    if (colon != std::string::npos) e.password = net::PercentDecode(userinfo.substr(colon + 1));
  }
  if (slash != std::string::npos) {
    e.path_prefix = rest.substr(slash);
    while (!e.path_prefix.empty() && e.path_prefix.back() == '/') e.path_prefix.pop_back();
  }
  std::string port;
  if (!authority.empty() && authority.front() == '[') {  // [IPv6]:port
    auto close = authority.find(']');
    if (close == std::string::npos) {
      throw ParameterError("RAPI address '" + host_or_url + "': unterminated '['");
    }
    e.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') {
        throw ParameterError("RAPI address '" + host_or_url + "': junk after ']'");
      }
      port = authority.substr(close + 2);
    }
  } else if (auto colon = authority.rfind(':'); colon != std::string::npos) {
    e.host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  } else {
    e.host = authority;
  }
  if (e.host.empty()) throw ParameterError("RAPI address '" + host_or_url + "': no host");
  if (!port.empty()) {
    char* end = nullptr;
    long p = std::strtol(port.c_str(), &end, 10);
    if (end != port.c_str() + port.size() || p <= 0 || p > 65535) {
      throw ParameterError("RAPI address '" + host_or_url + "': bad port '" + port + "'");
    }
    e.port = static_cast<uint16_t>(p);
  }
  return e;
}

ClusterData ParseRapiData(const std::string& info_json, const std::string& nodes_json,
                          const std::string& groups_json, const std::string& instances_json,
                          const std::string& source) {
  const Answer groups = Parse(groups_json, source, kGroups);
  const Answer nodes = Parse(nodes_json, source, kNodes);
  const Answer instances = Parse(instances_json, source, kInstances);
  const Answer info = Parse(info_json, source, kInfo);
  ClusterData data;

  std::map<std::string, int> group_by_uuid;
  const auto& group_list = List(groups);
  for (size_t i = 0; i < group_list.size(); ++i) {
    Record r(groups, group_list[i], "group", i);
    Group g = ParseGroup(r);
    if (!group_by_uuid.emplace(g.uuid, static_cast<int>(data.groups.size())).second) {
      r.reader().Fail("uuid", "group uuid '" + g.uuid + "' is repeated");
    }
    data.groups.push_back(std::move(g));
  }

  std::map<std::string, int> node_by_name;
  const auto& node_list = List(nodes);
  for (size_t i = 0; i < node_list.size(); ++i) {
    Record r(nodes, node_list[i], "node", i);
    if (!node_by_name.emplace(r.name(), static_cast<int>(data.nodes.size())).second) {
      r.reader().Fail("name", "node '" + r.name() + "' is repeated");
    }
    data.nodes.push_back(ParseNode(r, group_by_uuid));
  }

  std::map<std::string, int> seen_instances;
  const auto& instance_list = List(instances);
  for (size_t i = 0; i < instance_list.size(); ++i) {
    Record r(instances, instance_list[i], "instance", i);
    if (!seen_instances.emplace(r.name(), static_cast<int>(i)).second) {
      r.reader().Fail("name", "instance '" + r.name() + "' is repeated");
    }
    data.instances.push_back(ParseInstance(r, node_by_name));
  }

  FieldReader cluster(info.where, "cluster");
  const auto& o = cluster.Object(info.body, "");
  auto member = [&](const char* key) -> const json::value& {
    auto it = o.find(key);
    if (it == o.end()) cluster.Fail(key, "missing");
    return it->value();
  };
  data.cluster_tags = cluster.Strings(member("tags"), "tags");
  data.cluster_ipolicy = cluster.Policy(member("ipolicy"), "ipolicy");
  const std::string master = cluster.String(member("master"), "master");
  const std::string hypervisor =
      cluster.OneOf(member("default_hypervisor"), "default_hypervisor", kHypervisorNames);
  for (Node& n : data.nodes) n.hypervisor = hypervisor;
  auto m = node_by_name.find(master);
  if (m == node_by_name.end()) cluster.Fail("master", "master node '" + master + "' is unknown");
  data.nodes[m->second].master = true;
  return data;
}

namespace {

constexpr std::string_view kFilePrefix = "file://";

// Ganeti's readDataFile: the four answers saved as files in one directory.
ClusterData LoadRapiFiles(const std::string& url) {
  const std::string dir = url.substr(kFilePrefix.size());
  auto read = [&](const char* name) {
    const std::string path = dir + "/" + name;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      throw GenericError("failed to load data, aborting: " + path +
                         ": openFile: does not exist (No such file or directory)");
    }
    std::ostringstream body;
    body << in.rdbuf();
    return body.str();
  };
  const std::string groups = read("groups.json"), nodes = read("nodes.json"),
                    instances = read("instances.json"), info = read("info.json");
  return ParseRapiData(info, nodes, groups, instances, url);
}

}  // namespace

ClusterData LoadRapi(const std::string& host_or_url, const std::string& user,
                     const std::string& password) {
  if (host_or_url.compare(0, kFilePrefix.size(), kFilePrefix) == 0) {
    return LoadRapiFiles(host_or_url);
  }
  const RapiEndpoint endpoint = ParseRapiEndpoint(host_or_url);
  const bool explicit_credentials = !user.empty() || !password.empty();
  const std::string auth_user = explicit_credentials ? user : endpoint.user;
  const std::string auth_password = explicit_credentials ? password : endpoint.password;
  in6_addr probe6;
  std::string address = endpoint.host;
  if (inet_pton(AF_INET6, address.c_str(), &probe6) != 1) {
    address = ResolveHostOrThrow(Paths::FromEnvironment(), endpoint.host);
  }
  std::vector<net::OutgoingRequest> requests;
  for (const char* resource : {kInfo, kNodes, kGroups, kInstances}) {
    net::OutgoingRequest req;
    req.address = address;
    req.port = endpoint.port;
    req.method = "GET";
    req.target = endpoint.path_prefix + resource;
    if (!auth_user.empty() || !auth_password.empty()) {
      req.headers.emplace_back("Authorization", net::BasicAuthorization(auth_user, auth_password));
    }
    requests.push_back(std::move(req));
  }
  net::HttpsClient client("", "");  // no client certificate, server not verified
  auto results = client.RequestParallel(
      requests, std::chrono::duration_cast<std::chrono::milliseconds>(kQueryTimeout));
  const std::string source = endpoint.Url();
  for (size_t i = 0; i < results.size(); ++i) {
    const auto& res = results[i];
    const std::string where = source + requests[i].target.substr(endpoint.path_prefix.size());
    if (!res.transport_ok) {
      throw GenericError("RAPI " + where + ": cannot fetch: " + res.error);
    }
    if (res.status != 200) {
      std::string detail = res.body.substr(0, 200);
      throw GenericError("RAPI " + where + ": HTTP " + std::to_string(res.status) +
                         (detail.empty() ? "" : ": " + detail));
    }
  }
  return ParseRapiData(results[0].body, results[1].body, results[2].body, results[3].body, source);
}

}  // namespace herd::htools
