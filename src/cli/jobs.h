// Submitting opcodes and following jobs as Ganeti's CLI does: log lines as
// "<ctime> <message>", the opcode result or the job's error.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <cstdint>

namespace herd::cli {

// Submits one job; with `submit_only` prints "JobID: N" and returns null.
// Otherwise waits, printing its log, and returns the list of opcode results
// (throws the job's error when it failed).
boost::json::value SubmitAndWait(const boost::json::array& opcodes, bool submit_only);
// Waits for a job, printing its log; returns [success, opresults].
boost::json::value WaitJob(int64_t job_id, bool print_log = true);

}  // namespace herd::cli
