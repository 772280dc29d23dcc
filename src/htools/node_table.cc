#include "htools/node_table.h"

#include <cstdio>
#include <cstdlib>
#include <map>

#include "base/errors.h"
#include "htools/haskell_show.h"
#include "htools/table.h"

namespace herd::htools {
namespace {

const std::vector<std::string> kDefaultFields{
    "status", "name", "tmem", "nmem", "imem",  "xmem",  "fmem", "umem",  "rmem",  "tdsk",  "fdsk",
    "tcpu",   "ucpu", "pcnt", "scnt", "pfmem", "pfdsk", "rcpu", "cload", "mload", "dload", "nload"};

struct FieldHeader {
  const char* header;
  bool numeric;
};

const std::map<std::string, FieldHeader>& Headers() {
  static const std::map<std::string, FieldHeader> kHeaders{
      {"idx", {"Index", true}},
      {"name", {"Name", false}},
      {"fqdn", {"Name", false}},
      {"status", {"F", false}},
      {"tmem", {"t_mem", true}},
      {"nmem", {"n_mem", true}},
      {"xmem", {"x_mem", true}},
      {"fmem", {"f_mem", true}},
      {"umem", {"u_mem", true}},
      {"amem", {"a_mem", true}},
      {"imem", {"i_mem", true}},
      {"rmem", {"r_mem", true}},
      {"tdsk", {"t_dsk", true}},
      {"fdsk", {"f_dsk", true}},
      {"tcpu", {"pcpu", true}},
      {"ucpu", {"vcpu", true}},
      {"pcnt", {"pcnt", true}},
      {"scnt", {"scnt", true}},
      {"plist", {"primaries", true}},
      {"slist", {"secondaries", true}},
      {"pfmem", {"p_fmem", true}},
      {"pfdsk", {"p_fdsk", true}},
      {"rcpu", {"r_cpu", true}},
      {"cload", {"lCpu", true}},
      {"mload", {"lMem", true}},
      {"dload", {"lDsk", true}},
      {"nload", {"lNet", true}},
      {"ptags", {"PrimaryTags", false}},
      {"peermap", {"PeerMap", false}},
      {"spindle_count", {"NodeSpindles", true}},
      {"hi_spindles", {"MaxSpindles", true}},
      {"inst_spindles", {"InstSpindles", true}},
  };
  return kHeaders;
}

// printf "%W.Pf" as Haskell's Text.Printf: its rounding, its non-finite
// values, right-aligned in the width.
std::string Format(const char* fmt, double v) {
  char* rest = nullptr;
  const long width = std::strtol(fmt + 1, &rest, 10);
  const int decimals = static_cast<int>(std::strtol(rest + 1, nullptr, 10));
  std::string text = HaskellPrintfFixed(v, decimals);
  if (static_cast<long>(text.size()) < width) text.insert(0, width - text.size(), ' ');
  return text;
}
std::string Format(const char* fmt, int v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

// Haskell's show for a list of ints and for a Double.
std::string ShowList(const std::vector<int>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? "," : "") + std::to_string(v[i]);
  return out + "]";
}

std::string Field(const NodeState& n, const std::string& field, const std::vector<int>& plist,
                  const std::vector<int>& slist) {
  const auto& load = n.util_load();
  if (field == "idx") return Format("%4d", n.idx());
  if (field == "name") return n.fixed().alias;
  if (field == "fqdn") return n.name();
  if (field == "status") return n.offline() ? "-" : n.fail_n1() ? "*" : " ";
  if (field == "tmem") return Format("%5.0f", n.t_mem());
  if (field == "nmem") return Format("%5d", n.n_mem());
  if (field == "xmem") return Format("%5d", n.x_mem());
  if (field == "fmem") return Format("%5d", n.f_mem());
  if (field == "umem") return Format("%5d", n.UnallocatedMem());
  if (field == "imem") return Format("%5d", n.i_mem());
  if (field == "rmem") return Format("%5d", n.r_mem());
  if (field == "amem") return Format("%5d", n.AvailMem());
  if (field == "tdsk") return Format("%5.0f", n.t_dsk() / 1024);
  if (field == "fdsk") return Format("%5d", n.f_dsk() / 1024);
  if (field == "tcpu") return Format("%4.0f", n.t_cpu());
  if (field == "ucpu") return Format("%4d", n.u_cpu());
  if (field == "pcnt") return Format("%3d", n.primary_count());
  if (field == "scnt") return Format("%3d", n.secondary_count());
  if (field == "plist") return ShowList(plist);
  if (field == "slist") return ShowList(slist);
  if (field == "pfmem") return Format("%6.4f", n.p_mem());
  if (field == "pfdsk") return Format("%6.4f", n.p_dsk());
  if (field == "rcpu") return Format("%5.2f", n.p_cpu());
  if (field == "cload") return Format("%5.3f", load.cpu);
  if (field == "mload") return Format("%5.3f", load.mem);
  if (field == "dload") return Format("%5.3f", load.dsk);
  if (field == "nload") return Format("%5.3f", load.net);
  if (field == "ptags") {
    std::string out;
    for (const auto& [tag, count] : n.primary_tags()) {
      out += (out.empty() ? "" : ",") + tag + "=" + std::to_string(count);
    }
    return out;
  }
  if (field == "peermap") {
    std::string out = "[";
    bool first = true;
    for (const auto& [pnode, mem] : n.peers()) {
      out += (first ? "" : ",") + ("(" + std::to_string(pnode) + "," + std::to_string(mem) + ")");
      first = false;
    }
    return out + "]";
  }
  if (field == "spindle_count") return std::to_string(n.t_spindles());
  if (field == "hi_spindles") return HaskellShowDouble(n.hi_spindles());
  if (field == "inst_spindles") return HaskellShowDouble(n.inst_spindles());
  throw ParameterError("Unknown field '" + field + "'");
}

}  // namespace

std::string PrintNodes(const Cluster& cluster, const std::vector<std::string>& requested) {
  std::vector<std::string> fields = requested;
  if (fields.empty()) {
    fields = kDefaultFields;
  } else if (fields[0] == "+") {
    fields = kDefaultFields;
    fields.insert(fields.end(), requested.begin() + 1, requested.end());
  }
  std::vector<std::string> header;
  std::vector<bool> numeric;
  for (const auto& f : fields) {
    auto it = Headers().find(f);
    if (it == Headers().end()) throw ParameterError("Unknown field '" + f + "'");
    header.push_back(it->second.header);
    numeric.push_back(it->second.numeric);
  }
  const auto pl = cluster.PrimaryLists(), sl = cluster.SecondaryLists();
  std::vector<std::vector<std::string>> rows;
  for (const auto& n : cluster.nodes) {
    std::vector<std::string> row;
    for (const auto& f : fields) row.push_back(Field(n, f, pl[n.idx()], sl[n.idx()]));
    rows.push_back(std::move(row));
  }
  return PrintTable("", header, rows, numeric);
}

std::string PrintInstances(const Cluster& cluster) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& inst : cluster.instances) {
    const auto& p = cluster.nodes[inst.pnode];
    rows.push_back({inst.IsRunning() ? "R" : " ", inst.name, p.fixed().alias,
                    inst.snode >= 0 ? cluster.nodes[inst.snode].fixed().alias : "",
                    inst.auto_balance ? "Y" : "N", Format("%3d", inst.vcpus),
                    Format("%5d", inst.mem), Format("%5d", inst.dsk / 1024),
                    Format("%5.3f", inst.util.cpu), Format("%5.3f", inst.util.mem),
                    Format("%5.3f", inst.util.dsk), Format("%5.3f", inst.util.net)});
  }
  return PrintTable("",
                    {"F", "Name", "Pri_node", "Sec_node", "Auto_bal", "vcpu", "mem", "dsk", "lCpu",
                     "lMem", "lDsk", "lNet"},
                    rows,
                    {false, false, false, false, false, true, true, true, true, true, true, true});
}

}  // namespace herd::htools
