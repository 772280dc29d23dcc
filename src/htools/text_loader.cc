#include "htools/text_loader.h"

#include <algorithm>
#include <cstdlib>
#include <sstream>

#include "base/errors.h"
#include "base/files.h"

namespace herd::htools {
namespace {

const std::vector<std::string> kInstanceStatuses{
    "running",        "ERROR_up",   "ERROR_down",    "ERROR_wrongnode", "ERROR_nodeoffline",
    "ERROR_nodedown", "ADMIN_down", "ADMIN_offline", "USER_down"};
const std::vector<std::string> kDiskTemplates{"blockdev", "diskless", "drbd", "ext",       "file",
                                              "gluster",  "plain",    "rbd",  "sharedfile"};
const std::vector<std::string> kAllocPolicies{"preferred", "last_resort", "unallocable"};

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::vector<std::string> Split(const std::string& text, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t pos = text.find(sep, start);
    out.push_back(text.substr(start, pos == std::string::npos ? std::string::npos : pos - start));
    if (pos == std::string::npos) return out;
    start = pos + 1;
  }
}

std::vector<std::string> CommaList(const std::string& text) {
  if (text.empty()) return {};
  return Split(text, ',');
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// Where a value came from, for error messages: file, line and field.
class Line {
 public:
  Line(const std::string& source, size_t number, std::string kind, const std::string& text)
      : source_(source), number_(number), kind_(std::move(kind)), fields_(Split(text, '|')) {}

  const std::vector<std::string>& fields() const { return fields_; }
  size_t size() const { return fields_.size(); }
  // Field `i` (named `what`), or `fallback` for an absent optional field.
  std::string Get(size_t i, const std::string& fallback = "") const {
    return i < fields_.size() ? fields_[i] : fallback;
  }

  [[noreturn]] void Fail(const std::string& field, const std::string& message) const {
    throw ParameterError(source_ + ":" + std::to_string(number_) + ": " + kind_ +
                         (field.empty() ? "" : ", field '" + field + "'") + ": " + message);
  }

  void NeedFields(size_t minimum, const std::string& layout) const {
    if (fields_.size() < minimum) {
      Fail("", "has " + std::to_string(fields_.size()) + " fields, needs at least " +
                   std::to_string(minimum) + " (" + layout + ")");
    }
  }

  double Number(size_t i, const std::string& field) const {
    const std::string text = Get(i);
    char* end = nullptr;
    double v = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size()) {
      Fail(field, "'" + text + "' is not a number");
    }
    return v;
  }

  int64_t Integer(size_t i, const std::string& field) const {
    const std::string text = Get(i);
    char* end = nullptr;
    long long v = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || end != text.c_str() + text.size()) {
      Fail(field, "'" + text + "' is not an integer");
    }
    return v;
  }

  bool YesNo(size_t i, const std::string& field) const {
    const std::string text = Get(i);
    if (text == "Y") return true;
    if (text == "N") return false;
    Fail(field, "'" + text + "' is neither Y nor N");
  }

  std::string OneOf(size_t i, const std::string& field,
                    const std::vector<std::string>& allowed) const {
    const std::string text = Get(i);
    if (!Contains(allowed, text)) Fail(field, "'" + text + "' is not one of " + Join(allowed));
    return text;
  }

 private:
  const std::string& source_;
  size_t number_;
  std::string kind_;
  std::vector<std::string> fields_;
};

struct Section {
  std::vector<std::pair<size_t, std::string>> lines;  // line number, text
};

std::vector<Section> Sections(const std::string& text) {
  std::vector<Section> sections(1);
  std::istringstream in(text);
  std::string line;
  size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {
      sections.emplace_back();
    } else {
      sections.back().lines.emplace_back(number, line);
    }
  }
  return sections;
}

ISpec ParseISpec(const Line& l, const std::string& field, const std::string& text) {
  auto parts = CommaList(text);
  if (parts.size() < 6) {
    l.Fail(field, "'" + text + "' needs 6 values: memory,cpus,disk size,disks,nics,spindles");
  }
  auto number = [&](size_t i, const char* name) {
    char* end = nullptr;
    long long v = std::strtoll(parts[i].c_str(), &end, 10);
    if (parts[i].empty() || end != parts[i].c_str() + parts[i].size()) {
      l.Fail(field, std::string(name) + " '" + parts[i] + "' is not an integer");
    }
    return static_cast<int64_t>(v);
  };
  return ISpec{number(0, "memory size"), number(1, "cpu count"), number(2, "disk size"),
               number(3, "disk count"),  number(4, "nic count"), number(5, "spindle use")};
}

}  // namespace

ClusterData ParseTextData(const std::string& text, const std::string& source) {
  auto sections = Sections(text);
  if (sections.size() < 4) {
    throw ParameterError(source + ": invalid format: " + std::to_string(sections.size()) +
                         " sections instead of 4 or more (groups, nodes, instances, tags)");
  }
  ClusterData data;
  for (const auto& [number, text_line] : sections[0].lines) {
    Line l(source, number, "group", text_line);
    l.NeedFields(4, "name|uuid|alloc_policy|tags[|networks]");
    Group g;
    g.name = l.Get(0);
    g.uuid = l.Get(1);
    g.alloc_policy = l.OneOf(2, "alloc_policy", kAllocPolicies);
    g.tags = CommaList(l.Get(3));
    g.networks = CommaList(l.Get(4));
    if (data.FindGroup(g.uuid) >= 0) l.Fail("uuid", "group uuid '" + g.uuid + "' is repeated");
    data.groups.push_back(std::move(g));
  }
  for (const auto& [number, text_line] : sections[1].lines) {
    Line l(source, number, "node", text_line);
    l.NeedFields(9, "name|mem_total|mem_node|mem_free|disk_total|disk_free|cpus|flag|group");
    Node n;
    n.name = l.Get(0);
    if (data.FindNode(n.name) >= 0) l.Fail("name", "node '" + n.name + "' is repeated");
    n.group = data.FindGroup(l.Get(8));
    if (n.group < 0) l.Fail("group", "unknown group '" + l.Get(8) + "'");
    const std::string flag = l.Get(7);
    bool unknown_resources = false;
    for (size_t i = 1; i <= 6; ++i) unknown_resources = unknown_resources || l.Get(i) == "?";
    if (unknown_resources) {
      n.offline = true;  // Ganeti: a node whose resources are unknown is offline
    } else {
      n.total_memory = l.Number(1, "mem_total");
      n.node_memory = l.Number(2, "mem_node");
      n.free_memory = l.Number(3, "mem_free");
      n.total_disk = l.Number(4, "disk_total");
      n.free_disk = l.Number(5, "disk_free");
      n.total_cpus = l.Number(6, "cpus");
      n.offline = flag == "Y";
      n.master = flag == "M";
      n.spindles = l.size() > 9 ? l.Integer(9, "spindles") : 1;
      n.tags = CommaList(l.Get(10));
      if (l.size() > 11) n.exclusive_storage = l.YesNo(11, "exclusive_storage");
      n.free_spindles = l.size() > 12 ? l.Integer(12, "free_spindles") : 0;
      n.node_cpus = l.size() > 13 ? l.Number(13, "node_cpus") : 1;
      n.cpu_speed = l.size() > 14 ? l.Number(14, "cpu_speed") : 1.0;
    }
    if (flag != "Y" && flag != "N" && flag != "M") {
      l.Fail("flag", "'" + flag + "' is not Y (offline), N (online) or M (master)");
    }
    data.nodes.push_back(std::move(n));
  }
  for (const auto& [number, text_line] : sections[2].lines) {
    Line l(source, number, "instance", text_line);
    l.NeedFields(10, "name|mem|disk|vcpus|status|auto_balance|pnode|snode|disk_template|tags");
    Instance inst;
    inst.name = l.Get(0);
    inst.memory = l.Integer(1, "memory");
    inst.disk = l.Integer(2, "disk");
    inst.vcpus = l.Integer(3, "vcpus");
    inst.status = l.OneOf(4, "status", kInstanceStatuses);
    inst.auto_balance = l.YesNo(5, "auto_balance");
    inst.primary = data.FindNode(l.Get(6));
    if (inst.primary < 0) l.Fail("pnode", "unknown node '" + l.Get(6) + "'");
    if (!l.Get(7).empty()) {
      inst.secondary = data.FindNode(l.Get(7));
      if (inst.secondary < 0) l.Fail("snode", "unknown node '" + l.Get(7) + "'");
      if (inst.secondary == inst.primary) {
        l.Fail("snode", "same primary and secondary node '" + l.Get(7) + "'");
      }
    }
    inst.disk_template = l.OneOf(8, "disk_template", kDiskTemplates);
    inst.tags = CommaList(l.Get(9));
    inst.spindle_use = l.size() > 10 ? l.Integer(10, "spindle_use") : 1;
    if (l.size() > 11 && l.Get(11) != "-") inst.spindles = l.Integer(11, "spindles");
    if (l.size() > 12) inst.forthcoming = l.YesNo(12, "forthcoming");
    data.instances.push_back(std::move(inst));
  }
  for (const auto& [number, text_line] : sections[3].lines) data.cluster_tags.push_back(text_line);
  if (sections.size() > 4) {
    for (const auto& [number, text_line] : sections[4].lines) {
      Line l(source, number, "ipolicy", text_line);
      l.NeedFields(6, "owner|std spec|min/max specs|disk templates|vcpu ratio|spindle ratio");
      IPolicy p;
      p.std_spec = ParseISpec(l, "std_spec", l.Get(1));
      auto specs = Split(l.Get(2), ';');
      if (specs.size() % 2 != 0) l.Fail("minmax_specs", "odd number of min/max specs");
      for (size_t i = 0; i + 1 < specs.size(); i += 2) {
        p.minmax.push_back(
            {ParseISpec(l, "min_spec", specs[i]), ParseISpec(l, "max_spec", specs[i + 1])});
      }
      p.disk_templates = CommaList(l.Get(3));
      for (const auto& dt : p.disk_templates) {
        if (!Contains(kDiskTemplates, dt)) {
          l.Fail("disk_templates", "'" + dt + "' is not one of " + Join(kDiskTemplates));
        }
      }
      p.vcpu_ratio = l.Number(4, "vcpu_ratio");
      p.spindle_ratio = l.Number(5, "spindle_ratio");
      const std::string owner = l.Get(0);
      if (owner.empty()) {
        data.cluster_ipolicy = p;
      } else {
        int g = data.FindGroup(owner);
        if (g < 0) l.Fail("owner", "unknown group '" + owner + "'");
        data.groups[g].ipolicy = p;
      }
    }
  }
  return data;
}

ClusterData LoadTextFile(const std::string& path) { return ParseTextData(ReadFile(path), path); }

}  // namespace herd::htools
