// JSON values as Python prints them (repr and str): Ganeti's messages and
// CLI output show parameter dictionaries and values this way.
#pragma once

#include <boost/json/fwd.hpp>
#include <string>

namespace herd {

// repr(): {'a': True, 'b': 'x', 'c': 1.0, 'd': None}
std::string PythonRepr(const boost::json::value& value);
// str(): a string as it is, anything else as repr().
std::string PythonStr(const boost::json::value& value);

}  // namespace herd
