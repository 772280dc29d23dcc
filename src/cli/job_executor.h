// Ganeti's JobExecutor: named jobs submitted together, then waited for one
// by one with their logs shown, failures reported as Ganeti words them.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace herd::cli {

class JobExecutor {
 public:
  // Sets `priority` (Ganeti's OP_PRIO_* number) on every opcode queued.
  void set_priority(std::optional<int> priority) { priority_ = priority; }
  void QueueJob(std::string name, boost::json::array opcodes);
  // A job submitted already: `submitted` and the job id, or false and why
  // not (a row of SubmitManyJobs' answer).
  void AddJobId(std::string name, bool submitted, boost::json::value id_or_error);
  // Submits the queued jobs (one SubmitManyJobs) unless jobs were added,
  // prints "Submitted jobs ...", waits for each ("Waiting for job N for NAME
  // ..."); returns, in order, (true, opcode results) or (false, the error's
  // message).
  std::vector<std::pair<bool, boost::json::value>> GetResults();

 private:
  struct Job {
    std::string name;
    bool submitted = false;
    boost::json::value id_or_error;
  };
  void SubmitPending();

  std::optional<int> priority_;
  std::vector<std::pair<std::string, boost::json::array>> queue_;
  std::vector<Job> jobs_;
};

}  // namespace herd::cli
