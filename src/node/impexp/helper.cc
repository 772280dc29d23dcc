#include "node/impexp/helper.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <optional>
#include <thread>
#include <vector>

#include "base/errors.h"
#include "base/files.h"
#include "base/json.h"
#include "base/pid_file.h"
#include "base/process.h"
#include "node/impexp/cancellation.h"
#include "node/impexp/helper_args.h"
#include "node/impexp/layout.h"
#include "node/impexp/status.h"
#include "node/impexp/streams.h"
#include "node/impexp/tls_channel.h"

namespace herd::impexp {
namespace {

constexpr size_t kChunk = 1024 * 1024;
// How long an exporter waits for the importer to confirm the end of the data.
constexpr auto kEndConfirmationTimeout = std::chrono::seconds(60);

std::string Message(const std::exception& e) {
  if (const auto* g = dynamic_cast<const GanetiError*>(&e); g && !g->args().empty()) {
    return g->args()[0];
  }
  return e.what();
}

// Stops the transfer on SIGTERM/SIGINT/SIGHUP (impexp_abort) or when the node
// daemon that started it exits, and writes the status file every second.
class Watcher {
 public:
  Watcher(const sigset_t& signals, int watch_pid, Cancellation& cancellation, StatusFile& status,
          std::function<void()> progress)
      : cancellation_(cancellation), status_(status), progress_(std::move(progress)) {
    signal_fd_ = ::signalfd(-1, &signals, SFD_CLOEXEC);
    if (signal_fd_ < 0) throw SystemError("signalfd", errno);
    stop_fd_ = ::eventfd(0, EFD_CLOEXEC);
    if (stop_fd_ < 0) throw SystemError("eventfd", errno);
    if (watch_pid > 0) {
      pid_fd_ = static_cast<int>(::syscall(SYS_pidfd_open, watch_pid, 0));
      if (pid_fd_ < 0 && errno == ESRCH) cancellation_.Request("aborted: the node daemon exited");
    }
    thread_ = std::thread([this] { Run(); });
  }
  ~Watcher() {
    uint64_t one = 1;
    if (::write(stop_fd_, &one, sizeof(one)) < 0) {
      // The thread then stops at its next tick.
    }
    thread_.join();
    ::close(stop_fd_);
    ::close(signal_fd_);
    if (pid_fd_ >= 0) ::close(pid_fd_);
  }

 private:
  void Run() {
    for (;;) {
      pollfd fds[3] = {{stop_fd_, POLLIN, 0}, {signal_fd_, POLLIN, 0}, {pid_fd_, POLLIN, 0}};
      const int ready = ::poll(fds, pid_fd_ >= 0 ? 3 : 2, 1000);
      if (ready > 0 && (fds[0].revents & POLLIN)) return;
      if (ready > 0 && (fds[1].revents & POLLIN)) {
        signalfd_siginfo info;
        if (::read(signal_fd_, &info, sizeof(info)) > 0) cancellation_.Request("aborted");
      }
      if (ready > 0 && pid_fd_ >= 0 && (fds[2].revents & POLLIN)) {
        cancellation_.Request("aborted: the node daemon exited");
        ::close(pid_fd_);
        pid_fd_ = -1;
      }
      try {
        progress_();
        status_.Update(false);
      } catch (const std::exception& e) {
        std::cerr << "cannot update the status file: " << e.what() << std::endl;
      }
    }
  }

  Cancellation& cancellation_;
  StatusFile& status_;
  std::function<void()> progress_;
  int signal_fd_ = -1, stop_fd_ = -1, pid_fd_ = -1;
  std::thread thread_;
};

class Transfer {
 public:
  Transfer(HelperArgs args, StatusFile& status, DaemonStart& ready)
      : args_(std::move(args)),
        status_(status),
        ready_(ready),
        credentials_{args_.key_file, args_.cert_file, args_.ca_file},
        compression_(ParseCompression(args_.compress)) {}

  void Log(const std::string& line) {
    char stamp[32];
    const std::time_t now = std::time(nullptr);
    std::strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", std::localtime(&now));
    std::fprintf(stderr, "%s %s\n", stamp, line.c_str());
    std::fflush(stderr);
    status_.AddRecentOutput(line);
  }

  void ReportProgress() { status_.SetProgress(bytes_.load(), args_.expected_bytes); }

  Cancellation& cancellation() { return cancellation_; }

  // Returns the process's exit status.
  int Run() {
    const LogLine log = [this](const std::string& line) { Log(line); };
    std::unique_ptr<Destination> destination;
    try {
      if (args_.mode == Mode::kImport) {
        Import(log, destination);
      } else {
        Export(log);
      }
      ReportProgress();
      status_.SetResult(0, "", digest_);
      Log("Transfer complete: " + std::to_string(bytes_.load()) + " bytes, sha256 " + digest_);
      status_.Update(true);
      return 0;
    } catch (const std::exception& e) {
      const std::string message = cancellation_.requested() ? cancellation_.reason() : Message(e);
      if (destination) destination->Discard();
      Log("Error: " + message);
      ReportProgress();
      status_.SetResult(1, message, std::nullopt);
      status_.Update(true);
      ready_.Failed(message);
      return 1;
    }
  }

 private:
  Deadline ConnectDeadline() const {
    return std::chrono::steady_clock::now() + std::chrono::seconds(args_.connect_timeout);
  }

  void Import(const LogLine& log, std::unique_ptr<Destination>& destination) {
    // Files and disks are opened first, so a bad one fails import_start
    // itself; a script runs only once there is data for it.
    if (args_.endpoint.kind != Endpoint::Kind::kCommand) {
      destination = OpenDestination(args_.endpoint, cancellation_, log);
    }
    TlsListener listener(credentials_, args_.listen_address, args_.ipv6, cancellation_);
    status_.SetListenPort(listener.port());
    Log("Listening on " + args_.listen_address + ":" + std::to_string(listener.port()));
    status_.Update(true);
    ready_.Ready();
    auto channel = listener.AcceptOne(ConnectDeadline(), log);
    status_.SetConnected();
    Log("Connection from " + channel->peer() + " accepted (" + channel->cipher() + ")");
    status_.Update(true);
    if (!destination) destination = OpenDestination(args_.endpoint, cancellation_, log);

    PayloadMeter meter(*destination, bytes_);
    size_t capacity = 0;
    if (compression_ == Compression::kNone && destination->Space(&capacity) != nullptr) {
      ReceiveInPlace(*channel, *destination, meter);
    } else {
      ReceiveThroughStages(*channel, meter, log);
    }
    channel->Close(/*await_peer=*/false, std::chrono::seconds(0));  // confirms the end
    meter.Finish();
    digest_ = meter.HexDigest();
  }

  // Any destination, any compression: chunks pass through the stages.
  void ReceiveThroughStages(TlsChannel& channel, PayloadMeter& meter, const LogLine& log) {
    // The meter's own Finish (by the caller) ends the stages behind it.
    struct Unfinished : ByteSink {
      explicit Unfinished(ByteSink& next) : next(next) {}
      void Write(const char* data, size_t size) override { next.Write(data, size); }
      void Finish() override {}
      ByteSink& next;
    } payload_end(meter);
    std::optional<MagicChecker> magic;
    ByteSink* payload = &payload_end;
    if (args_.magic) payload = &magic.emplace(*args_.magic, payload_end);
    auto decompressor = MakeDecompressor(compression_, *payload, cancellation_, log);
    std::vector<char> buffer(kChunk);
    size_t filled = 0;
    for (;;) {
      const size_t n = channel.Read(buffer.data() + filled, buffer.size() - filled);
      filled += n;
      if (filled > 0 && (n == 0 || filled == buffer.size() || !channel.Readable())) {
        decompressor->Write(buffer.data(), filled);
        filled = 0;
      }
      if (n == 0) break;
      cancellation_.ThrowIfRequested();
    }
    decompressor->Finish();
  }

  // Uncompressed into a file or disk: the TLS stream is read straight into
  // the destination's staging buffer, after the magic.
  void ReceiveInPlace(TlsChannel& channel, Destination& destination, PayloadMeter& meter) {
    if (args_.magic) {
      const std::string expected = "M=" + *args_.magic;
      std::string seen(expected.size(), '\0');
      size_t got = 0;
      while (got < seen.size()) {
        const size_t n = channel.Read(seen.data() + got, seen.size() - got);
        if (n == 0) throw GenericError("Magic value mismatch (the stream ended before it)");
        got += n;
      }
      if (seen != expected) throw GenericError("Magic value mismatch");
    }
    for (;;) {
      size_t capacity = 0;
      char* space = destination.Space(&capacity);
      const size_t n = channel.Read(space, capacity);
      if (n == 0) break;
      meter.Account(space, n);
      destination.Commit(n);
      cancellation_.ThrowIfRequested();
    }
  }

  void Export(const LogLine& log) {
    std::unique_ptr<ByteSource> source;
    if (args_.endpoint.kind != Endpoint::Kind::kCommand) {
      source = OpenSource(args_.endpoint, cancellation_, log);
    }
    status_.Update(true);
    ready_.Ready();
    auto channel = TlsConnect(credentials_, args_.host, args_.port, args_.ipv6, ConnectDeadline(),
                              cancellation_, log);
    status_.SetConnected();
    Log("Connected to " + channel->peer() + " (" + channel->cipher() + ")");
    status_.Update(true);
    if (!source) source = OpenSource(args_.endpoint, cancellation_, log);

    ChannelSink wire(*channel);
    auto compressor = MakeCompressor(compression_, wire, cancellation_, log);
    PayloadMeter meter(*compressor, bytes_);
    if (args_.magic) {
      const std::string magic = "M=" + *args_.magic;
      compressor->Write(magic.data(), magic.size());
    }
    std::vector<char> buffer(kChunk);
    for (;;) {
      const size_t n = source->Read(buffer.data(), buffer.size());
      if (n == 0) break;
      meter.Write(buffer.data(), n);
      cancellation_.ThrowIfRequested();
    }
    source->Finish();
    meter.Finish();
    channel->Close(/*await_peer=*/true, kEndConfirmationTimeout);
    digest_ = meter.HexDigest();
  }

  HelperArgs args_;
  StatusFile& status_;
  DaemonStart& ready_;
  TlsCredentials credentials_;
  Compression compression_;
  Cancellation cancellation_;
  std::atomic<int64_t> bytes_{0};
  std::string digest_;
};

}  // namespace

int RunImportExportHelper(int argc, char** argv) {
  std::string dir;
  int ready_fd = -1;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--ready-fd=", 0) == 0) {
      ready_fd = std::atoi(arg.c_str() + 11);
    } else if (dir.empty() && !arg.empty() && arg[0] != '-') {
      dir = arg;
    } else {
      std::cerr << "usage: herd-impexp <status dir> [--ready-fd=N]\n";
      return 2;
    }
  }
  if (dir.empty()) {
    std::cerr << "usage: herd-impexp <status dir> [--ready-fd=N]\n";
    return 2;
  }
  DaemonStart ready(ready_fd);
  // Signals are taken by the watcher thread (signalfd): blocked everywhere.
  sigset_t signals;
  sigemptyset(&signals);
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&signals, sig);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);  // a closed pipe or socket is an error to report
  ::signal(SIGXFSZ, SIG_IGN);

  StatusFile status(dir + "/" + kStatusFile);
  // A failure before or during the transfer: said on stderr (the log), in
  // the status when it can be written, and to the launcher.
  auto fail = [&status, &ready](const std::exception& e) {
    const std::string message = Message(e);
    std::cerr << "herd-impexp: " << message << std::endl;
    try {
      status.SetResult(1, message, std::nullopt);
      status.Update(true);
    } catch (const std::exception&) {
      // The status directory itself is unusable: the launcher still hears it.
    }
    ready.Failed(message);
    return 1;
  };
  HelperArgs args;
  try {
    const int pid_fd = LockPidFile(dir + "/" + kPidFile, "import/export helper");
    WritePidFile(pid_fd, dir + "/" + kPidFile);  // held (open) until the process ends
    const std::string args_file = dir + "/" + kArgsFile;
    args = HelperArgsFromJson(ParseJson(ReadFile(args_file), args_file));
  } catch (const std::exception& e) {
    return fail(e);
  }
  try {
    const int watch_pid = args.watch_pid;
    Transfer transfer(std::move(args), status, ready);
    Watcher watcher(signals, watch_pid, transfer.cancellation(), status,
                    [&transfer] { transfer.ReportProgress(); });
    return transfer.Run();  // reports its own failures
  } catch (const std::exception& e) {
    return fail(e);
  }
}

}  // namespace herd::impexp
