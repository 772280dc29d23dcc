#include "cli/key_values.h"

#include "base/errors.h"
#include "base/json.h"

namespace herd::cli {

json::object ParseKeyValues(const std::string& text, const std::string& option) {
  json::object out;
  if (text.empty()) return out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string item =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (item.empty()) {
      throw ParameterError("Empty element in '" + text + "' of option " + option);
    }
    auto eq = item.find('=');
    if (eq != std::string::npos) {
      out[item.substr(0, eq)] = item.substr(eq + 1);
    } else if (item.rfind("no_", 0) == 0) {
      out[item.substr(3)] = false;
    } else if (item[0] == '-') {
      out[item.substr(1)] = nullptr;  // reset to default
    } else {
      out[item] = true;
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::pair<int, json::object> ParseIndexedKeyValues(const std::string& text,
                                                   const std::string& option) {
  auto colon = text.find(':');
  std::string index = text.substr(0, colon);
  int idx = 0;
  try {
    size_t used = 0;
    idx = std::stoi(index, &used);
    if (used != index.size() || idx < 0) throw std::invalid_argument(index);
  } catch (const std::exception&) {
    throw ParameterError("Invalid index '" + index + "' in option " + option +
                         " (expected N:key=value,...)");
  }
  return {idx, colon == std::string::npos ? json::object()
                                          : ParseKeyValues(text.substr(colon + 1), option)};
}

std::pair<std::string, json::object> ParseNamedKeyValues(const std::string& text,
                                                         const std::string& option) {
  auto colon = text.find(':');
  std::string name = text.substr(0, colon);
  if (name.empty()) throw ParameterError("Missing name in option " + option);
  return {name, colon == std::string::npos ? json::object()
                                           : ParseKeyValues(text.substr(colon + 1), option)};
}

}  // namespace herd::cli
