#include "node/impexp/launcher.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <ctime>
#include <filesystem>

#include "base/errors.h"
#include "base/files.h"
#include "base/json.h"
#include "base/pid_file.h"
#include "base/process.h"
#include "node/impexp/layout.h"
#include "node/impexp/status.h"
#include "node/impexp/x509.h"

extern char** environ;

namespace herd::impexp {
namespace {

// How long a helper may take to start (an import: until it listens).
constexpr int kStartTimeoutMs = 30 * 1000;
// How long a helper asked to stop may take to clean up before SIGKILL.
constexpr int kStopSeconds = 10;

bool IsPlainName(const std::string& s) {
  return !s.empty() && s[0] != '.' && s.size() <= 200 &&
         s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") ==
             std::string::npos;
}

// The certificates of a PEM file (server.pem also holds the key, which the
// CA file does not need).
std::string CertificatesOf(const std::string& pem, const std::string& file) {
  static const std::string begin = "-----BEGIN CERTIFICATE-----";
  static const std::string end = "-----END CERTIFICATE-----";
  std::string out;
  for (size_t b = pem.find(begin); b != std::string::npos; b = pem.find(begin, b)) {
    const size_t e = pem.find(end, b);
    if (e == std::string::npos) break;
    out += pem.substr(b, e + end.size() - b) + "\n";
    b = e + end.size();
  }
  if (out.empty()) throw GenericError("No certificate found in '" + file + "'");
  return out;
}

std::string ForFileName(std::string s) {
  for (auto& c : s) {
    if (c == '/' || c == ' ') c = '_';
  }
  return s.empty() ? "none" : s;
}

// Reads the helper's start-up report: "\1" once under way, else the reason.
std::string AwaitStart(int fd, bool& started) {
  std::string report;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(kStartTimeoutMs);
  char buf[512];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) {
      started = false;
      return "the import/export helper did not start within " +
             std::to_string(kStartTimeoutMs / 1000) + " seconds";
    }
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left));
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    report.append(buf, static_cast<size_t>(n));
    if (report == "\1") {
      started = true;
      return "";
    }
  }
  started = report == "\1";
  if (!report.empty() && report.front() == '\1') report.erase(0, 1);
  return report;
}

// Starts `argv` in a new session, not as our child (it outlives this RPC and
// nobody waits for it); the child's fd 3 is `ready_fd`, its output the log.
void SpawnDetached(const std::vector<std::string>& argv, int log_fd, int ready_fd) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (devnull < 0) throw SystemError("open /dev/null", errno);
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    ::close(devnull);
    throw SystemError("fork", err);
  }
  if (pid == 0) {
    // Only async-signal-safe calls from here: the node daemon has threads.
    ::setsid();
    if (::fork() != 0) _exit(0);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::dup2(devnull, 0);
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    if (ready_fd == 3) {
      ::fcntl(3, F_SETFD, 0);
    } else {
      ::dup2(ready_fd, 3);
    }
    ::close_range(4, ~0U, 0);
    ::execve(args[0], args.data(), environ);
    _exit(127);
  }
  ::close(devnull);
  int status;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

void StopHelper(const std::string& dir) {
  std::vector<StoppingDaemon> stopping;
  AskDaemonToStop(dir + "/" + kPidFile, stopping);
  WaitForDaemonsToStop(std::move(stopping), kStopSeconds);
}

}  // namespace

std::string HelperDir(const Paths& paths, const std::string& name) {
  if (!IsPlainName(name)) throw GenericError("Invalid import/export name '" + name + "'");
  return ImportExportDir(paths) + "/" + name;
}

std::string StartHelper(const Paths& paths, HelperLaunch launch) {
  if (!IsPlainName(launch.component)) {
    throw GenericError("Invalid import/export component '" + launch.component + "'");
  }
  const TransferOptions& opts = launch.options;
  HelperArgs& args = launch.args;
  args.mode = launch.mode;
  args.compress = opts.compress;
  args.magic = opts.magic;
  args.ipv6 = opts.ipv6;
  args.connect_timeout = opts.connect_timeout;
  args.watch_pid = static_cast<int>(::getpid());
  if (opts.key_name) {
    args.key_file = X509KeyFile(paths, *opts.key_name);
    args.cert_file = X509CertFile(paths, *opts.key_name);
  } else {
    args.key_file = args.cert_file = paths.NodedCertFile();
  }
  for (const auto& f : {args.key_file, args.cert_file}) {
    if (!FileExists(f)) throw GenericError("File '" + f + "' does not exist");
  }
  const std::string ca =
      opts.ca_pem ? *opts.ca_pem
                  : CertificatesOf(ReadFile(paths.NodedCertFile()), paths.NodedCertFile());
  const std::string helper = ExecutableDir() + "/" + kHelperProgram;
  if (!IsExecutableFile(helper)) {
    throw GenericError("The import/export helper " + helper + " is missing");
  }

  const std::string prefix = launch.mode == Mode::kImport ? "import" : "export";
  const std::string stamp = std::to_string(std::time(nullptr));
  MakeDirsWithMode(ImportExportDir(paths), 0750);
  std::string pattern =
      ImportExportDir(paths) + "/" + prefix + "-" + launch.component + "-" + stamp + "-XXXXXX";
  if (!::mkdtemp(pattern.data())) throw SystemError("creating " + pattern, errno);
  const std::string dir = pattern;
  const std::string name = std::filesystem::path(dir).filename().string();
  int log_fd = -1, ready[2] = {-1, -1};
  try {
    args.ca_file = dir + "/" + kCaFile;
    WriteFileAtomic(args.ca_file, ca, 0400, /*sync_directory=*/false);
    WriteFileAtomic(dir + "/" + kArgsFile, SerializeJson(ToJson(args)), 0600,
                    /*sync_directory=*/false);
    const std::string log_dir = paths.LogDir() + "/os";
    MakeDirs(log_dir, 0750);
    const std::string log_file = log_dir + "/" + prefix + "-" + ForFileName(launch.os_name) + "-" +
                                 ForFileName(launch.instance_name) + "-" + launch.component + "-" +
                                 stamp + ".log";
    log_fd = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (log_fd < 0) throw SystemError("opening " + log_file, errno);
    if (::pipe2(ready, O_CLOEXEC) != 0) throw SystemError("pipe", errno);
    SpawnDetached({helper, dir, "--ready-fd=3"}, log_fd, ready[1]);
    ::close(ready[1]);
    ready[1] = -1;
    ::close(log_fd);
    log_fd = -1;
    bool started = false;
    std::string report = AwaitStart(ready[0], started);
    ::close(ready[0]);
    ready[0] = -1;
    if (!started) {
      if (report.empty())
        report = "the import/export helper exited during start-up; see " + log_file;
      throw GenericError("Cannot start the " + prefix + " of " + launch.component + ": " + report);
    }
    return name;
  } catch (...) {
    for (int fd : {log_fd, ready[0], ready[1]}) {
      if (fd >= 0) ::close(fd);
    }
    StopHelper(dir);
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    throw;
  }
}

boost::json::value HelperStatus(const Paths& paths, const std::string& name) {
  return ReadStatusFile(HelperDir(paths, name) + "/" + kStatusFile);
}

void AbortHelper(const Paths& paths, const std::string& name) {
  const int pid = RunningDaemonPid(HelperDir(paths, name) + "/" + kPidFile);
  if (pid > 0) ::kill(pid, SIGTERM);
}

void CleanupHelper(const Paths& paths, const std::string& name) {
  const std::string dir = HelperDir(paths, name);
  StopHelper(dir);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  if (ec) throw GenericError("removing " + dir + ": " + ec.message());
}

}  // namespace herd::impexp
