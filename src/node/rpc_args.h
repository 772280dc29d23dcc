// Positional arguments of a node RPC, with errors naming the procedure.
#pragma once

#include <boost/json/array.hpp>
#include <string>

#include "base/errors.h"

namespace herd {

inline const boost::json::value& Arg(const boost::json::array& args, size_t i,
                                     const char* procedure) {
  if (i >= args.size()) {
    throw GenericError(std::string("RPC ") + procedure + ": missing argument " + std::to_string(i));
  }
  return args[i];
}

inline std::string StringArg(const boost::json::array& args, size_t i, const char* procedure) {
  const auto& v = Arg(args, i, procedure);
  if (!v.is_string()) {
    throw GenericError(std::string("RPC ") + procedure + ": argument " + std::to_string(i) +
                       " must be a string");
  }
  return std::string(v.get_string());
}

}  // namespace herd
