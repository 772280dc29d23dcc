#include "node/impexp/helper_args.h"

#include "base/errors.h"
#include "base/json.h"

namespace herd::impexp {
namespace {

const char* KindName(Endpoint::Kind kind) {
  switch (kind) {
    case Endpoint::Kind::kFile:
      return "file";
    case Endpoint::Kind::kDisk:
      return "disk";
    case Endpoint::Kind::kCommand:
      return "command";
  }
  return "file";
}

Endpoint::Kind KindFromName(const std::string& name) {
  if (name == "file") return Endpoint::Kind::kFile;
  if (name == "disk") return Endpoint::Kind::kDisk;
  if (name == "command") return Endpoint::Kind::kCommand;
  throw GenericError("helper arguments: unknown endpoint kind '" + name + "'");
}

}  // namespace

json::value ToJson(const HelperArgs& a) {
  json::object env;
  for (const auto& [k, v] : a.endpoint.env) env[k] = v;
  json::array argv;
  for (const auto& s : a.endpoint.argv) argv.emplace_back(s);
  json::object endpoint{{"kind", KindName(a.endpoint.kind)},
                        {"path", a.endpoint.path},
                        {"disk_bytes", a.endpoint.disk_bytes},
                        {"argv", std::move(argv)},
                        {"cwd", a.endpoint.cwd},
                        {"env", std::move(env)},
                        {"description", a.endpoint.description}};
  return json::object{
      {"mode", a.mode == Mode::kImport ? "import" : "export"},
      {"key_file", a.key_file},
      {"cert_file", a.cert_file},
      {"ca_file", a.ca_file},
      {"listen_address", a.listen_address},
      {"host", a.host},
      {"port", a.port},
      {"ipv6", a.ipv6},
      {"compress", a.compress},
      {"magic", a.magic ? json::value(*a.magic) : json::value(nullptr)},
      {"connect_timeout", a.connect_timeout},
      {"expected_bytes", a.expected_bytes ? json::value(*a.expected_bytes) : json::value(nullptr)},
      {"endpoint", std::move(endpoint)},
      {"watch_pid", a.watch_pid}};
}

HelperArgs HelperArgsFromJson(const json::value& v) {
  const auto& o = AsObject(v, "helper arguments");
  HelperArgs a;
  const std::string mode = GetString(o, "mode", "helper arguments");
  if (mode != "import" && mode != "export") {
    throw GenericError("helper arguments: mode must be import or export, not '" + mode + "'");
  }
  a.mode = mode == "import" ? Mode::kImport : Mode::kExport;
  a.key_file = GetString(o, "key_file", "helper arguments");
  a.cert_file = GetString(o, "cert_file", "helper arguments");
  a.ca_file = GetString(o, "ca_file", "helper arguments");
  a.listen_address = GetStringOr(o, "listen_address", "");
  a.host = GetStringOr(o, "host", "");
  a.port = static_cast<int>(GetIntOr(o, "port", 0));
  a.ipv6 = GetBoolOr(o, "ipv6", false);
  a.compress = GetStringOr(o, "compress", "none");
  if (auto it = o.find("magic"); it != o.end() && it->value().is_string()) {
    a.magic = std::string(it->value().get_string());
  }
  a.connect_timeout = static_cast<int>(GetIntOr(o, "connect_timeout", 60));
  if (auto it = o.find("expected_bytes"); it != o.end() && !it->value().is_null()) {
    a.expected_bytes = ToInt(it->value(), "expected_bytes");
  }
  a.watch_pid = static_cast<int>(GetIntOr(o, "watch_pid", 0));
  const auto& e = AsObject(o.at("endpoint"), "helper endpoint");
  a.endpoint.kind = KindFromName(GetString(e, "kind", "helper endpoint"));
  a.endpoint.path = GetStringOr(e, "path", "");
  a.endpoint.disk_bytes = GetIntOr(e, "disk_bytes", -1);
  if (auto it = e.find("argv"); it != e.end()) {
    for (const auto& s : AsArray(it->value(), "endpoint argv")) {
      if (!s.is_string()) throw GenericError("helper arguments: argv must hold strings");
      a.endpoint.argv.emplace_back(s.get_string());
    }
  }
  a.endpoint.cwd = GetStringOr(e, "cwd", "");
  if (auto it = e.find("env"); it != e.end()) {
    for (const auto& [k, val] : AsObject(it->value(), "endpoint env")) {
      if (!val.is_string()) throw GenericError("helper arguments: env values must be strings");
      a.endpoint.env[std::string(k)] = std::string(val.get_string());
    }
  }
  a.endpoint.description = GetStringOr(e, "description", "");
  if (a.endpoint.kind == Endpoint::Kind::kCommand && a.endpoint.argv.empty()) {
    throw GenericError("helper arguments: a command endpoint needs argv");
  }
  if (a.endpoint.kind != Endpoint::Kind::kCommand && a.endpoint.path.empty()) {
    throw GenericError("helper arguments: a file or disk endpoint needs a path");
  }
  return a;
}

}  // namespace herd::impexp
