// hbal -X: the balancing moves as Ganeti's opcodes, submitted through LUXI
// one job set at a time (a set's jobs run in parallel), stopping at the
// first failed job.
#pragma once

#include <string>
#include <vector>

#include "htools/balance.h"
#include "htools/iallocator_answer.h"

namespace herd::htools {

// Ganeti's iMoveToJob: the opcodes of one move of `inst` (before the move).
std::vector<JobOpcode> MoveOpcodes(const Cluster& cluster, const InstanceState& inst, Move move);

// Submits and waits for every job set in order; throws with Ganeti's
// "Not all jobs completed successfully" when a job fails.
void ExecuteJobSets(const std::string& luxi_socket, const Cluster& before,
                    const std::vector<std::vector<const MoveJob*>>& job_sets);

}  // namespace herd::htools
