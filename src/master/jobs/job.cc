#include "master/jobs/job.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "base/errors.h"
#include "master/jobs/op_summary.h"

namespace herd::jobs {
namespace {

constexpr std::pair<Status, std::string_view> kStatusNames[] = {
    {Status::kQueued, "queued"},     {Status::kWaiting, "waiting"},
    {Status::kRunning, "running"},   {Status::kCanceling, "canceling"},
    {Status::kCanceled, "canceled"}, {Status::kSuccess, "success"},
    {Status::kError, "error"},
};

json::value NullOr(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it == o.end() ? json::value() : it->value();
}

// The reason trail entry Ganeti adds at submission: ("gnt:opcode:node_add",
// "job=5;index=0", nanoseconds).
json::array ReasonEntry(std::string_view op_id, JobId id, size_t index,
                        const json::value& received) {
  std::string source = "gnt:opcode:";
  for (char c : op_id.substr(op_id.rfind("OP_", 0) == 0 ? 3 : 0)) {
    source.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  const json::array& ts = received.get_array();
  int64_t ns = ToInt(ts[0], "timestamp") * 1000000000 + ToInt(ts[1], "timestamp") * 1000;
  return json::array{json::value(source),
                     json::value("job=" + std::to_string(id) + ";index=" + std::to_string(index)),
                     json::value(ns)};
}

// Ganeti's OpSubmitPriority: low, normal, high.
bool SubmittablePriority(const json::value& v) {
  if (!v.is_int64() && !v.is_uint64()) return false;
  const int64_t p = v.to_number<int64_t>();
  return p == -10 || p == 0 || p == 10;
}

[[noreturn]] void BadDependencies(const json::value& v) {
  throw GenericError("Invalid job dependencies " + SerializeJson(v) +
                     ": expected a list of [job id, [final job statuses]]");
}

// A [job id, [statuses]] pair; the id stays relative when negative.
Dependency ParseDependency(const json::value& v) {
  const auto* pair = v.if_array();
  if (!pair || pair->size() != 2 || !(*pair)[1].is_array()) BadDependencies(v);
  Dependency dep;
  const json::value& id = (*pair)[0];
  if (id.is_int64() || id.is_uint64()) {
    dep.job = id.to_number<int64_t>();
  } else if (id.is_string() && !id.get_string().empty() &&
             std::all_of(id.get_string().begin(), id.get_string().end(),
                         [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    dep.job = std::stoll(std::string(id.get_string()));
  } else {
    BadDependencies(v);
  }
  for (const json::value& s : (*pair)[1].get_array()) {
    if (!s.is_string()) BadDependencies(v);
    Status status;
    try {
      status = ParseStatus(s.get_string());
    } catch (const GanetiError&) {
      BadDependencies(v);
    }
    if (!IsFinalized(status)) BadDependencies(v);
    dep.statuses.push_back(status);
  }
  return dep;
}

std::vector<Dependency> ParseDependencies(const json::object& opcode) {
  std::vector<Dependency> deps;
  auto it = opcode.find("depends");
  if (it == opcode.end() || it->value().is_null()) return deps;
  if (!it->value().is_array()) BadDependencies(it->value());
  for (const json::value& v : it->value().get_array()) deps.push_back(ParseDependency(v));
  return deps;
}

}  // namespace

std::vector<Dependency> DependenciesOf(const json::object& opcode) {
  return ParseDependencies(opcode);
}

std::string_view StatusName(Status status) {
  for (const auto& [s, name] : kStatusNames) {
    if (s == status) return name;
  }
  return "unknown";
}

Status ParseStatus(std::string_view name) {
  for (const auto& [s, n] : kStatusNames) {
    if (n == name) return s;
  }
  throw JobQueueError("Unknown opcode status '" + std::string(name) + "'");
}

bool IsFinalized(Status status) {
  return status == Status::kCanceled || status == Status::kSuccess || status == Status::kError;
}

void Job::Validate(const json::array& opcodes) {
  if (opcodes.empty()) throw GenericError("A job needs at least one opcode");
  for (const json::value& op : opcodes) {
    if (!op.is_object()) throw GenericError("Invalid data to LoadOpCode (not a dict)");
    auto op_id = op.get_object().find("OP_ID");
    if (op_id == op.get_object().end() || !op_id->value().is_string()) {
      throw GenericError("Invalid data to LoadOpcode, missing OP_ID");
    }
    auto priority = op.get_object().find("priority");
    if (priority != op.get_object().end() && !SubmittablePriority(priority->value())) {
      throw GenericError("Invalid opcode priority " + SerializeJson(priority->value()) +
                         ": jobs may be submitted with priority -10, 0 or 10");
    }
    ParseDependencies(op.get_object());
  }
}

Job Job::FromOpcodes(JobId id, const json::array& opcodes) {
  Validate(opcodes);
  Job job;
  job.id = id;
  job.received_timestamp = TimestampNow();
  for (size_t i = 0; i < opcodes.size(); ++i) {
    QueuedOpCode op;
    op.input = opcodes[i].get_object();
    const std::string op_id(op.input.at("OP_ID").get_string());
    op.priority = static_cast<int>(GetIntOr(op.input, "priority", kOpPrioDefault));
    if (auto deps = ParseDependencies(op.input); !deps.empty()) {
      json::array absolute;
      for (const Dependency& d : deps) {
        const JobId dep_id = d.job < 0 ? id + d.job : d.job;
        if (dep_id < 0) {
          throw GenericError("Invalid value for job ID '" + std::to_string(dep_id) + "'");
        }
        json::array statuses;
        for (Status st : d.statuses) statuses.emplace_back(StatusName(st));
        absolute.push_back(json::array{dep_id, std::move(statuses)});
      }
      op.input["depends"] = std::move(absolute);
    }
    json::value& reason = op.input["reason"];
    if (!reason.is_array()) reason = json::array();
    reason.get_array().push_back(ReasonEntry(op_id, id, i, job.received_timestamp));
    job.ops.push_back(std::move(op));
  }
  return job;
}

Job Job::Restore(const json::value& state) {
  const json::object& o = AsObject(state, "job");
  Job job;
  job.id = GetInt(o, "id", "job");
  job.received_timestamp = NullOr(o, "received_timestamp");
  job.start_timestamp = NullOr(o, "start_timestamp");
  job.end_timestamp = NullOr(o, "end_timestamp");
  auto ops = o.find("ops");
  if (ops == o.end()) throw JobQueueError("job " + std::to_string(job.id) + " has no opcodes");
  for (const json::value& v : AsArray(ops->value(), "job ops")) {
    const json::object& s = AsObject(v, "queued opcode");
    QueuedOpCode op;
    op.input = AsObject(NullOr(s, "input"), "opcode input");
    op.status = ParseStatus(GetString(s, "status", "queued opcode"));
    op.result = NullOr(s, "result");
    json::value log = NullOr(s, "log");
    if (log.is_array()) op.log = std::move(log.get_array());
    op.priority = static_cast<int>(GetIntOr(s, "priority", kOpPrioDefault));
    op.start_timestamp = NullOr(s, "start_timestamp");
    op.exec_timestamp = NullOr(s, "exec_timestamp");
    op.end_timestamp = NullOr(s, "end_timestamp");
    for (const json::value& entry : op.log) {
      if (entry.is_array() && !entry.get_array().empty()) {
        job.log_serial = std::max(job.log_serial, ToInt(entry.get_array()[0], "log serial"));
      }
    }
    job.ops.push_back(std::move(op));
  }
  return job;
}

json::object Job::Serialize() const {
  if (stripped) throw std::logic_error("job " + std::to_string(id) + " is stripped");
  json::array ops_out;
  for (const QueuedOpCode& op : ops) {
    ops_out.push_back(json::object{
        {"input", op.input},
        {"status", StatusName(op.status)},
        {"result", op.result},
        {"log", op.log},
        {"start_timestamp", op.start_timestamp},
        {"exec_timestamp", op.exec_timestamp},
        {"end_timestamp", op.end_timestamp},
        {"priority", op.priority},
    });
  }
  return json::object{
      {"id", id},
      {"ops", std::move(ops_out)},
      {"start_timestamp", start_timestamp},
      {"end_timestamp", end_timestamp},
      {"received_timestamp", received_timestamp},
      {"livelock", nullptr},
      {"process_id", nullptr},
  };
}

// Ganeti's rule: the first error/canceling/canceled opcode decides; else the
// last waiting/running one; all success is success; otherwise queued.
Status Job::CalcStatus() const {
  Status status = Status::kQueued;
  bool all_success = true;
  for (const QueuedOpCode& op : ops) {
    if (op.status == Status::kSuccess) continue;
    all_success = false;
    switch (op.status) {
      case Status::kWaiting:
      case Status::kRunning:
        status = op.status;
        break;
      case Status::kCanceling:
      case Status::kCanceled:
      case Status::kError:
        return op.status;
      default:
        break;
    }
  }
  return all_success ? Status::kSuccess : status;
}

int Job::CalcPriority() const {
  std::optional<int> best;
  for (const QueuedOpCode& op : ops) {
    if (IsFinalized(op.status)) continue;
    best = best ? std::min(*best, op.priority) : op.priority;
  }
  return best.value_or(kOpPrioDefault);
}

json::array Job::LogEntriesAfter(int64_t serial) const {
  if (stripped) throw std::logic_error("job " + std::to_string(id) + " is stripped");
  json::array out;
  for (const QueuedOpCode& op : ops) {
    for (const json::value& entry : op.log) {
      if (ToInt(entry.get_array()[0], "log serial") > serial) out.push_back(entry);
    }
  }
  return out;
}

void Job::MarkUnfinishedOps(Status status, const json::value& result) {
  for (QueuedOpCode& op : ops) {
    if (IsFinalized(op.status)) continue;
    op.status = status;
    op.result = result;
  }
}

void Job::AppendLog(size_t op_index, std::string_view log_type, std::string_view message) {
  ops.at(op_index).log.push_back(
      json::array{++log_serial, TimestampNow(), json::string(log_type), json::string(message)});
}

void Job::AppendLogValue(size_t op_index, std::string_view log_type, json::value message) {
  ops.at(op_index).log.push_back(
      json::array{++log_serial, TimestampNow(), json::string(log_type), std::move(message)});
}

void Job::Finalize() { end_timestamp = TimestampNow(); }

void Job::Strip() {
  for (QueuedOpCode& op : ops) {
    op.summary = OpSummary(op.input);
    op.input = json::object();
    op.result = nullptr;
    op.log = json::array();
  }
  stripped = true;
}

std::optional<double> TimestampSeconds(const json::value& ts) {
  if (!ts.is_array() || ts.get_array().size() != 2) return std::nullopt;
  return ToNumber(ts.get_array()[0], "timestamp") + ToNumber(ts.get_array()[1], "timestamp") / 1e6;
}

}  // namespace herd::jobs
