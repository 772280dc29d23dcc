// Ganeti's query filter language (qlang): a JSON tree such as
// ["&", ["=", "name", "node1"], ["!", ["?", "offline"]]].
#pragma once

#include <boost/json/value.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/errors.h"

namespace herd::query {

class Filter {
 public:
  using FieldGetter = std::function<boost::json::value(const std::string& field)>;

  // Null JSON means "no filter". Throws QueryFilterParseError on bad input.
  static Filter Parse(const boost::json::value& filter);
  bool empty() const { return !root_; }
  bool Matches(const FieldGetter& get) const;
  std::vector<std::string> ReferencedFields() const;

  struct Node;

 private:
  std::shared_ptr<const Node> root_;
};

}  // namespace herd::query
