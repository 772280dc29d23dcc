#include "node/impexp_handlers.h"

#include <arpa/inet.h>

#include "base/errors.h"
#include "base/hosts.h"
#include "base/json.h"
#include "node/impexp/exports.h"
#include "node/impexp/io_spec.h"
#include "node/impexp/launcher.h"
#include "node/impexp/options.h"
#include "node/impexp/x509.h"
#include "node/rpc_args.h"
#include "rpc/instance_spec.h"

namespace herd {
namespace {

using impexp::Mode;

// Where an importer listens: a virtual node's own address (many nodes share
// the machine), all addresses on a real node (as Ganeti's socat does).
std::string ListenAddress(const Paths& paths, bool ipv6) {
  if (ipv6) return "::";
  return paths.is_virtual() ? ResolveHostOrThrow(paths, paths.hostname()) : "0.0.0.0";
}

// The importer's address: given as an address (a node's secondary IP) or a
// name this node resolves.
std::string PeerAddress(const Paths& paths, const std::string& host, bool ipv6) {
  in6_addr probe;
  if (::inet_pton(ipv6 ? AF_INET6 : AF_INET, host.c_str(), &probe) == 1) return host;
  if (ipv6) throw GenericError("export_start: '" + host + "' is not an IPv6 address");
  return ResolveHostOrThrow(paths, host);
}

void CheckCompressionAvailable(const impexp::TransferOptions& opts) {
  if (impexp::ParseCompression(opts.compress) == impexp::Compression::kLzop &&
      impexp::FindProgram("lzop").empty()) {
    throw GenericError(
        "Transport compression 'lzop' needs the lzop program, which is not installed on this "
        "node");
  }
}

impexp::HelperLaunch Launch(const Paths& paths, Mode mode, const json::value& opts,
                            const json::value& instance, const std::string& component,
                            const json::value& io) {
  impexp::HelperLaunch launch;
  launch.mode = mode;
  launch.component = component;
  launch.options = impexp::TransferOptionsFromJson(opts);
  CheckCompressionAvailable(launch.options);
  const rpc::InstanceSpec spec = rpc::InstanceSpecFromJson(instance);
  launch.instance_name = spec.name;
  launch.os_name = spec.os;
  impexp::ResolvedIo resolved = impexp::ResolveIo(paths, mode, spec, io);
  launch.args.endpoint = std::move(resolved.endpoint);
  launch.args.expected_bytes = resolved.expected_bytes;
  return launch;
}

}  // namespace

void RegisterImportExportHandlers(const Paths& paths, std::map<std::string, RpcHandler>& h) {
  // [opts, instance, component, dest] -> helper name
  h["import_start"] = [paths](const json::array& args) -> json::value {
    impexp::HelperLaunch launch =
        Launch(paths, Mode::kImport, Arg(args, 0, "import_start"), Arg(args, 1, "import_start"),
               StringArg(args, 2, "import_start"), Arg(args, 3, "import_start"));
    launch.args.listen_address = ListenAddress(paths, launch.options.ipv6);
    return json::value(impexp::StartHelper(paths, std::move(launch)));
  };

  // [opts, host, port, instance, component, source] -> helper name
  h["export_start"] = [paths](const json::array& args) -> json::value {
    impexp::HelperLaunch launch =
        Launch(paths, Mode::kExport, Arg(args, 0, "export_start"), Arg(args, 3, "export_start"),
               StringArg(args, 4, "export_start"), Arg(args, 5, "export_start"));
    const int64_t port = ToInt(Arg(args, 2, "export_start"), "port");
    if (port <= 0 || port > 65535) throw GenericError("export_start: invalid port");
    launch.args.host = PeerAddress(paths, StringArg(args, 1, "export_start"), launch.options.ipv6);
    launch.args.port = static_cast<int>(port);
    return json::value(impexp::StartHelper(paths, std::move(launch)));
  };

  // [names] -> per name the status object, or null
  h["impexp_status"] = [paths](const json::array& args) -> json::value {
    json::array out;
    for (const auto& name : AsArray(Arg(args, 0, "impexp_status"), "names")) {
      if (!name.is_string()) throw GenericError("impexp_status: names must be strings");
      out.push_back(impexp::HelperStatus(paths, std::string(name.get_string())));
    }
    return out;
  };

  h["impexp_abort"] = [paths](const json::array& args) -> json::value {
    impexp::AbortHelper(paths, StringArg(args, 0, "impexp_abort"));
    return nullptr;
  };

  h["impexp_cleanup"] = [paths](const json::array& args) -> json::value {
    impexp::CleanupHelper(paths, StringArg(args, 0, "impexp_cleanup"));
    return nullptr;
  };

  // [export name, config.ini text]
  h["finalize_export"] = [paths](const json::array& args) -> json::value {
    impexp::FinalizeExport(paths, StringArg(args, 0, "finalize_export"),
                           StringArg(args, 1, "finalize_export"));
    return nullptr;
  };

  // [path] -> config.ini text
  h["export_info"] = [paths](const json::array& args) -> json::value {
    return json::value(impexp::ExportInfo(paths, StringArg(args, 0, "export_info")));
  };

  // [validity seconds] -> [name, certificate PEM]
  h["x509_cert_create"] = [paths](const json::array& args) -> json::value {
    const int64_t validity = ToInt(Arg(args, 0, "x509_cert_create"), "validity");
    auto [name, pem] = impexp::CreateX509Certificate(paths, validity);
    return json::array{json::value(name), json::value(pem)};
  };

  h["x509_cert_remove"] = [paths](const json::array& args) -> json::value {
    impexp::RemoveX509Certificate(paths, StringArg(args, 0, "x509_cert_remove"));
    return nullptr;
  };
}

}  // namespace herd
