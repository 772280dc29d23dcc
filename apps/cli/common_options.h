// Options several gnt-* programs share, declared once with Ganeti's names
// (lib/cli_opts.py), and what they turn into in an opcode.
#pragma once

#include <CLI/CLI.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <functional>
#include <string>
#include <vector>

#include "program.h"

namespace herd::cli {

// --submit, --dry-run, --priority: how a job is sent.
struct JobOptions {
  bool submit = false, dry_run = false;
  std::string priority;
};
void AddSubmitOptions(CLI::App& app, JobOptions& o, bool dry_run = true);
// Sets the opcode's dry_run and priority as the options ask.
void ApplyJobOptions(const JobOptions& o, boost::json::object& opcode);
// Adds dry_run and priority to every opcode, then submits the job (and
// waits unless --submit): the list of opcode results, or null.
boost::json::value SendJob(const JobOptions& o, boost::json::array opcodes);

// --alloc-policy
void AddAllocPolicyOption(CLI::App& app, std::string& value);
// --node-parameters k=v,...
void AddNodeParamsOption(CLI::App& app, std::string& value);
// -D/--disk-parameters template:k=v,... (repeatable)
void AddDiskParamsOption(CLI::App& app, std::vector<std::string>& values);
// --hypervisor-state hv:k=v,... (repeatable)
void AddHvStateOption(CLI::App& app, std::vector<std::string>& values);
// --disk-state storage:k=v,... (repeatable)
void AddDiskStateOption(CLI::App& app, std::vector<std::string>& values);

// The --ipolicy-* options of a group or the cluster.
struct IPolicyOptions {
  std::string bounds_specs, std_specs, disk_templates, vcpu_ratio, spindle_ratio;
};
// `with_std`: --ipolicy-std-specs too (the cluster's policy has them, a group's not).
void AddIPolicyOptions(CLI::App& app, IPolicyOptions& o, bool with_std = false);
// The policy they give (only what was given; "default" values kept).
boost::json::object IPolicyFrom(const IPolicyOptions& o);

// --disk-state "storage/unit:k=v,..." (repeated) as {storage: {unit: {k: v}}},
// Ganeti's FlatToDict.
boost::json::object DiskStateFrom(const std::vector<std::string>& values);

// "name:k=v,..." repeated options as {name: {k: v}}.
boost::json::object NamedParams(const std::vector<std::string>& values, const std::string& option);

// "a,b,,c" -> ["a", "b", "c"] (empty items dropped).
std::vector<std::string> SplitComma(const std::string& text);
// A JSON list of strings.
boost::json::array StringArray(const std::vector<std::string>& items);

// --tags-source / --from for the tag commands: tags from a file ("-" is stdin).
std::vector<std::string> TagsWithFile(std::vector<std::string> tags, const std::string& file);

}  // namespace herd::cli

namespace herd::cli {

// Waits for the jobs an opcode submitted (Ganeti's "jobs" result key:
// [[success, job id or error], ...]), showing their logs unless told not to;
// returns their outcomes in order as [success, opresults or error]. A job
// that failed, or could not be submitted, is reported on stderr.
std::vector<boost::json::value> WaitForSubmittedJobs(const boost::json::value& jobs,
                                                     bool print_log = true);
// How many of those outcomes are failures.
int CountFailed(const std::vector<boost::json::value>& outcomes);
// Ganeti's JobExecutor ending: waits for the jobs of `opcode_result`
// ({"jobs": ...}), prints `success` or `failure(count)`, returns the exit code.
int ReportSubmittedJobs(const boost::json::value& opcode_result, const std::string& success,
                        const std::function<std::string(int)>& failure);
// The same for an evacuation (of a node or a group), in Ganeti's words.
int ReportEvacuation(const boost::json::value& opcode_result);

// A modify opcode's [[parameter, new value], ...] as Ganeti prints them
// (" - %-5s -> %s").
void PrintChanges(const boost::json::array& changes);

// Ganeti's PrintIPolicyCommand: the --ipolicy-std-specs (not for a group)
// and --ipolicy-bounds-specs options that recreate the policy's specs,
// each preceded by a space.
std::string IPolicySpecsOptions(const boost::json::object& ipolicy, bool is_group);

// list-fields of a query resource (Ganeti's GenericListFields command).
CommandEntry ListFieldsEntry(const std::string& resource, const std::string& description);

// A value as Ganeti's info output shows it: "-" for none, True/False,
// strings as they are, anything else as JSON.
std::string ValueText(const boost::json::value& v);

}  // namespace herd::cli
