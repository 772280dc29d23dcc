#include "master/jobs/job_query.h"

#include <algorithm>
#include <functional>
#include <stdexcept>
#include <utility>

#include "base/errors.h"
#include "master/jobs/op_summary.h"

namespace herd::jobs {
namespace {

using OpGetter = std::function<json::value(const QueuedOpCode&)>;

json::array PerOp(const Job& job, const OpGetter& get) {
  json::array out;
  for (const QueuedOpCode& op : job.ops) out.push_back(get(op));
  return out;
}

// Fields that list one value per opcode.
const std::pair<std::string_view, OpGetter> kOpFields[] = {
    {"ops", [](const QueuedOpCode& op) -> json::value { return op.input; }},
    {"opresult", [](const QueuedOpCode& op) { return op.result; }},
    {"opstatus",
     [](const QueuedOpCode& op) -> json::value { return json::string(StatusName(op.status)); }},
    {"oplog", [](const QueuedOpCode& op) -> json::value { return op.log; }},
    {"opstart", [](const QueuedOpCode& op) { return op.start_timestamp; }},
    {"opexec", [](const QueuedOpCode& op) { return op.exec_timestamp; }},
    {"opend", [](const QueuedOpCode& op) { return op.end_timestamp; }},
    {"oppriority", [](const QueuedOpCode& op) -> json::value { return op.priority; }},
    {"summary",
     [](const QueuedOpCode& op) -> json::value {
       return json::string(op.summary.empty() ? OpSummary(op.input) : op.summary);
     }},
};

// What a stripped job no longer holds (see Job::Strip).
constexpr std::string_view kWholeJobFields[] = {"ops", "opresult", "oplog"};

bool NeedsWholeJob(std::string_view field) {
  return std::find(std::begin(kWholeJobFields), std::end(kWholeJobFields), field) !=
         std::end(kWholeJobFields);
}

constexpr std::string_view kJobFields[] = {"id",          "status",   "priority", "archived",
                                           "received_ts", "start_ts", "end_ts"};

const OpGetter* FindOpField(std::string_view field) {
  for (const auto& [name, getter] : kOpFields) {
    if (name == field) return &getter;
  }
  return nullptr;
}

}  // namespace

void CheckJobFields(const std::vector<std::string>& fields) {
  std::string unknown;
  for (const std::string& f : fields) {
    if (FindOpField(f) ||
        std::find(std::begin(kJobFields), std::end(kJobFields), f) != std::end(kJobFields)) {
      continue;
    }
    if (!unknown.empty()) unknown += ", ";
    unknown += f;
  }
  if (!unknown.empty()) throw ParameterError("Unknown output fields selected: " + unknown);
}

bool FieldsNeedWholeJob(const std::vector<std::string>& fields) {
  return std::any_of(fields.begin(), fields.end(),
                     [](const std::string& f) { return NeedsWholeJob(f); });
}

json::value JobFieldValue(const Job& job, std::string_view field) {
  if (job.stripped && NeedsWholeJob(field)) {
    throw std::logic_error("job " + std::to_string(job.id) + " is stripped of " +
                           std::string(field));
  }
  if (const OpGetter* getter = FindOpField(field)) return PerOp(job, *getter);
  if (field == "id") return job.id;
  if (field == "status") return json::string(StatusName(job.CalcStatus()));
  if (field == "priority") return job.CalcPriority();
  if (field == "archived") return job.archived;
  if (field == "received_ts") return job.received_timestamp;
  if (field == "start_ts") return job.start_timestamp;
  if (field == "end_ts") return job.end_timestamp;
  throw ParameterError("Unknown output fields selected: " + std::string(field));
}

json::array JobRow(const Job& job, const std::vector<std::string>& fields) {
  json::array row;
  for (const std::string& f : fields) row.push_back(JobFieldValue(job, f));
  return row;
}

}  // namespace herd::jobs
