// A child of the import/export helper (an OS script, or lzop), in a process
// group of its own so that an abort stops it together with whatever it
// started; its standard error becomes lines of the transfer's log.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "node/impexp/cancellation.h"
#include "node/impexp/tls_channel.h"

namespace herd::impexp {

class ChildProcess {
 public:
  struct Options {
    std::vector<std::string> argv;  // argv[0] without a '/' is searched in PATH
    std::string cwd;
    const std::map<std::string, std::string>* env = nullptr;  // null: this process's
    bool pipe_stdin = false;                                  // else /dev/null
    bool pipe_stdout = false;  // else merged with stderr into the log
  };
  ChildProcess(const Options& options, Cancellation& cancellation, LogLine log);
  // Kills the group and reaps the child if it still runs.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  int stdin_fd() const { return stdin_fd_; }
  int stdout_fd() const { return stdout_fd_; }
  void CloseStdin();
  void CloseStdout();
  // SIGKILL to the child's process group (the caller still Waits).
  void Kill();
  // Waits for the child's exit (killing it a while after a cancellation):
  // its exit code, or 128 + the signal that killed it.
  int Wait();
  const std::string& name() const { return name_; }

 private:
  void ReadStderr();

  Cancellation& cancellation_;
  LogLine log_;
  std::string name_;
  pid_t pid_ = -1;
  int stdin_fd_ = -1, stdout_fd_ = -1, stderr_fd_ = -1;
  std::atomic<bool> exited_{false};
  std::thread stderr_reader_;
};

// "exit code 3" / "killed by signal 9" for ChildProcess::Wait's result.
std::string DescribeExit(int code);

}  // namespace herd::impexp
