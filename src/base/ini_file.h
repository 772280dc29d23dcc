// INI text as Python's configparser reads and writes it (Ganeti keeps an
// export's config.ini in this format): "[section]" headers, "key = value"
// lines, option names lower-cased, sections and options in written order.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace herd {

class IniFile {
 public:
  // Throws GenericError naming the line at fault.
  static IniFile Parse(const std::string& text);
  std::string Text() const;

  void AddSection(const std::string& section);
  // Sets an option (the section is added if missing).
  void Set(const std::string& section, const std::string& option, const std::string& value);

  bool HasSection(const std::string& section) const;
  bool HasOption(const std::string& section, const std::string& option) const;
  std::optional<std::string> Get(const std::string& section, const std::string& option) const;
  // The options of a section, in order; empty if the section is missing.
  std::vector<std::pair<std::string, std::string>> Items(const std::string& section) const;

 private:
  using Section = std::pair<std::string, std::vector<std::pair<std::string, std::string>>>;
  Section* Find(const std::string& section);
  const Section* Find(const std::string& section) const;
  std::vector<Section> sections_;
};

}  // namespace herd
