#include "cli/jobs.h"

#include <boost/json.hpp>
#include <iostream>

#include "base/errors.h"
#include "base/json.h"
#include "cli/command.h"
#include "cli/format.h"

namespace herd::cli {

json::value WaitJob(int64_t job_id, bool print_log) {
  return WaitJob(job_id, [print_log](int64_t, const json::array&) { return !print_log; });
}

json::value WaitJob(int64_t job_id, const JobLogHandler& on_log) {
  json::value prev_info = nullptr;
  int64_t prev_serial = -1;
  json::array fields{"status"};
  for (;;) {
    json::value r = Master().Call("WaitForJobChange",
                                  json::array{job_id, fields, prev_info, prev_serial, 30.0});
    if (r.is_null())
      throw GanetiError("JobLost", {"Job with id " + std::to_string(job_id) + " lost"});
    if (r.is_string() && r.get_string() == "nochange") continue;
    const auto& pair = r.as_array();
    prev_info = pair[0];
    for (const auto& entry : pair[1].as_array()) {
      const auto& e = entry.as_array();  // [serial, timestamp, type, message]
      prev_serial = std::max(prev_serial, ToInt(e[0], "log serial"));
      if (!on_log(job_id, e)) {
        std::string msg = e[3].is_string() ? std::string(e[3].get_string()) : SerializeJson(e[3]);
        std::cout << FormatTimestamp(e[1]) << " " << msg << std::endl;
      }
    }
    std::string status(pair[0].as_array()[0].as_string());
    if (status == "success" || status == "error" || status == "canceled") break;
  }
  json::value row = Master().Call(
      "QueryJobs", json::array{json::array{job_id}, json::array{"status", "opresult"}});
  const auto& result = row.as_array()[0].as_array();
  const std::string status(result[0].as_string());
  if (status == "success") return json::array{true, result[1]};
  if (status == "canceled") return json::array{false, "Job was canceled"};
  return json::array{false, result[1]};
}

json::value SubmitAndWait(const json::array& opcodes, bool submit_only) {
  json::array args;
  args.push_back(opcodes);
  int64_t job_id = ToInt(Master().Call("SubmitJob", args), "job id");
  if (submit_only) {
    std::cout << "JobID: " << job_id << std::endl;
    return nullptr;
  }
  json::value r = WaitJob(job_id);
  const auto& pair = r.as_array();
  if (pair[0].as_bool()) return pair[1];
  throw JobError(job_id, pair[1]);
}

GanetiError JobError(int64_t job_id, const json::value& failure) {
  // The first failed opcode's encoded error is the job's error.
  if (failure.is_array()) {
    for (const auto& opresult : failure.as_array()) {
      if (opresult.is_array() && opresult.as_array().size() == 2 &&
          opresult.as_array()[0].is_string()) {
        return DecodeError(opresult);
      }
    }
  }
  return OpExecError("Job " + std::to_string(job_id) + " failed: " + SerializeJson(failure));
}

}  // namespace herd::cli
