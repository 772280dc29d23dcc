// What an opcode executor sees of its job while it runs: feedback, the
// waiting-to-running transition, and cancellation.
#pragma once

#include <cstdint>
#include <exception>
#include <string_view>

namespace herd::jobs {

using JobId = int64_t;

// Thrown (by CheckCancel or by the executor itself) to stop an opcode whose
// job was canceled while it waited for locks.
class OpCanceled : public std::exception {
 public:
  const char* what() const noexcept override { return "Job canceled by request"; }
};

// The job queue hands a live implementation to the executor; the base class
// does nothing, so logical units can be run with a plain OpContext in tests.
class OpContext {
 public:
  explicit OpContext(JobId job_id = 0, int op_index = 0) : job_id(job_id), op_index(op_index) {}
  virtual ~OpContext() = default;

  JobId job_id;
  int op_index;  // position of the opcode in its job

  // Appends a log line of type "message" (gnt-job watch shows it).
  void Feedback(std::string_view msg) { FeedbackOfType("message", msg); }
  virtual void FeedbackOfType(std::string_view log_type, std::string_view msg) {}
  // A log entry whose message is a JSON document (given as text), as
  // Ganeti's test opcodes send them.
  virtual void FeedbackJsonOfType(std::string_view log_type, std::string_view json_text) {}
  // Call once the opcode's locks are held: the opcode turns from "waiting"
  // into "running" and can no longer be canceled. Throws OpCanceled if a
  // cancel arrived while waiting.
  virtual void NotifyStart() {}
  virtual bool CancelRequested() const { return false; }
  // While set, a cancel request reaches this running opcode too (Ganeti
  // cancels only opcodes still waiting): for long data transfers that can
  // stop cleanly at any point and check CancelRequested as they go.
  virtual void SetCancelableWhileRunning(bool cancelable) {}
  void CheckCancel() const {
    if (CancelRequested()) throw OpCanceled();
  }
};

}  // namespace herd::jobs
