#include "htools/hail.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/json/value.hpp>
#include <cstdio>
#include <iostream>
#include <iterator>

#include "base/errors.h"
#include "base/files.h"
#include "htools/cli_common.h"
#include "htools/dedicated.h"
#include "htools/evacuate.h"
#include "htools/group_allocation.h"
#include "htools/iallocator_answer.h"
#include "htools/node_table.h"

namespace herd::htools {
namespace {

constexpr const char* kExclusionTagsPrefix = "htools:iextags:";
constexpr const char* kDesiredLocationPrefix = "htools:desiredlocation:";

// Tags starting with `prefix`, without it.
std::vector<std::string> ChompPrefix(const std::vector<std::string>& tags,
                                     const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& t : tags) {
    if (t.compare(0, prefix.size(), prefix) == 0) out.push_back(t.substr(prefix.size()));
  }
  return out;
}

bool HasAnyPrefix(const std::string& tag, const std::vector<std::string>& prefixes) {
  for (const auto& p : prefixes) {
    if (tag.compare(0, p.size(), p) == 0) return true;
  }
  return false;
}

std::string ErrorText(const GanetiError& e) {
  return e.args().empty() ? std::string(e.what()) : e.args()[0];
}

std::string Join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
  return out;
}

std::vector<std::optional<std::string>> NicNetworks(const Instance& spec) {
  std::vector<std::optional<std::string>> out;
  for (const auto& nic : spec.nics) out.push_back(nic.network);
  return out;
}

std::vector<std::string> SolutionNodes(const Cluster& c, const AllocSolution& sol) {
  std::vector<std::string> names{c.nodes[sol.instance.pnode].name()};
  if (sol.instance.snode >= 0) names.push_back(c.nodes[sol.instance.snode].name());
  return names;
}

// One allocation (allocate, or an entry of multi-allocate).
LoggedAllocation Allocate(const Cluster& c, const AllocateRequest& r, const AllocOptions& options,
                          bool dedicated, const std::vector<int>* instance_keys = nullptr) {
  const InstanceState inst =
      NewInstanceState(r.instance, c.statics().cluster_tags, static_cast<int>(c.instances.size()));
  const auto networks = NicNetworks(r.instance);
  if (dedicated) {
    return r.group_name ? TryDedicatedGroupAllocation(c, *r.group_name, inst, networks,
                                                      r.required_nodes, options)
                        : TryDedicatedAllocation(c, inst, networks, r.required_nodes, options);
  }
  return r.group_name ? TryGroupAllocation(c, *r.group_name, inst, networks, r.required_nodes,
                                           options, instance_keys)
                      : TryMultiGroupAllocation(c, inst, networks, r.required_nodes, options);
}

// The cluster after a found allocation: the solution committed, the node
// list narrowed to the group when Ganeti's solution carries only its nodes.
// `keys` (when given) follow the instances: Ganeti's indices, the new
// instance's `new_key`.
void CommitLogged(Cluster& c, const LoggedAllocation& a, std::vector<int>* keys = nullptr,
                  int new_key = -1) {
  CommitAllocation(c, a.solution);
  if (keys) keys->push_back(new_key);
  if (!a.group_nodes_only) return;
  if (keys) {
    // GroupSubset keeps the instances whose primary is in the group, in order.
    std::vector<int> kept;
    for (const auto& i : c.instances) {
      if (c.nodes[i.pnode].group() == a.group) kept.push_back((*keys)[i.idx]);
    }
    *keys = std::move(kept);
  }
  c = c.GroupSubset(a.group);
}

std::string ProcessAllocate(Cluster& c, const AllocateRequest& r, AllocOptions options,
                            bool dedicated) {
  if (!options.restrict_to_nodes) options.restrict_to_nodes = r.restrict_to_nodes;
  LoggedAllocation a = Allocate(c, r, options, dedicated);
  const std::string info = Join(a.log, ", ");
  if (!a.solution.found) return FormatFailureAnswer(info);
  const auto nodes = SolutionNodes(c, a.solution);
  CommitLogged(c, a);
  return FormatAllocateAnswer(nodes, info);
}

// Ganeti's allocList, or Dedicated.runDedicatedAllocation's fold on a
// dedicated cluster. An instance that fits in no group fails the whole
// request (the exception); one that does not fit in the request's group is
// listed as failed.
std::string ProcessMultiAllocate(Cluster& c, const MultiAllocateRequest& r,
                                 const AllocOptions& options, bool dedicated) {
  // The dedicated fold places instances with a named group on the nodes of
  // the request, not on those left by the instances before them.
  const std::optional<Cluster> original = dedicated ? std::optional<Cluster>(c) : std::nullopt;
  // Ganeti's indices of the working cluster's instances, and the size of
  // its instance list (that keeps every instance, whatever nodes remain).
  std::vector<int> keys(c.instances.size());
  for (size_t i = 0; i < keys.size(); ++i) keys[i] = static_cast<int>(i);
  int instance_count = static_cast<int>(c.instances.size());
  MultiAllocateResult result;
  for (const auto& entry : r.instances) {
    const bool from_original = dedicated && entry.group_name;
    const Cluster& base = from_original ? *original : c;
    LoggedAllocation a = Allocate(base, entry, options, dedicated, &keys);
    if (!a.solution.found) {
      result.failed.push_back(entry.instance.name);
      // The dedicated fold keeps the bare description of the group's solution.
      result.failure_reasons.push_back(from_original ? a.description : Join(a.log, ", "));
      continue;
    }
    result.allocated.emplace_back(entry.instance.name, SolutionNodes(base, a.solution));
    if (from_original) {
      // Only dedicated allocations follow, which need no instance indices.
      Cluster next = *original;
      CommitLogged(next, a);
      c = std::move(next);
    } else {
      CommitLogged(c, a, &keys, instance_count);
    }
    ++instance_count;
  }
  return FormatMultiAllocateAnswer(result);
}

// Ganeti's processRelocate: one new node for one instance, through node evacuation.
std::string ProcessRelocate(Cluster& c, const RelocateRequest& r, const AllocOptions& options) {
  if (r.required_nodes != 1) {
    return FormatFailureAnswer("Exchange " + std::to_string(r.required_nodes) +
                               " nodes mode is not implemented");
  }
  const InstanceState orig = c.instances[r.instance];
  int expected;
  std::string node_type;
  EvacMode mode;
  switch (orig.Mirror()) {
    case MirrorType::kNone:
      return FormatFailureAnswer("Can't relocate non-mirrored instances");
    case MirrorType::kInternal:
      expected = orig.snode, node_type = "secondary", mode = EvacMode::kSecondaryOnly;
      break;
    default:
      expected = orig.pnode, node_type = "primary", mode = EvacMode::kPrimaryOnly;
      break;
  }
  if (r.relocate_from != std::vector<int>{expected}) {
    std::string shown;
    for (size_t i = 0; i < r.relocate_from.size(); ++i) {
      shown += (i ? "," : "") + std::to_string(r.relocate_from[i]);
    }
    return FormatFailureAnswer("Unsupported request: excluded nodes not equal to instance's " +
                               node_type + "(" + std::to_string(expected) + " versus [" + shown +
                               "])");
  }
  // A failed request leaves the cluster as it was.
  Cluster work = c;
  const EvacSolution sol = TryNodeEvac(work, mode, {r.instance}, options);
  if (!sol.failed.empty()) return FormatFailureAnswer(sol.failed.front().second);
  if (sol.moved.empty())
    return FormatFailureAnswer("Internal error: lost instance idx during move");
  c = std::move(work);
  const InstanceState& inst = c.instances[r.instance];
  const int node = orig.Mirror() == MirrorType::kInternal ? inst.snode : inst.pnode;
  return FormatRelocateAnswer({c.nodes[node].name()});
}

// Ganeti's tryAllocateSecondary: a secondary in the primary's group.
std::string ProcessAllocateSecondary(Cluster& c, const AllocateSecondaryRequest& r,
                                     const AllocOptions& options) {
  const InstanceState& orig = c.instances[r.instance];
  if (orig.snode >= 0) return FormatFailureAnswer("Instance already has a secondary");
  Cluster work = c;
  const int p = orig.pnode;
  work.nodes[p].RemovePrimary(orig);
  InstanceState inst = orig;
  inst.disk_template = "drbd";
  AllocNodes candidates;
  candidates.required = 2;
  std::vector<int> secondaries;
  for (const auto& n : work.nodes) {
    if (n.group() == work.nodes[p].group() && n.idx() != p) secondaries.push_back(n.idx());
  }
  candidates.pairs.emplace_back(p, std::move(secondaries));
  AllocOptions existing_options = options;
  existing_options.capacity_existing_instance = r.instance;
  const AllocSolution sol = TryAlloc(work, inst, candidates, existing_options);
  const std::string info = DescribeAllocSolution(work, sol);
  if (!sol.found) return FormatFailureAnswer(info);
  const std::string secondary = work.nodes[sol.instance.snode].name();
  work.instances[r.instance] = sol.instance;
  work.nodes[p] = *sol.primary;
  work.nodes[sol.instance.snode] = *sol.secondary;
  c = std::move(work);
  return FormatAllocateSecondaryAnswer(secondary, info);
}

}  // namespace

InstanceState NewInstanceState(const Instance& spec, const std::vector<std::string>& cluster_tags,
                               int idx) {
  InstanceState inst;
  inst.idx = idx;
  inst.name = inst.alias = spec.name;
  inst.mem = static_cast<int>(spec.memory);
  inst.dsk = static_cast<int>(spec.disk);
  inst.vcpus = static_cast<int>(spec.vcpus);
  // As listed: none for a diskless instance (Ganeti checks no disk against
  // the policy's disk sizes then).
  inst.disks = InstanceDisks(spec);
  inst.status = ParseInstanceStatus(spec.status);
  inst.disk_template = spec.disk_template;
  inst.spindle_use = static_cast<int>(spec.spindle_use);
  inst.tags = spec.tags;
  inst.forthcoming = spec.forthcoming;
  const auto exclusion = ChompPrefix(cluster_tags, kExclusionTagsPrefix);
  const auto desired = ChompPrefix(cluster_tags, kDesiredLocationPrefix);
  for (const auto& t : inst.tags) {
    if (HasAnyPrefix(t, exclusion)) inst.excl_tags.push_back(t);
    if (HasAnyPrefix(t, desired)) inst.desired_location_tags.insert(t);
  }
  return inst;
}

std::optional<std::string> MultiAllocateGroup(const MultiAllocateRequest& r) {
  std::vector<std::string> names;
  for (const auto& entry : r.instances) {
    if (entry.group_name &&
        std::find(names.begin(), names.end(), *entry.group_name) == names.end()) {
      names.push_back(*entry.group_name);
    }
  }
  if (names.size() == 1) return names.front();
  return std::nullopt;
}

bool IsDedicatedCluster(const ClusterData& data, const std::optional<std::string>& group) {
  for (const auto& n : data.nodes) {
    const Group& g = data.groups[n.group];
    const bool eligible = group ? g.name == *group : g.alloc_policy != "unallocable";
    if (eligible && !n.exclusive_storage) return false;
  }
  return true;
}

std::string ProcessRequest(const IAllocatorRequest& request, Cluster& cluster,
                           const AllocOptions& hail_options, bool exact) {
  AllocOptions options = hail_options;
  options.exact_scores = options.exact_scores || exact;
  // A failed request leaves the cluster as it was (hail's final node list).
  const Cluster original = cluster;
  try {
    return std::visit(
        [&](const auto& r) -> std::string {
          using T = std::decay_t<decltype(r)>;
          if constexpr (std::is_same_v<T, AllocateRequest>) {
            return ProcessAllocate(cluster, r, options,
                                   IsDedicatedCluster(request.cluster, r.group_name));
          } else if constexpr (std::is_same_v<T, MultiAllocateRequest>) {
            return ProcessMultiAllocate(cluster, r, options,
                                        IsDedicatedCluster(request.cluster, MultiAllocateGroup(r)));
          } else if constexpr (std::is_same_v<T, RelocateRequest>) {
            return ProcessRelocate(cluster, r, options);
          } else if constexpr (std::is_same_v<T, ChangeGroupRequest>) {
            return FormatEvacuationAnswer(DescribeEvacuation(
                cluster, TryChangeGroup(cluster, r.target_groups, r.instances, options)));
          } else if constexpr (std::is_same_v<T, NodeEvacuateRequest>) {
            return FormatEvacuationAnswer(
                DescribeEvacuation(cluster, TryNodeEvac(cluster, r.mode, r.instances, options)));
          } else {
            return ProcessAllocateSecondary(cluster, r, options);
          }
        },
        request.request);
  } catch (const GanetiError& e) {
    cluster = original;
    return FormatFailureAnswer(ErrorText(e));
  }
}

namespace {

struct HailOptions {
  std::optional<std::string> print_nodes;
  std::optional<std::string> save_cluster;
  std::optional<std::string> text_file;
  std::vector<std::string> simulate;
  int verbose_count = 0;
  bool ignore_dynu = false, ignore_soft_errors = false, no_capacity_checks = false;
  std::optional<std::string> restrict_to;
  std::optional<std::string> mond;
  bool mond_xen = false;
  int static_kvm_node_memory = 4096;
  std::vector<std::string> args;
};

void AddHailOptions(CLI::App& app, HailOptions& o) {
  app.add_option("-p,--print-nodes", o.print_nodes, "print the final node list [FIELDS]")
      ->expected(0, 1);
  app.add_option("-S,--save", o.save_cluster, "save cluster state to FILE");
  app.add_option("-t,--text-data", o.text_file, "the cluster data FILE");
  app.add_option("--simulate", o.simulate, "simulate an empty cluster, given as SPEC");
  app.add_flag("-v,--verbose", o.verbose_count, "increase the verbosity level");
  app.add_flag("--ignore-dynu", o.ignore_dynu, "ignore any dynamic utilisation information");
  app.add_flag("--ignore-soft-errors", o.ignore_soft_errors, "ignore soft policy restrictions");
  app.add_flag("--no-capacity-checks", o.no_capacity_checks,
               "disable capacity checks (like global N+1 redundancy)");
  app.add_option("--restrict-allocation-to", o.restrict_to,
                 "restrict allocations to the given NODE,... set");
  app.add_option("--mond", o.mond, "pass either 'yes' or 'no' to query all monDs")->expected(0, 1);
  app.add_flag("--mond-xen", o.mond_xen, "also consider xen-specific collectors");
  app.add_option("--static-kvm-node-memory", o.static_kvm_node_memory,
                 "static node memory [in MB] on KVM (0: as reported)");
  app.add_option("args", o.args, "the request file");
}

IAllocatorRequest ParseRequestText(const std::string& text, const std::string& path) {
  try {
    return ParseIAllocatorRequest(text, path);
  } catch (const GanetiError& e) {
    // Ganeti reports a malformed request without naming the file.
    std::string message = ErrorText(e);
    const std::string prefix = path + ": ";
    if (message.compare(0, prefix.size(), prefix) == 0) message.erase(0, prefix.size());
    throw ParameterError(message);
  }
}

CommonOptions CommonOptionsOf(const HailOptions& o) {
  CommonOptions common;
  common.ignore_dynu = o.ignore_dynu;
  common.static_kvm_node_memory = o.static_kvm_node_memory;
  common.verbose = 1 + o.verbose_count;
  return common;
}

AllocOptions AllocOptionsOf(const HailOptions& o) {
  AllocOptions options;
  options.ignore_soft_errors = o.ignore_soft_errors;
  options.capacity = !o.no_capacity_checks;
  if (o.restrict_to) options.restrict_to_nodes = SplitCommas(*o.restrict_to);
  return options;
}

int HailBody(int argc, char** argv) {
  HailOptions o;
  CLI::App app{"hail: Ganeti's iallocator plugin", "hail"};
  AddHailOptions(app, o);
  // Ganeti's -p takes its fields attached (-pname,fmem): a bare -p is
  // followed by the request file, not by fields.
  std::vector<std::string> args;
  for (int i = argc - 1; i >= 1; --i) {
    const std::string a = argv[i];
    if (a == "-p" || a == "--print-nodes") {
      o.print_nodes = "";
    } else if (a.rfind("--print-nodes=", 0) == 0) {
      o.print_nodes = a.substr(14);
    } else if (a.size() > 2 && a.rfind("-p", 0) == 0) {
      o.print_nodes = a.substr(2);
    } else {
      args.push_back(a);
    }
  }
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    throw ExitRequest{app.exit(e)};
  }
  if (o.args.empty()) throw ParameterError("This program needs an input file.");
  if (o.args.size() > 1) throw ParameterError("Only one argument is accepted (the input file)");
  const std::string& path = o.args[0];

  IAllocatorRequest request = ParseRequestText(
      path == "-" ? std::string(std::istreambuf_iterator<char>(std::cin), {}) : ReadFile(path),
      path);
  CommonOptions common = CommonOptionsOf(o);
  if (o.text_file || !o.simulate.empty()) {
    // The request's type, a cluster from elsewhere.
    if (!o.simulate.empty()) throw ParameterError("--simulate is not supported by this hail");
    common.text_file = o.text_file;
    request.cluster = LoadClusterData(common);
  }
  Cluster cluster = BuildCluster(common, request.cluster);

  if (common.verbose > 1) {
    std::cerr << "Received request: " << RequestTypeName(request.request) << "\n";
  }
  const auto node_fields = o.print_nodes ? SplitCommas(*o.print_nodes) : std::vector<std::string>{};
  auto maybe_print_nodes = [&](const std::string& msg, const Cluster& c) {
    if (!o.print_nodes) return;
    std::fflush(stdout);
    std::cerr << "\n" << msg << " status:\n" << PrintNodes(c, node_fields) << "\n";
  };
  maybe_print_nodes("Initial cluster", cluster);
  std::cout << ProcessRequest(request, cluster, AllocOptionsOf(o)) << std::endl;
  maybe_print_nodes("Final cluster", cluster);
  return 0;
}

}  // namespace

int HailMain(int argc, char** argv) { return RunProgram(argc, argv, HailBody); }

namespace {
// hail's parameters given to an allocator run in process.
HailOptions InProcessOptions(const std::vector<std::string>& params) {
  HailOptions o;
  CLI::App app{"hail", "hail"};
  AddHailOptions(app, o);
  std::vector<std::string> args(params.rbegin(), params.rend());  // CLI11 takes them reversed
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    throw ParameterError("hail: " + std::string(e.what()));
  }
  if (o.print_nodes || o.save_cluster || o.text_file || !o.simulate.empty() || !o.args.empty()) {
    throw ParameterError("hail: only allocation parameters can be given to an allocation");
  }
  return o;
}
}  // namespace

std::string AnswerRequest(const boost::json::value& request_document,
                          const std::vector<std::string>& params, bool exact) {
  const HailOptions o = InProcessOptions(params);
  IAllocatorRequest request = ParseIAllocatorRequest(request_document, "request");
  Cluster cluster = BuildCluster(CommonOptionsOf(o), request.cluster);
  return ProcessRequest(request, cluster, AllocOptionsOf(o), exact);
}

AllocationSession::AllocationSession(const boost::json::value& document,
                                     const std::vector<std::string>& params) {
  const HailOptions o = InProcessOptions(params);
  loaded_ = ParseIAllocatorRequest(document, "request");
  cluster_ = BuildCluster(CommonOptionsOf(o), loaded_.cluster);
  options_ = AllocOptionsOf(o);
  // The model has its own copy of the instances, and an allocation request
  // names nodes and groups only: at 10,000 instances the list would hold
  // megabytes for the daemon's life.
  std::vector<Instance>().swap(loaded_.cluster.instances);
}

std::string AllocationSession::Allocate(const boost::json::value& request_part, bool exact) {
  const auto request = ParseRequestPart(request_part, loaded_.cluster, "request");
  const auto* allocate = std::get_if<AllocateRequest>(&request);
  if (!allocate) throw ParameterError("hail: a kept cluster model answers allocations only");
  AllocOptions options = options_;
  options.exact_scores = exact;
  try {
    return ProcessAllocate(cluster_, *allocate, options,
                           IsDedicatedCluster(loaded_.cluster, allocate->group_name));
  } catch (const GanetiError& e) {
    usable_ = false;  // the placement may be half made
    return FormatFailureAnswer(ErrorText(e));
  }
}

}  // namespace herd::htools
