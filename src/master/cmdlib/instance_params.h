// Checking and normalising the parameter dictionaries opcodes carry
// (backend, hypervisor and NIC parameters), with Ganeti's errors.
#pragma once

#include <boost/json/object.hpp>
#include <string>

namespace herd::master {

// Backend parameters: known keys only, typed values; "memory" sets both
// maxmem and minmem (Ganeti's upgrade of the old name).
boost::json::object CheckedBeParams(const boost::json::object& given);
// Hypervisor parameters: only the hypervisor's own keys.
boost::json::object CheckedHvParams(const std::string& hypervisor,
                                    const boost::json::object& given);
// A size in MiB from a number or a string with a unit ("512", "1G", "2048M").
int64_t ParseSizeMib(const boost::json::value& v, const std::string& what);

}  // namespace herd::master
