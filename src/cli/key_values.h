// Ganeti's "key=value,key=value" option syntax (-B, -H, -O, --disk, --net).
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <utility>

namespace herd::cli {

// "a=1,b=2" -> {"a": "1", "b": "2"}; "no_x" / "-x" set x to false and a bare
// "x" to true, as Ganeti's option parser does. Throws ParameterError.
boost::json::object ParseKeyValues(const std::string& text, const std::string& option);
// "IDX:key=val,..." (--disk, --net) -> (IDX, {key: val}).
std::pair<int, boost::json::object> ParseIndexedKeyValues(const std::string& text,
                                                          const std::string& option);
// "name:key=val,..." (-H) -> (name, {key: val}).
std::pair<std::string, boost::json::object> ParseNamedKeyValues(const std::string& text,
                                                                const std::string& option);

}  // namespace herd::cli
