// Ganeti's job query fields (lib/query.py _BuildJobFields), as used by the
// LUXI calls QueryJobs and WaitForJobChange.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "master/jobs/job.h"

namespace herd::jobs {

// Throws ParameterError naming the fields that are not job fields.
void CheckJobFields(const std::vector<std::string>& fields);
// Whether any of `fields` needs what a stripped job no longer holds.
bool FieldsNeedWholeJob(const std::vector<std::string>& fields);
// One field's value; unavailable timestamps are null, as in Ganeti.
json::value JobFieldValue(const Job& job, std::string_view field);
json::array JobRow(const Job& job, const std::vector<std::string>& fields);

}  // namespace herd::jobs
