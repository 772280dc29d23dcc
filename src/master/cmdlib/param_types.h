// Ganeti's typed parameter dictionaries: values checked and converted as
// utils.ForceDictType does, updates applied as GetUpdatedParams and
// GetUpdatedIPolicy apply them ("default" takes a custom value back).
#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <map>
#include <string>

namespace herd::master {

enum class ParamType { kString, kMaybeString, kBool, kSize, kInt, kFloat };
using ParamTypes = std::map<std::string, ParamType, std::less<>>;

const ParamTypes& NodeParamTypes();  // NDS_PARAMETER_TYPES
const ParamTypes& DiskParamTypes();  // DISK_DT_TYPES

// `params` with every value converted to its type; an unknown key or a value
// that does not convert is Ganeti's TypeEnforcementError.
boost::json::object ForceParamTypes(const boost::json::object& params, const ParamTypes& types);

// `current` with `changes` applied: a "default" value removes the key.
boost::json::object UpdatedParams(const boost::json::object& current,
                                  const boost::json::object& changes);

// A group's custom instance policy with `changes` applied (a group policy:
// no "std" specs, and an empty or "default" value removes the key).
boost::json::object UpdatedGroupIPolicy(const boost::json::object& current,
                                        const boost::json::object& changes);

// The cluster's (group_policy false) or a group's instance policy with
// `changes` applied, as Ganeti's GetUpdatedIPolicy: the cluster's keys can be
// changed but not unset, and only it has "std" specs.
boost::json::object UpdatedIPolicy(const boost::json::object& current,
                                   const boost::json::object& changes, bool group_policy);

// Per disk template custom parameters, each template's updated as
// UpdatedParams does and typed.
boost::json::object UpdatedDiskParams(const boost::json::object& current,
                                      const boost::json::object& changes);

// An opcode's dictionary parameter; absent or null gives an empty one.
boost::json::object DictParam(const boost::json::object& op, const char* name);

}  // namespace herd::master
