// gnt-debug test-jobqueue (Ganeti's TestJobqueue): invalid priorities and
// relative dependencies refused at submission, dependent jobs resolved and
// run in order, and OP_TEST_JQUEUE's notifications (a Unix socket to
// connect to while the job is in the announced state) and log messages
// arriving complete, with the expected final statuses.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <functional>
#include <iostream>
#include <optional>
#include <set>

#include "base/errors.h"
#include "base/json.h"
#include "base/python_repr.h"
#include "cli/command.h"
#include "cli/job_executor.h"
#include "cli/jobs.h"
#include "debug_commands.h"

namespace herd::cli {
namespace {

namespace json = boost::json;

// Ganeti's OP_PRIO_* and the priorities a submitted job may have.
constexpr int kPrioLowest = 19, kPrioHighest = -20;
const std::set<int> kPrioSubmitValid{10, 0, -10};

constexpr const char* kTestMessagePrefix = "TESTMSG=";

struct TestOptions {
  bool debug = false;
  std::optional<int> priority;
};

json::object Delay(double duration = 0) {
  return json::object{{"OP_ID", "OP_TEST_DELAY"}, {"duration", duration}};
}

std::string ErrorText(const GanetiError& e) {
  return e.args().empty() ? std::string(e.what()) : e.args()[0];
}

// Runs `submit`, which is to be refused: true when it was (Ganeti's tests
// expect any of its errors there).
bool Refused(const std::function<void()>& submit, const TestOptions& o, const std::string& test) {
  try {
    submit();
  } catch (const GanetiError& e) {
    if (o.debug) std::cout << "Ignoring error for '" << test << "' test: " << ErrorText(e) << "\n";
    return true;
  }
  return false;
}

std::string PrioritySet() {
  std::string out;
  for (int p : kPrioSubmitValid) out += (out.empty() ? "" : ", ") + std::to_string(p);
  return "frozenset({" + out + "})";
}

// Ganeti's _TestJobSubmission: every job with an invalid priority is
// refused, alone and among valid ones.
void TestJobSubmission(const TestOptions& o) {
  std::cout << "Testing job submission" << std::endl;
  std::vector<std::tuple<int, int, int>> cases{{0, 0, kPrioLowest}, {0, 0, kPrioHighest}};
  std::set<int> priorities = kPrioSubmitValid;
  priorities.insert({kPrioLowest, kPrioHighest});
  for (int priority : priorities) {
    for (int offset : {-1, +1}) {
      const int p = priority + offset;
      for (auto [before, after] :
           std::initializer_list<std::pair<int, int>>{{0, 0}, {3, 0}, {0, 3}, {4, 2}}) {
        cases.emplace_back(before, after, p);
      }
    }
  }
  for (const auto& [before, after, failing] : cases) {
    json::array ops;
    for (int i = 0; i < before; ++i) ops.push_back(Delay());
    json::object bad = Delay();
    bad["priority"] = failing;
    ops.push_back(bad);
    for (int i = 0; i < after; ++i) ops.push_back(Delay());
    if (!Refused([&] { Master().Call("SubmitJob", json::array{ops}); }, o, "wrong priority")) {
      throw OpExecError("Submitting opcode with priority " + std::to_string(failing) +
                        " did not fail when it should (allowed are " + PrioritySet() + ")");
    }
    json::object not_dry = Delay(), dry = Delay();
    not_dry["dry_run"] = false;
    dry["dry_run"] = true;
    const json::array jobs{json::array{Delay(), not_dry, dry}, ops};
    if (!Refused([&] { Master().Call("SubmitManyJobs", json::array{jobs}); }, o,
                 "wrong priority")) {
      throw OpExecError("Submitting manyjobs with an incorrect one did not fail when it should.");
    }
  }
  std::cout << "Job submission tests were successful" << std::endl;
}

// Python's ordering of opexec timestamps ([seconds, microseconds] lists).
bool NotAfter(const json::value& a, const json::value& b) {
  auto number = [](const json::value& v) { return v.is_number() ? v.to_number<double>() : 0.0; };
  if (!a.is_array() || !b.is_array()) return number(a) <= number(b);
  const auto& x = a.as_array();
  const auto& y = b.as_array();
  for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
    if (x[i] == y[i]) continue;
    if (x[i].is_array() || y[i].is_array()) return NotAfter(x[i], y[i]);
    return number(x[i]) < number(y[i]);
  }
  return x.size() <= y.size();
}

// Ganeti's _TestJobDependency.
void TestJobDependency(const TestOptions& o) {
  std::cout << "Testing job dependencies" << std::endl;
  json::object relative = Delay();
  relative["depends"] = json::array{json::array{-1, nullptr}};
  if (!Refused([&] { SubmitAndWait(json::array{relative}, false); }, o, "wrong dependencies")) {
    throw OpExecError("Submitting plain opcode with relative job ID did not fail as expected");
  }
  auto depending = [](json::array depends) {
    json::object op = Delay(1);
    op["depends"] = std::move(depends);
    return json::array{std::move(op)};
  };
  const json::array jobs{
      json::array{Delay(1)},
      depending({json::array{-1, json::array{}}}),
      depending({json::array{-2, json::array{"success"}}}),
      depending({}),
      depending({json::array{-2, json::array{"success"}}}),
  };
  const json::value result = Master().Call("SubmitManyJobs", json::array{jobs});
  JobExecutor executor;
  json::array ids;
  for (const auto& row_value : result.as_array()) {
    const auto* row = row_value.if_array();
    const bool well_formed =
        row && row->size() == 2 && (*row)[0].is_bool() &&
        ((*row)[1].is_string() ? !(*row)[1].get_string().empty() : (*row)[1].is_int64());
    if (!well_formed || result.as_array().size() != jobs.size()) {
      throw OpExecError("Job submission doesn't match [bool, job id or message]: " +
                        SerializeJson(result));
    }
    executor.AddJobId("", (*row)[0].get_bool(), (*row)[1]);
    ids.push_back((*row)[1]);
  }
  const auto results = executor.GetResults();
  for (const auto& [ok, _] : results) {
    if (!ok) {
      json::array all;
      for (const auto& [s, r] : results) all.push_back(json::array{s, r});
      throw OpExecError("At least one of the submitted jobs failed: " + PythonRepr(all));
    }
  }
  const json::value data =
      Master().Call("QueryJobs", json::array{ids, json::array{"id", "opexec", "ops"}});
  const auto& rows = data.as_array();
  auto job_id = [&](size_t i) { return rows[i].as_array()[0]; };
  auto opexec = [&](size_t i) { return rows[i].as_array()[1]; };
  auto depends = [&](size_t i) -> json::value {
    const auto& op = rows[i].as_array()[2].as_array()[0].as_object();
    const json::value* d = op.if_contains("depends");
    return d && d->is_array() && !d->as_array().empty() ? d->as_array()[0].as_array()[0]
                                                        : json::value();
  };
  for (auto [index, on] :
       std::initializer_list<std::pair<size_t, size_t>>{{1, 0}, {2, 0}, {4, 2}}) {
    if (!(depends(index) == job_id(on))) {
      throw OpExecError("Job " + std::to_string(index) +
                        "'s opcode doesn't depend on correct job ID (" + PythonStr(job_id(on)) +
                        ")");
    }
  }
  if (!(NotAfter(opexec(0), opexec(1)) && NotAfter(opexec(0), opexec(2)) &&
        NotAfter(opexec(2), opexec(4)))) {
    throw OpExecError("Jobs did not run in correct order: " + PythonRepr(data));
  }
  std::cout << "Job dependency tests were successful" << std::endl;
}

// A connection to the notification socket an OP_TEST_JQUEUE announced.
class NotificationSocket {
 public:
  explicit NotificationSocket(const std::string& path)
      : fd_(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    if (fd_ < 0) throw SystemError("socket", errno);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof(addr.sun_path)) {
      throw OpExecError("Notification socket path too long: " + path);
    }
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    timeval timeout{30, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      const int err = errno;
      ::close(fd_);
      throw SystemError("connecting to " + path, err);
    }
  }
  ~NotificationSocket() { ::close(fd_); }
  NotificationSocket(const NotificationSocket&) = delete;
  NotificationSocket& operator=(const NotificationSocket&) = delete;

 private:
  int fd_;
};

// Ganeti's _JobQueueTestReporter: answers the job's notifications and
// collects its test messages; other log entries are printed as usual.
class JobQueueTestReporter {
 public:
  bool HandleLogEntry(int64_t job_id, const json::array& entry) {
    if (!job_id_) {
      job_id_ = job_id;
    } else if (*job_id_ != job_id) {
      throw ProgrammerError("The same reporter instance was used for more than one job");
    }
    const std::string type = entry[2].is_string() ? std::string(entry[2].get_string()) : "";
    if (type == "jqueue-test") {
      const json::value message =
          entry[3].is_string() ? ParseJson(entry[3].get_string(), "jqueue-test message") : entry[3];
      const auto& parts = AsArray(message, "jqueue-test message");
      if (parts.size() != 3) throw OpExecError("Invalid test message " + SerializeJson(message));
      ProcessTestMessage(job_id, std::string(parts[0].as_string()),
                         std::string(parts[1].as_string()), parts[2]);
      return true;
    }
    if (type == "message" && entry[3].is_string()) {
      const std::string text(entry[3].get_string());
      if (text.rfind(kTestMessagePrefix, 0) == 0) {
        if (!test_messages_) {
          throw OpExecError("Received test message without a preceding start message");
        }
        test_messages_->push_back(text.substr(std::strlen(kTestMessagePrefix)));
        all_test_messages_.push_back(text.substr(std::strlen(kTestMessagePrefix)));
        return true;
      }
    }
    return false;
  }
  const std::vector<std::string>& test_messages() const { return all_test_messages_; }
  std::optional<int64_t> job_id() const { return job_id_; }

 private:
  void ProcessTestMessage(int64_t job_id, const std::string& socket_path, const std::string& test,
                          const json::value& arg) {
    static const std::set<std::string> kTests{"exec", "expandnames", "logmsg", "startmsg"};
    if (!kTests.count(test)) throw OpExecError("Received invalid test message " + test);
    // Connected, the job waits for us to close: its status is checked meanwhile.
    NotificationSocket socket(socket_path);
    const json::value details =
        Master().Call("QueryJobs", json::array{json::array{job_id}, json::array{"status"}});
    const json::value& row = details.as_array()[0];
    if (!row.is_array()) throw OpExecError("Can't find job " + std::to_string(job_id));
    const std::string status(row.as_array()[0].as_string());
    if (test == "expandnames" && status != "waiting") {
      throw OpExecError("Job status while expanding names is '" + status +
                        "', not 'waiting' as expected");
    }
    if ((test == "exec" || test == "logmsg") && status != "running") {
      throw OpExecError("Job status while executing opcode is '" + status +
                        "', not 'running' as expected");
    }
    if (test == "startmsg") {
      test_messages_.emplace();
    } else if (test == "logmsg") {
      const int64_t expected = arg.is_int64() ? arg.get_int64() : -1;
      const size_t received = test_messages_ ? test_messages_->size() : 0;
      if (static_cast<int64_t>(received) != expected) {
        throw OpExecError("Received " + std::to_string(received) + " test messages when " +
                          PythonStr(arg) + " are expected");
      }
    }
  }

  std::optional<int64_t> job_id_;
  std::optional<std::vector<std::string>> test_messages_;
  std::vector<std::string> all_test_messages_;
};

std::string TimestampForFilename() {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%d_%H_%M_%S", &local);
  return buffer;
}

json::array StringList(const std::vector<std::string>& items) {
  json::array out;
  for (const auto& i : items) out.emplace_back(i);
  return out;
}

std::string ListRepr(const std::vector<std::string>& items) {
  return PythonRepr(json::value(StringList(items)));
}

// One mode of Ganeti's TestJobqueue loop.
void TestMode(const TestOptions& o, int mode) {
  enum { kSuccess, kMultiSuccess, kFail, kPartFail };
  const std::vector<std::string> messages{"Testing mode " + std::to_string(mode),
                                          "Hello World",
                                          "A",
                                          "",
                                          "B",
                                          "Foo|bar|baz",
                                          TimestampForFilename()};
  auto op = [&](bool failing) {
    return json::object{{"OP_ID", "OP_TEST_JQUEUE"},
                        {"notify_waitlock", true},
                        {"notify_exec", true},
                        {"log_messages", StringList(messages)},
                        {"fail", failing}};
  };
  const bool fail = mode == kFail || mode == kPartFail;
  json::array ops;
  std::vector<std::string> expect_messages, expect_opstatus;
  size_t expect_resultlen = 1;
  auto expect = [&](int times) {
    for (int i = 0; i < times; ++i) {
      expect_messages.insert(expect_messages.end(), messages.begin(), messages.end());
    }
  };
  if (mode == kPartFail) {
    std::cout << "Testing partial job failure" << std::endl;
    ops = {op(false), op(false), op(true), op(false)};
    expect(3);
    expect_opstatus = {"success", "success", "error", "error"};
    expect_resultlen = 2;
  } else if (mode == kMultiSuccess) {
    std::cout << "Testing multiple successful opcodes" << std::endl;
    ops = {op(false), op(false)};
    expect(2);
    expect_opstatus = {"success", "success"};
    expect_resultlen = 2;
  } else {
    std::cout << (mode == kSuccess ? "Testing job success" : "Testing job failure") << std::endl;
    expect_opstatus = {mode == kSuccess ? "success" : "error"};
    ops = {op(fail)};
    expect(1);
  }
  if (o.priority) {
    for (auto& each : ops) each.as_object()["priority"] = *o.priority;
  }
  const int64_t job_id = ToInt(Master().Call("SubmitJob", json::array{ops}), "job id");
  JobQueueTestReporter reporter;
  const json::value outcome = WaitJob(job_id, [&](int64_t id, const json::array& entry) {
    return reporter.HandleLogEntry(id, entry);
  });
  std::optional<json::array> results;
  if (outcome.as_array()[0].as_bool()) {
    if (fail) throw OpExecError("Job didn't fail when it should");
    results = outcome.as_array()[1].as_array();
  } else {
    const GanetiError error = JobError(job_id, outcome.as_array()[1]);
    if (!fail || error.error_class() != "OpExecError") throw error;
    std::cout << "Ignoring error for 'job fail' test: " << ErrorText(error) << std::endl;
  }
  if (!fail && results->size() != expect_resultlen) {
    throw OpExecError("Received " + std::to_string(results->size()) + " results (" +
                      PythonRepr(json::value(*results)) + "), expected " +
                      std::to_string(expect_resultlen));
  }
  if (reporter.test_messages() != expect_messages) {
    throw OpExecError("Received test messages don't match input (input " +
                      ListRepr(expect_messages) + ", received " +
                      ListRepr(reporter.test_messages()) + ")");
  }
  if (reporter.job_id() != job_id) {
    throw OpExecError("Reported job ID " +
                      (reporter.job_id() ? std::to_string(*reporter.job_id()) : "None") +
                      " doesn't matchsubmission job ID " + std::to_string(job_id));
  }
  const json::value details = Master().Call(
      "QueryJobs", json::array{json::array{job_id}, json::array{"status", "opstatus"}});
  const json::value& row = details.as_array()[0];
  if (!row.is_array()) throw OpExecError("Can't find job " + std::to_string(job_id));
  const std::string final_status(row.as_array()[0].as_string());
  const std::string expected_status = fail ? "error" : "success";
  if (final_status != expected_status) {
    throw OpExecError("Final job status is " + final_status + ", not " + expected_status +
                      " as expected");
  }
  std::vector<std::string> opstatus;
  for (const auto& s : row.as_array()[1].as_array()) opstatus.push_back(PythonStr(s));
  if (opstatus.size() != ops.size()) {
    throw OpExecError("Did not receive status for all opcodes (got " +
                      std::to_string(opstatus.size()) + ", expected " + std::to_string(ops.size()) +
                      ")");
  }
  if (opstatus != expect_opstatus) {
    throw OpExecError("Opcode status is " + ListRepr(opstatus) + ", expected " +
                      ListRepr(expect_opstatus));
  }
}

class TestJobqueue : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("--priority", priority_, "Priority for opcode processing")
        ->check(CLI::IsMember({"low", "normal", "high"}));
    app.add_flag("-d,--debug", o_.debug, "Show the errors the tests expect and ignore");
  }
  int Run() override {
    if (!priority_.empty()) o_.priority = priority_ == "low" ? 10 : priority_ == "high" ? -10 : 0;
    TestJobSubmission(o_);
    TestJobDependency(o_);
    for (int mode = 0; mode < 4; ++mode) TestMode(o_, mode);
    std::cout << "Job queue test successful" << std::endl;
    return kExitSuccess;
  }

 private:
  std::string priority_;
  TestOptions o_;
};

}  // namespace

std::vector<CommandEntry> DebugJobqueueCommands() {
  return {Entry<TestJobqueue>("test-jobqueue", "Test a few aspects of the job queue")};
}

}  // namespace herd::cli
