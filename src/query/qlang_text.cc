#include "query/qlang_text.h"

#include <algorithm>
#include <cctype>
#include <regex>

#include "base/errors.h"

namespace herd::query {
namespace json = boost::json;
namespace {

constexpr std::string_view kRegexDelimiters = "/#^|";
constexpr std::string_view kFilterDetectionChars = "()=/!~'\"\\<> \t\n\r\f\v";
constexpr std::string_view kGlobDetectionChars = "*?";

bool IsFieldStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }
bool IsFieldChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '/' || c == '.';
}

// A recursive-descent parser: or-expr := and-expr ("or" and-expr)*;
// and-expr := unary ("and" unary)*; unary := "not" unary | "(" or-expr ")" |
// condition.
class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  json::value Parse() {
    json::value v = Or();
    SkipSpace();
    if (pos_ != text_.size()) Fail("end of filter");
    return v;
  }

 private:
  [[noreturn]] void Fail(const std::string& expected) const {
    std::string near =
        pos_ < text_.size() ? "'" + std::string(text_.substr(pos_, 12)) + "'" : "end of text";
    throw QueryFilterParseError("Expected " + expected + " at position " +
                                std::to_string(pos_ + 1) + " (near " + near + ") of filter '" +
                                std::string(text_) + "'");
  }

  void SkipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }

  bool AtKeyword(std::string_view word) {
    SkipSpace();
    if (text_.substr(pos_, word.size()) != word) return false;
    size_t end = pos_ + word.size();
    return end == text_.size() || !IsFieldChar(text_[end]);
  }

  bool Accept(std::string_view token) {
    SkipSpace();
    if (text_.substr(pos_, token.size()) != token) return false;
    pos_ += token.size();
    return true;
  }

  json::value Or() {
    json::array terms{And()};
    while (AtKeyword("or")) {
      pos_ += 2;
      terms.push_back(And());
    }
    if (terms.size() == 1) return terms[0];
    terms.insert(terms.begin(), json::value("|"));
    return terms;
  }

  json::value And() {
    json::array terms{Unary()};
    while (AtKeyword("and")) {
      pos_ += 3;
      terms.push_back(Unary());
    }
    if (terms.size() == 1) return terms[0];
    terms.insert(terms.begin(), json::value("&"));
    return terms;
  }

  json::value Unary() {
    if (AtKeyword("not")) {
      pos_ += 3;
      return json::array{"!", Unary()};
    }
    if (Accept("(")) {
      json::value inner = Or();
      if (!Accept(")")) Fail("')'");
      return inner;
    }
    return Condition();
  }

  std::string Field() {
    SkipSpace();
    if (pos_ >= text_.size() || !IsFieldStart(text_[pos_])) Fail("a field name");
    size_t start = pos_;
    while (pos_ < text_.size() && IsFieldChar(text_[pos_])) ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }

  bool AtValue() {
    SkipSpace();
    if (pos_ >= text_.size()) return false;
    char c = text_[pos_];
    return c == '"' || c == '\'' || std::isdigit(static_cast<unsigned char>(c)) ||
           ((c == '-' || c == '+') && pos_ + 1 < text_.size() &&
            std::isdigit(static_cast<unsigned char>(text_[pos_ + 1])));
  }

  std::string Quoted() {
    SkipSpace();
    if (pos_ >= text_.size() || (text_[pos_] != '"' && text_[pos_] != '\'')) {
      Fail("a quoted string");
    }
    const char quote = text_[pos_++];
    std::string out;
    while (pos_ < text_.size() && text_[pos_] != quote) {
      if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) ++pos_;
      out += text_[pos_++];
    }
    if (pos_ >= text_.size()) Fail(std::string("closing ") + quote);
    ++pos_;
    return out;
  }

  json::value Value() {
    SkipSpace();
    if (pos_ < text_.size() && (text_[pos_] == '"' || text_[pos_] == '\'')) {
      return json::value(Quoted());
    }
    size_t start = pos_;
    if (pos_ < text_.size() && (text_[pos_] == '-' || text_[pos_] == '+')) ++pos_;
    size_t digits = pos_;
    while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    if (pos_ == digits) {
      pos_ = start;
      Fail("a number or a quoted string");
    }
    return json::value(std::stoll(std::string(text_.substr(start, pos_ - start))));
  }

  // m/regex/flags (the "m" is optional; delimiters / # ^ |).
  std::string Regex() {
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == 'm') ++pos_;
    if (pos_ >= text_.size() || kRegexDelimiters.find(text_[pos_]) == std::string_view::npos) {
      Fail("a regular expression such as m/^web/");
    }
    const char delim = text_[pos_++];
    std::string body;
    while (pos_ < text_.size() && text_[pos_] != delim) {
      if (text_[pos_] == '\\' && pos_ + 1 < text_.size() && text_[pos_ + 1] == delim) ++pos_;
      body += text_[pos_++];
    }
    if (pos_ >= text_.size()) Fail(std::string("closing ") + delim + " of the regular expression");
    ++pos_;
    std::string flags;
    while (pos_ < text_.size() && std::isalpha(static_cast<unsigned char>(text_[pos_]))) {
      char f = text_[pos_];
      if (f != 'i' && f != 's') {
        throw QueryFilterParseError("Unknown regular expression flags: '" + std::string(1, f) +
                                    "' at position " + std::to_string(pos_ + 1));
      }
      if (flags.find(f) == std::string::npos) flags += f;
      ++pos_;
    }
    std::sort(flags.begin(), flags.end());
    std::string re = (flags.empty() ? "" : "(?" + flags + ")") + body;
    try {
      std::regex check(body, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      throw QueryFilterParseError("Invalid regular expression '" + body + "': " + e.what());
    }
    return re;
  }

  json::value Condition() {
    // "value in field" and "value not in field" start with a value.
    if (AtValue()) {
      json::value v = Value();
      bool negate = false;
      if (AtKeyword("not")) {
        pos_ += 3;
        negate = true;
      }
      if (!AtKeyword("in")) Fail("'in' or 'not in'");
      pos_ += 2;
      json::value contains = json::array{"=[]", json::value(Field()), v};
      return negate ? json::value(json::array{"!", contains}) : contains;
    }
    std::string field = Field();
    SkipSpace();
    for (const auto& [token, op] : std::initializer_list<std::pair<std::string_view, const char*>>{
             {"==", "=="}, {"!=", "!="}, {"<=", "<="}, {">=", ">="}}) {
      if (Accept(token)) return json::array{op, json::value(field), Value()};
    }
    if (Accept("=~")) return json::array{"=~", json::value(field), json::value(Regex())};
    if (Accept("!~")) {
      return json::array{"!", json::array{"=~", json::value(field), json::value(Regex())}};
    }
    if (Accept("=*")) return json::array{"=~", json::value(field), GlobToRegex(Quoted())};
    if (Accept("!*")) {
      return json::array{"!", json::array{"=~", json::value(field), GlobToRegex(Quoted())}};
    }
    if (Accept("<")) return json::array{"<", json::value(field), Value()};
    if (Accept(">")) return json::array{">", json::value(field), Value()};
    if (Accept("=")) return json::array{"==", json::value(field), Value()};
    return json::array{"?", json::value(field)};
  }

  std::string_view text_;
  size_t pos_ = 0;
};

bool HasAny(std::string_view text, std::string_view chars) {
  return text.find_first_of(chars) != std::string_view::npos;
}

}  // namespace

std::string GlobToRegex(std::string_view pattern) {
  std::string out = "^";
  for (char c : pattern) {
    if (c == '*') {
      out += "[^.]*";
    } else if (c == '?') {
      out += "[^.]";
    } else {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') out += '\\';
      out += c;
    }
  }
  return out + "(\\..*)?$";
}

json::value ParseFilterText(std::string_view text) { return Parser(text).Parse(); }

json::value MakeFilter(const std::vector<std::string>& args, bool force_filter,
                       const std::string& name_field, bool numeric) {
  if (force_filter || (args.size() == 1 && HasAny(args[0], kFilterDetectionChars))) {
    if (args.size() != 1) {
      throw OpPrereqError("Exactly one argument must be given as a filter", kEcodeInval);
    }
    return ParseFilterText(args[0]);
  }
  if (args.empty()) return nullptr;
  json::array any{"|"};
  for (const auto& a : args) {
    if (numeric) {
      try {
        size_t used = 0;
        long long n = std::stoll(a, &used);
        if (used != a.size()) throw std::invalid_argument(a);
        any.push_back(json::array{"=", json::value(name_field), n});
      } catch (const std::exception&) {
        throw OpPrereqError("Invalid job ID passed: '" + a + "'", kEcodeInval);
      }
    } else if (HasAny(a, kGlobDetectionChars)) {
      any.push_back(json::array{"=~", json::value(name_field), json::value(GlobToRegex(a))});
    } else {
      any.push_back(json::array{"=", json::value(name_field), json::value(a)});
    }
  }
  return any;
}

}  // namespace herd::query
