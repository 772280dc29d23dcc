#include "htools/haskell_show.h"

#include <charconv>
#include <cmath>
#include <map>

namespace herd::htools {
namespace {

// The shortest decimal digits of |x| that read back as x, and the exponent
// k with |x| = 0.DIGITS * 10^k (Haskell's floatToDigits).
std::pair<std::string, int> ShortestDigits(double x) {
  if (x == 0) return {"0", 0};
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, std::abs(x), std::chars_format::scientific);
  std::string text(buf, end);
  const auto e = text.find('e');
  std::string digits;
  for (char c : text.substr(0, e)) {
    if (c != '.') digits += c;
  }
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  return {digits, std::stoi(text.substr(e + 1)) + 1};
}

std::string Fixed(const std::string& digits, int k) {
  if (k <= 0) return "0." + std::string(-k, '0') + digits;
  std::string whole = digits.substr(0, std::min<size_t>(k, digits.size()));
  if (static_cast<int>(whole.size()) < k) whole += std::string(k - whole.size(), '0');
  std::string fraction = static_cast<int>(digits.size()) > k ? digits.substr(k) : "0";
  return whole + "." + fraction;
}

std::string ShowISpec(const ISpec& s) {
  return "ISpec {iSpecMemorySize = " + std::to_string(s.memory_size) +
         ", iSpecCpuCount = " + std::to_string(s.cpu_count) +
         ", iSpecDiskSize = " + std::to_string(s.disk_size) +
         ", iSpecDiskCount = " + std::to_string(s.disk_count) +
         ", iSpecNicCount = " + std::to_string(s.nic_count) +
         ", iSpecSpindleUse = " + std::to_string(s.spindle_use) + "}";
}

// Ganeti's DiskTemplate constructors.
std::string ShowDiskTemplate(const std::string& name) {
  static const std::map<std::string, std::string> kNames{
      {"diskless", "DTDiskless"}, {"file", "DTFile"},      {"sharedfile", "DTSharedFile"},
      {"plain", "DTPlain"},       {"blockdev", "DTBlock"}, {"drbd", "DTDrbd8"},
      {"rbd", "DTRbd"},           {"ext", "DTExt"},        {"gluster", "DTGluster"}};
  auto it = kNames.find(name);
  return it == kNames.end() ? name : it->second;
}

}  // namespace

std::string HaskellShowDouble(double x) {
  const auto [digits, k] = ShortestDigits(x);
  const std::string sign = std::signbit(x) && x != 0 ? "-" : "";
  if (x != 0 && (k < 0 || k > 7)) {
    const std::string rest = digits.size() > 1 ? digits.substr(1) : "0";
    return sign + digits.substr(0, 1) + "." + rest + "e" + std::to_string(k - 1);
  }
  return sign + Fixed(digits, k);
}

std::string HaskellFixedDouble(double x) {
  const auto [digits, k] = ShortestDigits(x);
  return (std::signbit(x) && x != 0 ? "-" : "") + Fixed(digits, k);
}

namespace {

// GHC's roundTo in base 10: `digits` rounded to `count` digits, a final
// half going to the even neighbour; the carry is 1 when rounding added a
// leading digit.
int RoundTo(int count, const std::vector<int>& digits, std::vector<int>& out) {
  const auto round = [&](auto& self, int n, bool even, size_t pos) -> int {
    if (pos == digits.size()) {
      out.insert(out.end(), n, 0);
      return 0;
    }
    if (n == 0) {
      const int x = digits[pos];
      bool rest_zero = true;
      for (size_t i = pos + 1; i < digits.size(); ++i) rest_zero = rest_zero && digits[i] == 0;
      if (x == 5 && even && rest_zero) return 0;
      return x >= 5 ? 1 : 0;
    }
    const size_t at = out.size();
    out.push_back(0);
    const int carry = self(self, n - 1, digits[pos] % 2 == 0, pos + 1);
    const int d = digits[pos] + carry;
    out[at] = d == 10 ? 0 : d;
    return d == 10 ? 1 : 0;
  };
  if (round(round, count, true, 0) == 0) return 0;
  out.insert(out.begin(), 1);
  return 1;
}

}  // namespace

std::string HaskellPrintfFixed(double x, int decimals) {
  if (std::isnan(x)) return "NaN";
  if (std::isinf(x)) return x > 0 ? "Infinity" : "-Infinity";
  const auto [text, e] = ShortestDigits(x);
  std::vector<int> digits;
  for (char c : text) digits.push_back(c - '0');
  if (x == 0) digits = {0};
  std::vector<int> rounded;
  std::string out = x < 0 ? "-" : "";
  if (e >= 0) {
    const int carry = RoundTo(decimals + e, digits, rounded);
    std::string whole, fraction;
    for (size_t i = 0; i < rounded.size(); ++i) {
      (static_cast<int>(i) < e + carry ? whole : fraction) += static_cast<char>('0' + rounded[i]);
    }
    out += whole.empty() ? "0" : whole;
    if (!fraction.empty()) out += "." + fraction;
    return out;
  }
  std::vector<int> padded(-e, 0);
  padded.insert(padded.end(), digits.begin(), digits.end());
  const int carry = RoundTo(decimals, padded, rounded);
  if (carry == 0) rounded.insert(rounded.begin(), 0);
  out += static_cast<char>('0' + rounded[0]);
  if (rounded.size() > 1) {
    out += ".";
    for (size_t i = 1; i < rounded.size(); ++i) out += static_cast<char>('0' + rounded[i]);
  }
  return out;
}

std::string HaskellShowString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string HaskellShowStrings(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ",") + HaskellShowString(s);
  return "[" + out + "]";
}

std::string HaskellShowIPolicy(const IPolicy& p) {
  std::string minmax, templates;
  for (const auto& mm : p.minmax) {
    minmax += std::string(minmax.empty() ? "" : ",") +
              "MinMaxISpecs {minMaxISpecsMinSpec = " + ShowISpec(mm.min) +
              ", minMaxISpecsMaxSpec = " + ShowISpec(mm.max) + "}";
  }
  for (const auto& t : p.disk_templates) {
    templates += (templates.empty() ? "" : ",") + ShowDiskTemplate(t);
  }
  return "IPolicy {iPolicyMinMaxISpecs = [" + minmax +
         "], iPolicyStdSpec = " + ShowISpec(p.std_spec) + ", iPolicyDiskTemplates = [" + templates +
         "], iPolicyVcpuRatio = " + HaskellShowDouble(p.vcpu_ratio) +
         ", iPolicySpindleRatio = " + HaskellShowDouble(p.spindle_ratio) + "}";
}

std::string HaskellShowGroup(const Group& g, int idx) {
  const std::string policy = g.alloc_policy == "preferred"     ? "AllocPreferred"
                             : g.alloc_policy == "last_resort" ? "AllocLastResort"
                                                               : "AllocUnallocable";
  return "Group {name = " + HaskellShowString(g.name) + ", uuid = " + HaskellShowString(g.uuid) +
         ", idx = " + std::to_string(idx) + ", allocPolicy = " + policy +
         ", networks = " + HaskellShowStrings(g.networks) +
         ", iPolicy = " + HaskellShowIPolicy(g.ipolicy) +
         ", allTags = " + HaskellShowStrings(g.tags) + "}";
}

}  // namespace herd::htools
