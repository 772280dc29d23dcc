// Reading the JSON that Ganeti's RAPI and LUXI backends read, with Ganeti's
// conversions (numbers, enums, instance policies) and errors that name the
// source, the object and the field at fault.
#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "htools/cluster_model.h"

namespace herd::htools {

// Names of Ganeti's enumerations, as htools accept them.
extern const std::vector<std::string> kInstanceStatusNames;
extern const std::vector<std::string> kDiskTemplateNames;
extern const std::vector<std::string> kAllocPolicyNames;
extern const std::vector<std::string> kHypervisorNames;

// The node group uuid a node without one belongs to (Ganeti's defaultGroupID).
inline constexpr const char* kDefaultGroupUuid = "00000000-0000-0000-0000-000000000000";

// Converts the fields of one object ("node 'node1'") read from `source`.
class FieldReader {
 public:
  FieldReader(std::string source, std::string object)
      : source_(std::move(source)), object_(std::move(object)) {}

  [[noreturn]] void Fail(std::string_view field, const std::string& message) const;

  std::string String(const boost::json::value& v, std::string_view field) const;
  // Integers accept any JSON number, rounded as Ganeti's JSON library does.
  int64_t Int(const boost::json::value& v, std::string_view field) const;
  double Number(const boost::json::value& v, std::string_view field) const;
  bool Bool(const boost::json::value& v, std::string_view field) const;
  std::vector<std::string> Strings(const boost::json::value& v, std::string_view field) const;
  std::vector<int64_t> Ints(const boost::json::value& v, std::string_view field) const;
  // A list whose null items are absent values (disk spindles).
  std::vector<std::optional<int64_t>> OptionalInts(const boost::json::value& v,
                                                   std::string_view field) const;
  std::string OneOf(const boost::json::value& v, std::string_view field,
                    const std::vector<std::string>& allowed) const;
  const boost::json::object& Object(const boost::json::value& v, std::string_view field) const;
  // A full instance policy as Ganeti serialises it (minmax, std, disk-templates, ratios).
  IPolicy Policy(const boost::json::value& v, std::string_view field) const;

 private:
  ISpec Spec(const boost::json::value& v, const std::string& field) const;
  std::string source_, object_;
};

// htools' total spindles of an instance: the sum over its disks (the sizes and
// spindles lists paired up), absent if any disk's spindles are unknown.
std::optional<int64_t> SumDiskSpindles(const std::vector<int64_t>& sizes,
                                       const std::vector<std::optional<int64_t>>& spindles);

}  // namespace herd::htools
