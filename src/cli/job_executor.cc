#include "cli/job_executor.h"

#include <boost/json.hpp>
#include <iostream>

#include "base/errors.h"
#include "base/json.h"
#include "cli/command.h"
#include "cli/jobs.h"

namespace herd::cli {

void JobExecutor::QueueJob(std::string name, boost::json::array opcodes) {
  if (priority_) {
    for (auto& op : opcodes) op.as_object()["priority"] = *priority_;
  }
  queue_.emplace_back(std::move(name), std::move(opcodes));
}

void JobExecutor::AddJobId(std::string name, bool submitted, json::value id_or_error) {
  jobs_.push_back({std::move(name), submitted, std::move(id_or_error)});
}

void JobExecutor::SubmitPending() {
  if (queue_.empty()) return;
  json::array jobs;
  for (const auto& [name, opcodes] : queue_) jobs.push_back(opcodes);
  const json::value submitted = Master().Call("SubmitManyJobs", json::array{std::move(jobs)});
  const auto& rows = submitted.as_array();
  if (rows.size() != queue_.size()) {
    throw LuxiError("SubmitManyJobs answered " + std::to_string(rows.size()) + " results for " +
                    std::to_string(queue_.size()) + " jobs");
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& row = rows[i].as_array();
    AddJobId(queue_[i].first, row[0].as_bool(), row[1]);
  }
  queue_.clear();
}

std::vector<std::pair<bool, json::value>> JobExecutor::GetResults() {
  if (jobs_.empty()) SubmitPending();
  std::vector<std::pair<bool, json::value>> results(jobs_.size());
  std::string ids;
  for (const auto& job : jobs_) {
    if (job.submitted)
      ids += (ids.empty() ? "" : ", ") + std::to_string(ToInt(job.id_or_error, "job id"));
  }
  if (!ids.empty()) std::cout << "Submitted jobs " << ids << "\n";
  auto for_name = [](const std::string& name) { return name.empty() ? "" : " for " + name; };
  for (size_t i = 0; i < jobs_.size(); ++i) {
    if (jobs_[i].submitted) continue;
    const json::value& why = jobs_[i].id_or_error;
    std::cerr << "Failed to submit job" << for_name(jobs_[i].name) << ": "
              << (why.is_string() ? std::string(why.get_string()) : SerializeJson(why)) << "\n";
    results[i] = {false, why};
  }
  for (size_t i = 0; i < jobs_.size(); ++i) {
    if (!jobs_[i].submitted) continue;
    const int64_t job_id = ToInt(jobs_[i].id_or_error, "job id");
    const std::string name = for_name(jobs_[i].name);
    std::cout << "Waiting for job " << job_id << name << " ..." << std::endl;
    try {
      const json::value outcome = WaitJob(job_id);
      const auto& pair = outcome.as_array();
      if (pair[0].as_bool()) {
        results[i] = {true, pair[1]};
        continue;
      }
      const std::string message = JobError(job_id, pair[1]).UserMessage();
      std::cerr << "Job " << job_id << name << " has failed: " << message << "\n";
      results[i] = {false, json::value(message)};
    } catch (const GanetiError& e) {
      if (e.error_class() != "JobLost") throw;
      std::cerr << "Job " << job_id << name << " has been archived, cannot check its result\n";
      results[i] = {false, json::value(e.UserMessage())};
    }
  }
  jobs_.clear();
  return results;
}

}  // namespace herd::cli
