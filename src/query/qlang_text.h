// Ganeti's query language in its text form, as typed after `-F` or as a
// command's only argument: `pnode == "node2" and not admin_state`,
// `name =~ m/^web/i`, `"tag" in tags`, `name =* "db*"`. Parsed into the JSON
// filter tree that Query takes (see filter.h).
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace herd::query {

// Throws QueryFilterParseError naming the position and what was expected.
boost::json::value ParseFilterText(std::string_view text);

// Ganeti's MakeFilter: a single argument that looks like a filter (or any
// argument with `force_filter`) is parsed as one; otherwise the arguments
// are names ("=" on `name_field`, globs like "web*" as regular expressions),
// OR-ed together. No arguments: null (no filter).
boost::json::value MakeFilter(const std::vector<std::string>& args, bool force_filter,
                              const std::string& name_field = "name", bool numeric = false);

// Ganeti's DnsNameGlobPattern: "*.site" -> "^[^.]*\.site(\..*)?$".
std::string GlobToRegex(std::string_view pattern);

}  // namespace herd::query
