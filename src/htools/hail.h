// hail: Ganeti's iallocator plugin. Reads a request document, places or
// moves the instances it names and answers {"success", "info", "result"}.
#pragma once

#include <string>
#include <vector>

#include "htools/allocation.h"
#include "htools/cluster.h"
#include "htools/iallocator_request.h"

namespace boost::json {
class value;
}  // namespace boost::json

namespace herd::htools {

// The new instance of an allocation, as hail's parser builds it (tags,
// exclusion and desired-location tags from the cluster tags).
InstanceState NewInstanceState(const Instance& spec, const std::vector<std::string>& cluster_tags,
                               int idx);

// The group a multi-allocation names (Ganeti's isAllocationRequest): the one
// group its instances name, if they name exactly one.
std::optional<std::string> MultiAllocateGroup(const MultiAllocateRequest& request);

// Ganeti's Dedicated.isDedicated: every node that could take the instance
// has exclusive storage, so allocations minimise the lost allocations.
bool IsDedicatedCluster(const ClusterData& data, const std::optional<std::string>& group);

// Ganeti's processRequest and formatIAllocResult: the answer document for
// `request`, placements committed to `cluster`. Scores are computed as
// Ganeti computes them, to the bit, unless `options.exact_scores` is false
// and `exact` too: then each candidate is scored in constant time, and only
// candidates whose scores agree to about twelve digits may be ordered
// differently from Ganeti's hail (O(nodes) per allocation, not O(nodes²)).
std::string ProcessRequest(const IAllocatorRequest& request, Cluster& cluster,
                           const AllocOptions& options, bool exact = true);

// hail run on a request document in memory (parsed), with hail's command-line
// parameters ("--ignore-soft-errors", "--restrict-allocation-to=n1,n2"):
// the answer document. A malformed request or parameter throws
// ParameterError. `exact` as for ProcessRequest.
std::string AnswerRequest(const boost::json::value& request, const std::vector<std::string>& params,
                          bool exact);

// hail's model of a cluster kept between requests, as the master daemon
// keeps it: the cluster of one request document, every placement answered
// since committed to it (as within one multi-allocation). The caller keeps
// it only while nothing else changed the cluster.
class AllocationSession {
 public:
  // The cluster of `document` (a whole request), with hail's parameters.
  AllocationSession(const boost::json::value& document, const std::vector<std::string>& params);
  // hail's answer to an "allocate" request part on the model; a placement
  // is committed to it. False `usable()` afterwards: the model is no longer
  // that of the cluster (a failed request).
  std::string Allocate(const boost::json::value& request_part, bool exact);
  bool usable() const { return usable_; }

 private:
  IAllocatorRequest loaded_;
  Cluster cluster_;
  AllocOptions options_;
  bool usable_ = true;
};

int HailMain(int argc, char** argv);

}  // namespace herd::htools
