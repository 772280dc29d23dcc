// Submitting opcodes and following jobs as Ganeti's CLI does: log lines as
// "<ctime> <message>", the opcode result or the job's error.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <functional>

#include "base/errors.h"

namespace herd::cli {

// Submits one job; with `submit_only` prints "JobID: N" and returns null.
// Otherwise waits, printing its log, and returns the list of opcode results
// (throws the job's error when it failed).
boost::json::value SubmitAndWait(const boost::json::array& opcodes, bool submit_only);
// Waits for a job, printing its log; returns [success, opresults].
boost::json::value WaitJob(int64_t job_id, bool print_log = true);
// The error a failed job reports: WaitJob's opresults (or message) of the
// failure, as the error of its first failed opcode.
GanetiError JobError(int64_t job_id, const boost::json::value& failure);
// One job log entry, [serial, timestamp, type, message]; returns true when
// it took care of the entry, false to have it printed as usual.
using JobLogHandler = std::function<bool(int64_t job_id, const boost::json::array& entry)>;
// WaitJob with the log entries offered to `on_log` first.
boost::json::value WaitJob(int64_t job_id, const JobLogHandler& on_log);

}  // namespace herd::cli
