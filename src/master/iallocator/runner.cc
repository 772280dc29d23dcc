#include "master/iallocator/runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "base/errors.h"
#include "base/files.h"
#include "base/json.h"
#include "base/paths.h"
#include "base/process.h"

extern char** environ;

namespace herd::master::iallocator {
namespace {

constexpr const char* kSearchDir = "/usr/lib/ganeti/iallocators";
constexpr size_t kMaxReportedOutput = 8192;  // of stdout and stderr each, in error messages

std::string RunFailure(const std::string& what) {
  return "Failure while running the iallocator script: " + what;
}

bool IsRegularFile(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

std::string Cut(const std::string& text) {
  if (text.size() <= kMaxReportedOutput) return text;
  return text.substr(0, kMaxReportedOutput) + "... (" +
         std::to_string(text.size() - kMaxReportedOutput) + " more bytes)";
}

// The request file lives only while the allocator runs.
class RequestFile {
 public:
  RequestFile(const std::string& dir, const std::string& content) {
    std::string tmpl = (dir.empty() ? std::filesystem::temp_directory_path().string() : dir) +
                       "/ganeti-iallocator.XXXXXX";
    int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
    if (fd < 0) {
      throw OpExecError(
          RunFailure("cannot create the request file " + tmpl + ": " + std::strerror(errno)));
    }
    path_ = tmpl;
    size_t done = 0;
    while (done < content.size()) {
      ssize_t n = ::write(fd, content.data() + done, content.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        const int err = errno;
        ::close(fd);
        ::unlink(path_.c_str());
        throw OpExecError(
            RunFailure("cannot write the request file " + path_ + ": " + std::strerror(err)));
      }
      done += static_cast<size_t>(n);
    }
    ::close(fd);
  }
  ~RequestFile() { ::unlink(path_.c_str()); }
  RequestFile(const RequestFile&) = delete;
  RequestFile& operator=(const RequestFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class Pipe {
 public:
  Pipe() {
    if (::pipe2(fds_, O_CLOEXEC) != 0) {
      throw OpExecError(RunFailure(std::string("cannot create a pipe: ") + std::strerror(errno)));
    }
  }
  ~Pipe() {
    CloseRead();
    CloseWrite();
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  int read_end() const { return fds_[0]; }
  int write_end() const { return fds_[1]; }
  void CloseRead() { Close(fds_[0]); }
  void CloseWrite() { Close(fds_[1]); }

 private:
  static void Close(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  int fds_[2] = {-1, -1};
};

struct ChildResult {
  int status = 0;
  bool timed_out = false;
  std::string out, err;
};

// Runs argv with stdout and stderr captured apart (the answer is stdout
// only); the child leads its own process group so a time-out kills helpers too.
ChildResult Spawn(const std::vector<std::string>& argv, int timeout_seconds) {
  Pipe out, err;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out.write_end(), 1);
  posix_spawn_file_actions_adddup2(&actions, err.write_end(), 2);
  posix_spawn_file_actions_addchdir_np(&actions, "/");
  const SpawnAttributes attributes({SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGCHLD},
                                   /*own_process_group=*/true);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, args[0], &actions, attributes.get(), args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    throw OpExecError(
        RunFailure("cannot execute iallocator " + argv[0] + ": " + std::strerror(rc)));
  }
  out.CloseWrite();
  err.CloseWrite();

  ChildResult result;
  using Clock = std::chrono::steady_clock;
  auto deadline = Clock::now() + std::chrono::seconds(timeout_seconds);
  pollfd fds[2] = {{out.read_end(), POLLIN, 0}, {err.read_end(), POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  char buf[65536];
  while (fds[0].fd >= 0 || fds[1].fd >= 0) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      if (result.timed_out) break;  // killed, and still no end of output: give up reading
      ::kill(-pid, SIGKILL);
      result.timed_out = true;
      deadline = Clock::now() + std::chrono::seconds(5);
      continue;
    }
    const int n = ::poll(fds, 2, static_cast<int>(std::min<long long>(left, 1000)));
    if (n < 0 && errno != EINTR) break;
    for (int i = 0; i < 2 && n > 0; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t got = ::read(fds[i].fd, buf, sizeof(buf));
      if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (got <= 0) {
        fds[i].fd = -1;
        continue;
      }
      sinks[i]->append(buf, static_cast<size_t>(got));
    }
  }
  if (result.timed_out) ::kill(-pid, SIGKILL);
  while (::waitpid(pid, &result.status, 0) < 0 && errno == EINTR) {
  }
  return result;
}

std::string FailReason(const ChildResult& r, int timeout_seconds) {
  if (r.timed_out) {
    return "did not finish within " + std::to_string(timeout_seconds) + " seconds and was killed";
  }
  if (WIFSIGNALED(r.status)) {
    const int sig = WTERMSIG(r.status);
    const char* name = ::sigdescr_np(sig);  // unlike strsignal, safe in any thread
    return "terminated by signal " + std::to_string(sig) +
           (name ? std::string(" (") + name + ")" : "");
  }
  if (WIFEXITED(r.status)) return "exited with exit code " + std::to_string(WEXITSTATUS(r.status));
  return "unable to determine termination reason";
}

}  // namespace

std::vector<std::string> DefaultAllocatorSearchPath() {
  return {"/usr/local/lib/ganeti/iallocators", kSearchDir,
          "/usr/lib/ganeti/3.0/usr/lib/ganeti/iallocators"};
}

std::vector<std::string> AllocatorSearchPath(const Paths& paths) {
  if (!paths.is_virtual()) return DefaultAllocatorSearchPath();
  std::vector<std::string> out{paths.IallocatorDir()};
  for (auto& dir : DefaultAllocatorSearchPath()) {
    if (std::find(out.begin(), out.end(), dir) == out.end()) out.push_back(std::move(dir));
  }
  return out;
}

std::string FindAllocator(const std::string& name, const std::vector<std::string>& search_path) {
  if (!name.empty() && name.front() == '/') {
    if (IsRegularFile(name)) return name;
    throw OpExecError(RunFailure("iallocator '" + name + "' is not an existing file"));
  }
  if (!IsPluginName(name)) {
    throw OpExecError(RunFailure("invalid iallocator name '" + name +
                                 "': give a file name ([A-Za-z0-9_-]) or an absolute path"));
  }
  for (const auto& dir : search_path) {
    std::string candidate = dir + "/" + name;
    if (IsRegularFile(candidate)) return candidate;
  }
  throw OpExecError(RunFailure("iallocator module '" + name + "' not found in the search path (" +
                               Join(search_path) + ")"));
}

std::vector<std::string> ParamsAsArgs(const AllocatorParams& params) {
  std::vector<std::string> args;
  for (const auto& [key, value] : params) {
    args.push_back("--" + key + (value ? "=" + *value : std::string()));
  }
  return args;
}

std::string RunAllocatorScript(const Allocator& allocator, const json::value& input,
                               const AllocatorParams& params) {
  const std::vector<std::string> args = ParamsAsArgs(params);
  if (allocator.in_process) {
    try {
      return allocator.in_process(input, args);
    } catch (const GanetiError& e) {
      throw OpExecError(RunFailure("iallocator module '" + allocator.name +
                                   "' failed: " + (e.args().empty() ? e.what() : e.args()[0])));
    }
  }
  const std::string script =
      FindAllocator(allocator.name, allocator.search_path.empty() ? DefaultAllocatorSearchPath()
                                                                  : allocator.search_path);
  RequestFile request(allocator.temp_dir, SerializeJson(input));
  std::vector<std::string> argv{script, request.path()};
  argv.insert(argv.end(), args.begin(), args.end());
  const int timeout = std::max(1, allocator.timeout_seconds);
  ChildResult result = Spawn(argv, timeout);
  if (result.timed_out || !WIFEXITED(result.status) || WEXITSTATUS(result.status) != 0) {
    throw OpExecError(RunFailure("iallocator module '" + allocator.name +
                                 "' failed: " + FailReason(result, timeout) + ", output '" +
                                 Cut(result.out) + Cut(result.err) + "'"));
  }
  return std::move(result.out);
}

}  // namespace herd::master::iallocator
