#include "master/cmdlib/disk_transfer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "base/errors.h"
#include "base/json.h"
#include "base/units.h"
#include "master/cmdlib/common.h"
#include "master/cmdlib/instance_common.h"
#include "master/cmdlib/remote_export.h"

namespace herd::master {
namespace json = boost::json;
namespace {

using Clock = std::chrono::steady_clock;

// Ganeti's timeouts: a helper must listen within 10 s, the two ends connect
// within DISK_TRANSFER_CONNECT_TIMEOUT.
constexpr auto kListenTimeout = std::chrono::seconds(10);
constexpr int kConnectTimeoutSeconds = 60;
// Progress lines in the job log (Ganeti: every 60 s; transfers between
// virtual nodes are short, so more often).
constexpr auto kProgressInterval = std::chrono::seconds(5);
constexpr auto kMinPoll = std::chrono::milliseconds(100);
// Ganeti polls every 1-20 s; a status call costs a node little, and a
// transfer between virtual nodes ends sooner after its data when polled
// more often.
constexpr auto kMaxPoll = std::chrono::milliseconds(250);

// Ganeti's _GetInstDiskMagic: ties a stream to its instance and disk.
std::string DiskMagic(const std::string& base, const std::string& instance, size_t index) {
  return Sha1Hex("0" + base + instance + std::to_string(index));
}

std::optional<double> NumberField(const json::object& status, const char* key) {
  auto it = status.find(key);
  if (it == status.end() || !it->value().is_number()) return std::nullopt;
  return it->value().to_number<double>();
}

std::string StringField(const json::object& status, const char* key) {
  auto it = status.find(key);
  return it != status.end() && it->value().is_string() ? std::string(it->value().get_string()) : "";
}

// Ganeti's FormatProgress: "1.2G, 234.5 MiB/s, 45%, ETA 3s".
std::string FormatProgress(const json::object& status) {
  auto mbytes = NumberField(status, "progress_mbytes");
  if (!mbytes) return "";
  char rate[32];
  std::snprintf(rate, sizeof(rate), "%0.1f MiB/s",
                NumberField(status, "progress_throughput").value_or(0));
  std::string out = FormatUnit(*mbytes, "h") + ", " + rate;
  if (auto percent = NumberField(status, "progress_percent")) {
    out += ", " + std::to_string(static_cast<int>(*percent)) + "%";
  }
  if (auto eta = NumberField(status, "progress_eta")) out += ", ETA " + FormatSeconds(*eta);
  return out;
}

std::string RecentOutput(const json::object& status) {
  std::string out;
  if (auto it = status.find("recent_output"); it != status.end() && it->value().is_array()) {
    for (const auto& line : it->value().get_array()) {
      if (line.is_string()) out += (out.empty() ? "" : "\n") + std::string(line.get_string());
    }
  }
  return out;
}

// One end of a transfer: a helper on a node, followed through its status.
struct End {
  std::string name;  // the helper's name on its node; empty until started
  json::object status;
  bool connected_reported = false;
  bool finished = false, ok = false;
  std::string error;

  bool Running() const { return !name.empty() && !finished; }
  void Fail(std::string why) {
    finished = true;
    ok = false;
    error = std::move(why);
  }
  // Takes a status the node reported; true once the helper has exited.
  bool Take(const json::value& reported) {
    if (!reported.is_object()) return false;  // no status written yet
    status = reported.get_object();
    auto exit = status.find("exit_status");
    if (exit == status.end() || exit->value().is_null()) return false;
    finished = true;
    error = StringField(status, "error_message");
    ok = exit->value().is_int64() && exit->value().get_int64() == 0 && error.empty();
    if (!ok && error.empty()) {
      error = "Exited with status " + SerializeJson(exit->value());
    }
    return true;
  }
};

struct Transfer {
  std::string label;  // "disk/0" (local), "Disk 0" (remote)
  size_t index = 0;
  json::object opts;
  json::array source_io, dest_io;
  bool has_import = false, has_export = false;
  std::string remote_host;  // an export's destination when no import runs here
  int64_t remote_port = 0;
  End import_end, export_end;
  bool listen_reported = false;
  int64_t listen_port = 0;
  Clock::time_point import_started, export_started, last_progress;
  bool Done() const {
    const bool import_done = !has_import || import_end.finished;
    const bool export_done = !has_export || export_end.finished ||
                             (has_import && export_end.name.empty() && import_end.finished);
    return import_done && export_done;
  }
};

// Follows the transfers' helpers until they finish: imports on `dest`,
// exports on `source` (either may be absent in a transfer between clusters).
class TransferLoop {
 public:
  TransferLoop(LuContext& ctx, const objects::Node* source, const objects::Node* dest,
               const rpc::InstanceSpec& instance, bool remote)
      : ctx_(ctx), source_(source), dest_(dest), instance_(rpc::ToJson(instance)), remote_(remote) {
    if (source_) source_addr_ = AddressOf(*source_);
    if (dest_) dest_addr_ = AddressOf(*dest_);
  }

  ~TransferLoop() { CleanupAll(); }

  // Called once every import listens: [(port, magic)] in transfer order.
  std::function<void(const std::vector<std::pair<int64_t, std::string>>&)> on_all_listening;

  void Add(Transfer& t) {
    transfers_.push_back(&t);
    if (!t.has_import) {
      ctx_.Feedback("Sending disk " + std::to_string(t.index) + " to " + t.remote_host + ":" +
                    std::to_string(t.remote_port));
      StartExport(t, t.remote_host, t.remote_port);
      return;
    }
    if (!remote_) {
      ctx_.Feedback("Exporting " + t.label + " from " + source_->name + " to " + dest_->name);
    }
    auto started = ctx_.rpc.Call(
        dest_addr_, rpc::procedures::kImportStart,
        json::array{t.opts, instance_, json::value("disk" + std::to_string(t.index)), t.dest_io});
    t.import_started = Clock::now();
    if (!started.ok || !started.payload.is_string()) {
      t.import_end.Fail(started.ok ? "unexpected answer " + SerializeJson(started.payload)
                                   : started.error);
      ReportImportFinished(t);
      return;
    }
    t.import_end.name = std::string(started.payload.get_string());
  }

  void Run() {
    auto delay = kMinPoll;
    while (std::any_of(transfers_.begin(), transfers_.end(),
                       [](const Transfer* t) { return !t->Done(); })) {
      if (ctx_.op.CancelRequested()) {
        for (Transfer* t : transfers_) AbortBoth(*t, "Job canceled by request");
        canceled_ = true;
        break;
      }
      PollImports();
      PollExports();
      if (std::all_of(transfers_.begin(), transfers_.end(),
                      [](const Transfer* t) { return t->Done(); })) {
        break;
      }
      std::this_thread::sleep_for(delay);
      delay = std::min(kMaxPoll, delay * 2);
    }
  }

  bool canceled() const { return canceled_; }

 private:
  void PollImports() {
    std::vector<Transfer*> polled;
    json::array names;
    for (Transfer* t : transfers_) {
      if (t->import_end.Running()) {
        polled.push_back(t);
        names.push_back(json::value(t->import_end.name));
      }
    }
    if (polled.empty()) return;
    auto answer = ctx_.rpc.Call(dest_addr_, rpc::procedures::kImpexpStatus, json::array{names});
    for (size_t i = 0; i < polled.size(); ++i) {
      Transfer& t = *polled[i];
      if (!answer.ok || !answer.payload.is_array() || answer.payload.get_array().size() <= i) {
        t.import_end.Fail("Can't get status of the import on node " + dest_->name + ": " +
                          (answer.ok ? "malformed answer" : answer.error));
        ReportImportFinished(t);
        continue;
      }
      t.import_end.Take(answer.payload.get_array()[i]);
      auto port = t.import_end.status.find("listen_port");
      const bool listening = port != t.import_end.status.end() && port->value().is_int64();
      if (!t.import_end.finished && !listening &&
          Clock::now() - t.import_started > kListenTimeout) {
        t.import_end.Fail("Import did not start listening in time");
      }
      if (!t.import_end.finished && listening && !t.listen_reported) {
        t.listen_reported = true;
        t.listen_port = port->value().get_int64();
        if (t.has_export) {
          ctx_.Feedback(t.label + " is now listening, starting export");
          StartExport(t, dest_->secondary_ip, t.listen_port);
        } else {
          ctx_.Feedback(t.label + " is now listening");
          ReportWhenAllListening();
        }
      }
      if (!t.import_end.finished && !t.import_end.connected_reported &&
          t.import_end.status.contains("connected") &&
          t.import_end.status.at("connected") == json::value(true)) {
        t.import_end.connected_reported = true;
        ctx_.Feedback(remote_ ? t.label + " is now receiving data"
                              : t.label + " is receiving data on " + dest_->name);
      }
      if (t.import_end.finished) ReportImportFinished(t);
    }
  }

  void ReportWhenAllListening() {
    if (all_listening_reported_ || !on_all_listening) return;
    std::vector<std::pair<int64_t, std::string>> ports;
    for (const Transfer* t : transfers_) {
      if (!t->listen_reported) return;
      ports.emplace_back(t->listen_port, std::string(t->opts.at("magic").as_string()));
    }
    all_listening_reported_ = true;
    on_all_listening(ports);
  }

  void PollExports() {
    std::vector<Transfer*> polled;
    json::array names;
    for (Transfer* t : transfers_) {
      if (t->export_end.Running()) {
        polled.push_back(t);
        names.push_back(json::value(t->export_end.name));
      }
    }
    if (polled.empty()) return;
    auto answer = ctx_.rpc.Call(source_addr_, rpc::procedures::kImpexpStatus, json::array{names});
    for (size_t i = 0; i < polled.size(); ++i) {
      Transfer& t = *polled[i];
      if (!answer.ok || !answer.payload.is_array() || answer.payload.get_array().size() <= i) {
        t.export_end.Fail("Can't get status of the export on node " + source_->name + ": " +
                          (answer.ok ? "malformed answer" : answer.error));
        ReportExportFinished(t);
        continue;
      }
      t.export_end.Take(answer.payload.get_array()[i]);
      const auto& status = t.export_end.status;
      const bool connected =
          status.contains("connected") && status.at("connected") == json::value(true);
      if (!t.export_end.finished && !connected &&
          Clock::now() - t.export_started > ConnectTimeout(t)) {
        t.export_end.Fail("Export did not connect in time");
      }
      if (connected && !t.export_end.connected_reported) {
        t.export_end.connected_reported = true;
        ctx_.Feedback(remote_ ? t.label + " is now sending data"
                              : t.label + " is sending data on " + source_->name);
        t.last_progress = Clock::now();
      }
      if (!t.export_end.finished && connected &&
          Clock::now() - t.last_progress >= kProgressInterval) {
        t.last_progress = Clock::now();
        const std::string progress = FormatProgress(status);
        if (!progress.empty()) ctx_.Feedback(t.label + " sent " + progress);
      }
      if (t.export_end.finished) ReportExportFinished(t);
    }
  }

  static std::chrono::seconds ConnectTimeout(const Transfer& t) {
    auto it = t.opts.find("connect_timeout");
    const int64_t seconds = it != t.opts.end() && it->value().is_int64() ? it->value().get_int64()
                                                                         : kConnectTimeoutSeconds;
    return std::chrono::seconds(seconds + 10);  // the helper gives up first
  }

  void StartExport(Transfer& t, const std::string& host, int64_t port) {
    t.export_started = Clock::now();
    auto started =
        ctx_.rpc.Call(source_addr_, rpc::procedures::kExportStart,
                      json::array{t.opts, json::value(host), port, instance_,
                                  json::value("disk" + std::to_string(t.index)), t.source_io});
    if (!started.ok || !started.payload.is_string()) {
      t.export_end.name = "-";  // counts as started, and failed
      t.export_end.Fail(started.ok ? "unexpected answer " + SerializeJson(started.payload)
                                   : started.error);
      ReportExportFinished(t);
      return;
    }
    t.export_end.name = std::string(started.payload.get_string());
  }

  void ReportImportFinished(Transfer& t) {
    if (t.import_end.ok) {
      ctx_.Feedback(t.label + " finished receiving data");
      return;
    }
    ctx_.Feedback(t.label + " failed to receive data: " + t.import_end.error +
                  " (recent output: " + RecentOutput(t.import_end.status) + ")");
    if (t.export_end.Running()) Abort(source_addr_, t.export_end, "the import failed");
  }

  void ReportExportFinished(Transfer& t) {
    if (t.export_end.ok) {
      ctx_.Feedback(t.label + " finished sending data");
      return;
    }
    ctx_.Feedback(t.label + " failed to send data: " + t.export_end.error +
                  " (recent output: " + RecentOutput(t.export_end.status) + ")");
    if (t.import_end.Running()) Abort(dest_addr_, t.import_end, "the export failed");
  }

  void Abort(const rpc::NodeAddress& node, End& end, const std::string& why) {
    auto aborted =
        ctx_.rpc.Call(node, rpc::procedures::kImpexpAbort, json::array{json::value(end.name)});
    if (!aborted.ok) {
      spdlog::warn("Could not abort {} on node {}: {}", end.name, node.name, aborted.error);
    }
    end.Fail("Aborted: " + why);
  }

  void AbortBoth(Transfer& t, const std::string& why) {
    if (t.import_end.Running()) Abort(dest_addr_, t.import_end, why);
    if (t.export_end.Running()) Abort(source_addr_, t.export_end, why);
  }

  // Every helper goes, finished or not (Ganeti's FinalizeAll).
  void CleanupAll() {
    for (Transfer* t : transfers_) {
      if (t->has_import) Cleanup(dest_addr_, t->import_end);
      if (t->has_export) Cleanup(source_addr_, t->export_end);
    }
  }

  void Cleanup(const rpc::NodeAddress& node, const End& end) {
    if (end.name.empty() || end.name == "-") return;
    auto cleaned =
        ctx_.rpc.Call(node, rpc::procedures::kImpexpCleanup, json::array{json::value(end.name)});
    if (!cleaned.ok) {
      ctx_.LogWarning("Could not clean up " + end.name + " on node " + node.name + ": " +
                      cleaned.error);
    }
  }

  LuContext& ctx_;
  const objects::Node* source_;
  const objects::Node* dest_;
  rpc::NodeAddress source_addr_, dest_addr_;
  json::value instance_;
  bool remote_;
  std::vector<Transfer*> transfers_;
  bool canceled_ = false, all_listening_reported_ = false;
};

// Runs `loop` over `state` with the job cancelable meanwhile; OpCanceled
// once everything is cleaned up if the job was canceled.
template <typename Setup>
void RunTransfers(LuContext& ctx, TransferLoop& loop, std::vector<Transfer>& state, Setup setup) {
  ctx.op.SetCancelableWhileRunning(true);
  struct NotCancelable {
    jobs::OpContext& op;
    ~NotCancelable() { op.SetCancelableWhileRunning(false); }
  } not_cancelable{ctx.op};
  for (Transfer& t : state) {
    if (setup(t)) loop.Add(t);
  }
  loop.Run();
}

// Both ends report what passed through them: the same byte count and digest.
bool CheckIntegrity(LuContext& ctx, const Transfer& t) {
  const auto& sent = t.export_end.status;
  const auto& received = t.import_end.status;
  auto sent_bytes = NumberField(sent, "bytes"), received_bytes = NumberField(received, "bytes");
  const std::string sent_sum = StringField(sent, "checksum");
  const std::string received_sum = StringField(received, "checksum");
  if (!sent_bytes || !received_bytes || sent_sum.empty() || received_sum.empty()) {
    ctx.Feedback(t.label + " integrity check failed: a node reported no checksum");
    return false;
  }
  if (*sent_bytes != *received_bytes || sent_sum != received_sum) {
    ctx.Feedback(t.label + " integrity check failed: sent " +
                 std::to_string(static_cast<int64_t>(*sent_bytes)) + " bytes (" + sent_sum +
                 "), received " + std::to_string(static_cast<int64_t>(*received_bytes)) +
                 " bytes (" + received_sum + ")");
    return false;
  }
  ctx.Feedback(t.label + " integrity check passed (" +
               std::to_string(static_cast<int64_t>(*sent_bytes)) + " bytes, checksum " + sent_sum +
               ")");
  return true;
}

}  // namespace

json::array InstanceDiskIo(const std::string& os, const objects::Disk& disk, size_t index) {
  const json::value d = rpc::ToJson(DiskSpecOf(disk));
  return os.empty() ? json::array{json::value("raw"), json::array{d}}
                    : json::array{json::value("script"), json::array{d, index}};
}

NodeX509Certificate CreateNodeX509Certificate(LuContext& ctx, const objects::Node& node) {
  auto created = ctx.rpc.Call(AddressOf(node), rpc::procedures::kX509CertCreate,
                              json::array{kRieCertValiditySeconds});
  const auto& pair = created.Get("Can't create X509 key and certificate");
  if (!pair.is_array() || pair.as_array().size() != 2 || !pair.as_array()[0].is_string() ||
      !pair.as_array()[1].is_string()) {
    throw OpExecError("Can't create X509 key and certificate on " + node.name +
                      ": unexpected answer " + SerializeJson(pair));
  }
  return {std::string(pair.as_array()[0].get_string()),
          std::string(pair.as_array()[1].get_string())};
}

void CheckCompressionTool(const objects::ConfigData& config, const std::string& tool) {
  const auto& allowed = config.cluster.compression_tools;
  if (tool == "none" || std::find(allowed.begin(), allowed.end(), tool) != allowed.end()) return;
  std::string list;
  for (const auto& t : allowed) list += (list.empty() ? "" : ", ") + t;
  throw OpPrereqError("Compression tool not allowed, tools allowed are [" + list + "]",
                      kEcodeInval);
}

std::vector<bool> TransferInstanceData(LuContext& ctx, const objects::Node& source,
                                       const objects::Node& dest, const std::string& compress,
                                       const rpc::InstanceSpec& instance,
                                       const std::vector<std::optional<DiskTransfer>>& transfers) {
  const std::string base_magic = RandomSecret(6);
  std::vector<Transfer> state(transfers.size());
  bool canceled = false;
  {
    TransferLoop loop(ctx, &source, &dest, instance, /*remote=*/false);
    size_t i = 0;
    RunTransfers(ctx, loop, state, [&](Transfer& t) {
      const size_t index = i++;
      if (!transfers[index]) return false;
      t.label = transfers[index]->label;
      t.index = index;
      t.source_io = transfers[index]->source_io;
      t.dest_io = transfers[index]->dest_io;
      t.has_import = t.has_export = true;
      t.opts = json::object{
          {"key_name", nullptr},  {"ca_pem", nullptr},
          {"compress", compress}, {"magic", DiskMagic(base_magic, instance.name, index)},
          {"ipv6", false},        {"connect_timeout", kConnectTimeoutSeconds}};
      return true;
    });
    canceled = loop.canceled();
  }  // the helpers are cleaned up here
  if (canceled) throw jobs::OpCanceled();
  std::vector<bool> results;
  for (size_t i = 0; i < transfers.size(); ++i) {
    const Transfer& t = state[i];
    results.push_back(transfers[i].has_value() && t.import_end.ok && t.export_end.ok &&
                      CheckIntegrity(ctx, t));
  }
  return results;
}

std::vector<bool> ReceiveRemoteDisks(LuContext& ctx, const objects::Node& node,
                                     const rpc::InstanceSpec& instance,
                                     const std::vector<boost::json::array>& dest_ios,
                                     const boost::json::object& opts,
                                     const ListeningCallback& on_all_listening) {
  const std::string base_magic = RandomSecret(6);
  std::vector<Transfer> state(dest_ios.size());
  bool canceled = false;
  {
    TransferLoop loop(ctx, nullptr, &node, instance, /*remote=*/true);
    loop.on_all_listening = on_all_listening;
    size_t i = 0;
    RunTransfers(ctx, loop, state, [&](Transfer& t) {
      t.index = i++;
      t.label = "Disk " + std::to_string(t.index);
      t.dest_io = dest_ios[t.index];
      t.has_import = true;
      t.opts = opts;
      t.opts["magic"] = DiskMagic(base_magic, instance.name, t.index);
      return true;
    });
    canceled = loop.canceled();
  }
  if (canceled) throw jobs::OpCanceled();
  std::vector<bool> results;
  for (const Transfer& t : state) results.push_back(t.import_end.ok);
  return results;
}

std::vector<bool> SendRemoteDisks(LuContext& ctx, const objects::Node& node,
                                  const rpc::InstanceSpec& instance,
                                  const std::vector<boost::json::array>& source_ios,
                                  const std::vector<RemoteTarget>& targets,
                                  const boost::json::object& opts) {
  std::vector<Transfer> state(source_ios.size());
  bool canceled = false;
  {
    TransferLoop loop(ctx, &node, nullptr, instance, /*remote=*/true);
    size_t i = 0;
    RunTransfers(ctx, loop, state, [&](Transfer& t) {
      t.index = i++;
      t.label = "Disk " + std::to_string(t.index);
      t.source_io = source_ios[t.index];
      t.has_export = true;
      t.remote_host = targets[t.index].host;
      t.remote_port = targets[t.index].port;
      t.opts = opts;
      t.opts["magic"] = targets[t.index].magic;
      return true;
    });
    canceled = loop.canceled();
  }
  if (canceled) throw jobs::OpCanceled();
  std::vector<bool> results;
  for (const Transfer& t : state) results.push_back(t.export_end.ok);
  return results;
}

}  // namespace herd::master
