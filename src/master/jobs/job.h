// A job as Ganeti's job queue keeps it: opcodes with status, result, log and
// timestamps; the job status is derived from the opcode statuses.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "master/jobs/op_context.h"

namespace herd::jobs {

// Opcode and job statuses share Ganeti's names ("queued", "waiting", ...).
enum class Status { kQueued, kWaiting, kRunning, kCanceling, kCanceled, kSuccess, kError };

std::string_view StatusName(Status status);
Status ParseStatus(std::string_view name);  // throws JobQueueError
// canceled, success and error are final.
bool IsFinalized(Status status);

inline constexpr int kOpPrioDefault = 0;

// An opcode's wait for another job ("depends"): it runs once job `job` has
// finished with one of `statuses` (any final status when empty).
struct Dependency {
  JobId job = 0;
  std::vector<Status> statuses;
};
// The opcode's dependencies as stored (absolute job ids).
std::vector<Dependency> DependenciesOf(const json::object& opcode);

struct QueuedOpCode {
  json::object input;
  Status status = Status::kQueued;
  json::value result;  // null until finished; an encoded error on failure
  json::array log;     // [serial, [sec, usec], type, message]
  int priority = kOpPrioDefault;
  json::value start_timestamp;  // null or [sec, usec]
  json::value exec_timestamp;
  json::value end_timestamp;
  std::string summary;  // only in a stripped job (see Job::Strip)
};

struct Job {
  JobId id = 0;
  std::vector<QueuedOpCode> ops;
  json::value received_timestamp;
  json::value start_timestamp;
  json::value end_timestamp;
  int64_t log_serial = 0;  // highest log serial used
  bool archived = false;   // loaded from the archive (read-only)
  bool stripped = false;   // see Strip

  // Throws GenericError unless `opcodes` is a non-empty list of objects
  // carrying a string OP_ID, each with a priority one may submit (-10, 0,
  // 10) and dependencies of Ganeti's form ([[job id, [final statuses]]...]).
  static void Validate(const json::array& opcodes);
  // Builds a new queued job (validated as above), stamped as received now.
  // Relative dependencies (negative ids) become absolute: -1 is job id - 1,
  // the previous job of a SubmitManyJobs call.
  static Job FromOpcodes(JobId id, const json::array& opcodes);
  // Reads Ganeti's job file format; throws on malformed data.
  static Job Restore(const json::value& state);
  json::object Serialize() const;

  Status CalcStatus() const;
  // Lowest priority value among unfinished opcodes (Ganeti: lower is more urgent).
  int CalcPriority() const;
  // Log entries with a serial above `serial`, all opcodes in order.
  json::array LogEntriesAfter(int64_t serial) const;
  // Gives every unfinished opcode `status` and `result`.
  void MarkUnfinishedOps(Status status, const json::value& result);
  // Appends a log entry to opcode `op_index` under the next serial.
  void AppendLog(size_t op_index, std::string_view log_type, std::string_view message);
  // The same with a structured message (Ganeti's test notifications).
  void AppendLogValue(size_t op_index, std::string_view log_type, json::value message);
  void Finalize();  // sets end_timestamp
  // Drops what only a query of the finished job reads (each opcode's input,
  // result and log), keeping each opcode's summary: the job file holds the
  // whole job. A stripped job is neither serialized nor asked for its log.
  void Strip();
};

// Seconds since the epoch of a [sec, usec] timestamp; nullopt for null.
std::optional<double> TimestampSeconds(const json::value& ts);

}  // namespace herd::jobs
