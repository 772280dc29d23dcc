#include "query/filter.h"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <regex>
#include <set>

namespace herd::query {

struct Filter::Node {
  std::string op;
  std::vector<std::shared_ptr<const Node>> children;  // logic operators
  std::string field;
  boost::json::value operand;
  std::shared_ptr<std::regex> regex;
};

namespace {

// Ganeti's (Python) regular expressions may start with inline flags such as
// "(?i)" or "(?is)"; std::regex takes them as options instead. "s" (dot
// matches newline) has no ECMAScript equivalent and field values are single
// lines, so it changes nothing here.
std::regex CompileRegex(std::string pattern) {
  auto flags = std::regex::ECMAScript;
  if (pattern.rfind("(?", 0) == 0) {
    auto close = pattern.find(')');
    std::string inline_flags = pattern.substr(2, close == std::string::npos ? 0 : close - 2);
    if (close != std::string::npos &&
        inline_flags.find_first_not_of("ilmsux") == std::string::npos) {
      if (inline_flags.find('i') != std::string::npos) flags |= std::regex::icase;
      pattern = pattern.substr(close + 1);
    }
  }
  return std::regex(pattern, flags);
}

using NodePtr = std::shared_ptr<const Filter::Node>;

const std::set<std::string> kBinary{"=", "==", "!=", "<", ">", "<=", ">=", "=~", "=[]"};

NodePtr ParseNode(const boost::json::value& v) {
  if (!v.is_array() || v.get_array().empty() || !v.get_array()[0].is_string()) {
    throw QueryFilterParseError("Filter must be a list whose first element is an operator, got " +
                                boost::json::serialize(v));
  }
  const auto& a = v.get_array();
  auto node = std::make_shared<Filter::Node>();
  node->op = std::string(a[0].get_string());
  if (node->op == "|" || node->op == "&") {
    for (size_t i = 1; i < a.size(); ++i) node->children.push_back(ParseNode(a[i]));
  } else if (node->op == "!") {
    if (a.size() != 2) throw QueryFilterParseError("Operator '!' takes exactly one operand");
    node->children.push_back(ParseNode(a[1]));
  } else if (node->op == "?") {
    if (a.size() != 2 || !a[1].is_string()) {
      throw QueryFilterParseError("Operator '?' takes exactly one field name");
    }
    node->field = std::string(a[1].get_string());
  } else if (kBinary.count(node->op)) {
    if (a.size() != 3 || !a[1].is_string()) {
      throw QueryFilterParseError("Operator '" + node->op + "' takes a field name and a value");
    }
    node->field = std::string(a[1].get_string());
    node->operand = a[2];
    if (node->op == "=~") {
      if (!a[2].is_string())
        throw QueryFilterParseError("Operator '=~' needs a regular expression");
      try {
        node->regex = std::make_shared<std::regex>(CompileRegex(std::string(a[2].get_string())));
      } catch (const std::regex_error& e) {
        throw QueryFilterParseError("Invalid regular expression '" +
                                    std::string(a[2].get_string()) + "': " + e.what());
      }
    }
  } else {
    throw QueryFilterParseError("Unknown operator '" + node->op + "'");
  }
  return node;
}

bool Truthy(const boost::json::value& v) {
  if (v.is_null()) return false;
  if (v.is_bool()) return v.get_bool();
  if (v.is_int64()) return v.get_int64() != 0;
  if (v.is_uint64()) return v.get_uint64() != 0;
  if (v.is_double()) return v.get_double() != 0;
  if (v.is_string()) return !v.get_string().empty();
  if (v.is_array()) return !v.get_array().empty();
  return !v.get_object().empty();
}

bool IsNumber(const boost::json::value& v) {
  return v.is_int64() || v.is_uint64() || v.is_double();
}
double Num(const boost::json::value& v) {
  return v.is_int64()    ? static_cast<double>(v.get_int64())
         : v.is_uint64() ? static_cast<double>(v.get_uint64())
                         : v.get_double();
}

// -1, 0, 1; throws when the two values cannot be ordered.
int Compare(const boost::json::value& a, const boost::json::value& b) {
  if (IsNumber(a) && IsNumber(b)) return Num(a) < Num(b) ? -1 : Num(a) > Num(b) ? 1 : 0;
  if (a.is_string() && b.is_string()) {
    auto c = a.get_string().compare(b.get_string());
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  }
  throw QueryFilterParseError("Cannot compare " + boost::json::serialize(a) + " with " +
                              boost::json::serialize(b));
}

bool Equal(const boost::json::value& a, const boost::json::value& b) {
  if (IsNumber(a) && IsNumber(b)) return Num(a) == Num(b);
  return a == b;
}

bool Eval(const Filter::Node& n, const Filter::FieldGetter& get) {
  if (n.op == "|") {
    for (const auto& c : n.children) {
      if (Eval(*c, get)) return true;
    }
    return false;
  }
  if (n.op == "&") {
    for (const auto& c : n.children) {
      if (!Eval(*c, get)) return false;
    }
    return true;
  }
  if (n.op == "!") return !Eval(*n.children[0], get);
  boost::json::value v = get(n.field);
  if (n.op == "?") return Truthy(v);
  if (n.op == "=" || n.op == "==") return Equal(v, n.operand);
  if (n.op == "!=") return !Equal(v, n.operand);
  if (n.op == "=~")
    return v.is_string() && std::regex_search(std::string(v.get_string()), *n.regex);
  if (n.op == "=[]") {
    if (!v.is_array()) return false;
    for (const auto& e : v.get_array()) {
      if (Equal(e, n.operand)) return true;
    }
    return false;
  }
  if (v.is_null()) return false;
  int c = Compare(v, n.operand);
  if (n.op == "<") return c < 0;
  if (n.op == ">") return c > 0;
  if (n.op == "<=") return c <= 0;
  return c >= 0;
}

void Collect(const Filter::Node& n, std::vector<std::string>& out) {
  if (!n.field.empty()) out.push_back(n.field);
  for (const auto& c : n.children) Collect(*c, out);
}
}  // namespace

Filter Filter::Parse(const boost::json::value& filter) {
  Filter f;
  if (!filter.is_null()) f.root_ = ParseNode(filter);
  return f;
}

bool Filter::Matches(const FieldGetter& get) const { return !root_ || Eval(*root_, get); }

std::vector<std::string> Filter::ReferencedFields() const {
  std::vector<std::string> out;
  if (root_) Collect(*root_, out);
  return out;
}

}  // namespace herd::query
