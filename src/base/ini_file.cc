#include "base/ini_file.h"

#include <algorithm>
#include <cctype>
#include <sstream>

#include "base/errors.h"

namespace herd {
namespace {

std::string Trimmed(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

IniFile IniFile::Parse(const std::string& text) {
  IniFile ini;
  Section* current = nullptr;
  std::pair<std::string, std::string>* last = nullptr;  // for continuation lines
  std::istringstream in(text);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    const std::string stripped = Trimmed(line);
    if (stripped.empty() || stripped[0] == '#' || stripped[0] == ';') continue;
    if ((line[0] == ' ' || line[0] == '\t') && last != nullptr) {
      last->second += "\n" + stripped;  // a value continued on an indented line
      continue;
    }
    if (stripped.front() == '[') {
      if (stripped.back() != ']') {
        throw GenericError("Malformed section header on line " + std::to_string(number));
      }
      const std::string name = stripped.substr(1, stripped.size() - 2);
      current = ini.Find(name);
      if (current == nullptr) {
        ini.sections_.push_back({name, {}});
        current = &ini.sections_.back();
      }
      last = nullptr;
      continue;
    }
    if (current == nullptr) {
      throw GenericError("Option outside of any section on line " + std::to_string(number));
    }
    const size_t sep = stripped.find_first_of("=:");
    if (sep == std::string::npos || sep == 0) {
      throw GenericError("Malformed option on line " + std::to_string(number));
    }
    const std::string key = Lower(Trimmed(stripped.substr(0, sep)));
    const std::string value = Trimmed(stripped.substr(sep + 1));
    auto& options = current->second;
    auto it = std::find_if(options.begin(), options.end(),
                           [&](const auto& kv) { return kv.first == key; });
    if (it != options.end()) {
      it->second = value;
      last = &*it;
    } else {
      options.emplace_back(key, value);
      last = &options.back();
    }
  }
  return ini;
}

std::string IniFile::Text() const {
  std::string out;
  for (const auto& [name, options] : sections_) {
    out += "[" + name + "]\n";
    for (const auto& [key, value] : options) {
      std::string v = value;
      for (size_t pos = 0; (pos = v.find('\n', pos)) != std::string::npos; pos += 2) {
        v.insert(pos + 1, "\t");  // configparser writes continuation lines indented
      }
      out += key + " = " + v + "\n";
    }
    out += "\n";
  }
  return out;
}

void IniFile::AddSection(const std::string& section) {
  if (!Find(section)) sections_.push_back({section, {}});
}

void IniFile::Set(const std::string& section, const std::string& option, const std::string& value) {
  AddSection(section);
  auto& options = Find(section)->second;
  const std::string key = Lower(option);
  for (auto& kv : options) {
    if (kv.first == key) {
      kv.second = value;
      return;
    }
  }
  options.emplace_back(key, value);
}

bool IniFile::HasSection(const std::string& section) const { return Find(section) != nullptr; }

bool IniFile::HasOption(const std::string& section, const std::string& option) const {
  return Get(section, option).has_value();
}

std::optional<std::string> IniFile::Get(const std::string& section,
                                        const std::string& option) const {
  const Section* s = Find(section);
  if (!s) return std::nullopt;
  const std::string key = Lower(option);
  for (const auto& kv : s->second) {
    if (kv.first == key) return kv.second;
  }
  return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> IniFile::Items(const std::string& section) const {
  const Section* s = Find(section);
  return s ? s->second : std::vector<std::pair<std::string, std::string>>{};
}

IniFile::Section* IniFile::Find(const std::string& section) {
  for (auto& s : sections_) {
    if (s.first == section) return &s;
  }
  return nullptr;
}

const IniFile::Section* IniFile::Find(const std::string& section) const {
  for (const auto& s : sections_) {
    if (s.first == section) return &s;
  }
  return nullptr;
}

}  // namespace herd
