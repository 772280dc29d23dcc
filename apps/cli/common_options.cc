#include "common_options.h"

#include <algorithm>
#include <boost/json.hpp>
#include <fstream>
#include <iostream>
#include <sstream>

#include "base/errors.h"
#include "base/json.h"
#include "base/python_repr.h"
#include "cli/command.h"
#include "cli/jobs.h"
#include "cli/key_values.h"
#include "cli/listing.h"

namespace herd::cli {
namespace json = boost::json;

void AddSubmitOptions(CLI::App& app, JobOptions& o, bool dry_run) {
  app.add_flag("--submit", o.submit, "Submit the job and return the job ID, but don't wait");
  if (dry_run) {
    app.add_flag("--dry-run", o.dry_run,
                 "Do not execute the operation, just run the check steps and verify if it could "
                 "be executed");
  }
  app.add_option("--priority", o.priority, "Priority for opcode processing")
      ->check(CLI::IsMember({"low", "normal", "high"}));
}

void ApplyJobOptions(const JobOptions& o, json::object& opcode) {
  if (o.dry_run) opcode["dry_run"] = true;
  if (!o.priority.empty()) {
    opcode["priority"] = o.priority == "low" ? 10 : o.priority == "high" ? -10 : 0;
  }
}

json::value SendJob(const JobOptions& o, json::array opcodes) {
  for (auto& op : opcodes) ApplyJobOptions(o, op.as_object());
  return SubmitAndWait(opcodes, o.submit);
}

void AddAllocPolicyOption(CLI::App& app, std::string& value) {
  app.add_option("--alloc-policy", value, "Allocation policy for the node group")
      ->check(CLI::IsMember({"preferred", "last_resort", "unallocable"}));
}

void AddNodeParamsOption(CLI::App& app, std::string& value) {
  app.add_option("--node-parameters", value, "Node parameters (key=value,...)");
}

void AddDiskParamsOption(CLI::App& app, std::vector<std::string>& values) {
  app.add_option("-D,--disk-parameters", values,
                 "Disk template parameters (template:key=value,...)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

void AddHvStateOption(CLI::App& app, std::vector<std::string>& values) {
  app.add_option("--hypervisor-state", values, "Hypervisor state (hypervisor:key=value,...)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

void AddDiskStateOption(CLI::App& app, std::vector<std::string>& values) {
  app.add_option("--disk-state", values, "Disk state (storage_type:key=value,...)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

void AddIPolicyOptions(CLI::App& app, IPolicyOptions& o, bool with_std) {
  app.add_option("--ipolicy-bounds-specs", o.bounds_specs,
                 "Instance specs bounds (min:key=value,.../max:key=value,...[//min:.../max:...])");
  if (with_std) {
    app.add_option("--ipolicy-std-specs", o.std_specs, "Standard instance specs (key=value,...)");
  }
  app.add_option("--ipolicy-disk-templates", o.disk_templates,
                 "Comma-separated list of enabled disk templates");
  app.add_option("--ipolicy-vcpu-ratio", o.vcpu_ratio, "The maximum allowed vcpu-to-cpu ratio");
  app.add_option("--ipolicy-spindle-ratio", o.spindle_ratio,
                 "The maximum allowed instances to spindle ratio");
}

namespace {

std::vector<std::string> Split(const std::string& text, const std::string& by) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t at = text.find(by, start);
    out.push_back(text.substr(start, at == std::string::npos ? std::string::npos : at - start));
    if (at == std::string::npos) return out;
    start = at + by.size();
  }
}

json::value Ratio(const std::string& text, const std::string& option) {
  if (text == "default") return "default";
  try {
    size_t end = 0;
    double d = std::stod(text, &end);
    if (end == text.size()) return d;
  } catch (const std::exception&) {
  }
  throw ParameterError("Invalid value for " + option + ": '" + text + "' (a number expected)");
}

}  // namespace

json::object IPolicyFrom(const IPolicyOptions& o) {
  json::object policy;
  if (!o.bounds_specs.empty()) {
    if (o.bounds_specs == "default") {
      policy["minmax"] = "default";
    } else {
      json::array minmax;
      for (const auto& pair : Split(o.bounds_specs, "//")) {
        json::object entry;
        for (const auto& part : Split(pair, "/")) {
          auto [name, params] = ParseNamedKeyValues(part, "--ipolicy-bounds-specs");
          if (name != "min" && name != "max") {
            throw ParameterError("Invalid instance specs '" + part +
                                 "' in --ipolicy-bounds-specs: min or max expected");
          }
          entry[name] = params;
        }
        minmax.emplace_back(std::move(entry));
      }
      policy["minmax"] = std::move(minmax);
    }
  }
  if (!o.std_specs.empty()) policy["std"] = ParseKeyValues(o.std_specs, "--ipolicy-std-specs");
  if (!o.disk_templates.empty()) {
    json::array templates;
    for (const auto& t : Split(o.disk_templates, ",")) templates.emplace_back(t);
    policy["disk-templates"] = std::move(templates);
  }
  if (!o.vcpu_ratio.empty()) policy["vcpu-ratio"] = Ratio(o.vcpu_ratio, "--ipolicy-vcpu-ratio");
  if (!o.spindle_ratio.empty()) {
    policy["spindle-ratio"] = Ratio(o.spindle_ratio, "--ipolicy-spindle-ratio");
  }
  return policy;
}

json::object DiskStateFrom(const std::vector<std::string>& values) {
  json::object out;
  for (const auto& v : values) {
    auto [name, params] = ParseNamedKeyValues(v, "--disk-state");
    const auto slash = name.find('/');
    if (slash == std::string::npos) {
      throw ParameterError("Invalid --disk-state '" + v + "' (storage_type/name:key=value,...)");
    }
    auto& units = out[name.substr(0, slash)];
    if (!units.is_object()) units = json::object{};
    units.as_object()[name.substr(slash + 1)] = std::move(params);
  }
  return out;
}

json::object NamedParams(const std::vector<std::string>& values, const std::string& option) {
  json::object out;
  for (const auto& v : values) {
    auto [name, params] = ParseNamedKeyValues(v, option);
    out[name] = std::move(params);
  }
  return out;
}

std::vector<std::string> SplitComma(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

json::array StringArray(const std::vector<std::string>& items) {
  json::array out;
  for (const auto& i : items) out.emplace_back(i);
  return out;
}

std::vector<std::string> TagsWithFile(std::vector<std::string> tags, const std::string& file) {
  if (file.empty()) return tags;
  std::ifstream in_file;
  std::istream* in = &std::cin;
  if (file != "-") {
    in_file.open(file);
    if (!in_file) throw ParameterError("Can't read tags from " + file);
    in = &in_file;
  }
  std::string line;
  while (std::getline(*in, line)) {
    const auto start = line.find_first_not_of(" \t");
    if (start == std::string::npos) continue;
    const auto end = line.find_last_not_of(" \t\r");
    tags.push_back(line.substr(start, end - start + 1));
  }
  return tags;
}

}  // namespace herd::cli

namespace herd::cli {

namespace {
class ResourceFields : public Command {
 public:
  explicit ResourceFields(std::string resource) : resource_(std::move(resource)) {}
  void Declare(CLI::App& app) override {
    app.add_option("fields", fields_, "Fields (default: all)");
    app.add_flag("--no-headers", list_.no_headers, "Don't display column headers");
    app.add_option("--separator", list_.separator, "Separator between output fields");
  }
  int Run() override { return ListFields(resource_, fields_, list_); }

 private:
  std::string resource_;
  ListOptions list_;
  std::vector<std::string> fields_;
};
}  // namespace

CommandEntry ListFieldsEntry(const std::string& resource, const std::string& description) {
  return {"list-fields",
          description,
          [resource] { return std::make_unique<ResourceFields>(resource); },
          {}};
}

namespace {
// "k=v,..." of a spec dict, keys sorted, values as Python prints them.
std::string SpecsParameters(const json::object& specs) {
  std::vector<std::string> keys;
  for (const auto& kv : specs) keys.emplace_back(kv.key());
  std::sort(keys.begin(), keys.end());
  std::string out;
  for (const auto& key : keys) {
    out += (out.empty() ? "" : ",") + key + "=" + PythonStr(specs.at(key));
  }
  return out;
}
}  // namespace

std::string IPolicySpecsOptions(const json::object& ipolicy, bool is_group) {
  std::string out;
  if (!is_group) {
    if (const auto* std_specs = ipolicy.if_contains("std");
        std_specs && std_specs->is_object() && !std_specs->get_object().empty()) {
      out += " --ipolicy-std-specs " + SpecsParameters(std_specs->get_object());
    }
  }
  bool first = true;
  if (const auto* minmaxes = ipolicy.if_contains("minmax"); minmaxes && minmaxes->is_array()) {
    for (const auto& entry : minmaxes->get_array()) {
      const auto* minmax = entry.if_object();
      const auto* min = minmax ? minmax->if_contains("min") : nullptr;
      const auto* max = minmax ? minmax->if_contains("max") : nullptr;
      if (!min || !max || !min->is_object() || !max->is_object() || min->get_object().empty() ||
          max->get_object().empty()) {
        continue;
      }
      out += first ? " --ipolicy-bounds-specs " : "//";
      first = false;
      out += "min:" + SpecsParameters(min->get_object()) +
             "/max:" + SpecsParameters(max->get_object());
    }
  }
  return out;
}

void PrintChanges(const json::array& changes) {
  for (const auto& change : changes) {
    const auto& pair = change.as_array();
    std::string param = ValueText(pair[0]);
    if (param.size() < 5) param.resize(5, ' ');
    std::cout << " - " << param << " -> " << PythonStr(pair[1]) << "\n";
  }
}

int ReportEvacuation(const json::value& opcode_result) {
  return ReportSubmittedJobs(
      opcode_result, "All instances evacuated successfully.", [](int failed) {
        return "There were " + std::to_string(failed) + " errors during the evacuation.";
      });
}

std::string ValueText(const json::value& v) {
  if (v.is_null()) return "-";
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_bool()) return v.get_bool() ? "True" : "False";
  return json::serialize(v);
}

std::vector<json::value> WaitForSubmittedJobs(const json::value& jobs, bool print_log) {
  std::vector<json::value> outcomes;
  for (const auto& entry : jobs.as_array()) {
    const auto* pair = entry.if_array();
    if (!pair || pair->size() != 2 || !(*pair)[0].is_bool() || !(*pair)[0].get_bool()) {
      const json::value why = pair && pair->size() == 2 ? (*pair)[1] : entry;
      std::cerr << "Job submission failed: " << ValueText(why) << "\n";
      outcomes.push_back(json::array{false, why});
      continue;
    }
    const int64_t job_id = (*pair)[1].to_number<int64_t>();
    json::value outcome = WaitJob(job_id, print_log);
    const auto& answer = outcome.as_array();
    if (!answer[0].as_bool()) {
      std::string why = json::serialize(answer[1]);
      if (answer[1].is_array()) {
        for (const auto& opresult : answer[1].as_array()) {
          if (opresult.is_array() && opresult.as_array().size() == 2 &&
              opresult.as_array()[0].is_string()) {
            why = DecodeError(opresult).UserMessage();
            break;
          }
        }
      } else if (answer[1].is_string()) {
        why = std::string(answer[1].get_string());
      }
      std::cerr << "Job " << job_id << " failed: " << why << "\n";
    }
    outcomes.push_back(std::move(outcome));
  }
  return outcomes;
}

int CountFailed(const std::vector<json::value>& outcomes) {
  int failed = 0;
  for (const auto& o : outcomes) failed += o.as_array()[0].as_bool() ? 0 : 1;
  return failed;
}

int ReportSubmittedJobs(const json::value& opcode_result, const std::string& success,
                        const std::function<std::string(int)>& failure) {
  const int failed = CountFailed(WaitForSubmittedJobs(opcode_result.as_object().at("jobs")));
  std::cout << (failed == 0 ? success : failure(failed)) << "\n";
  return failed == 0 ? kExitSuccess : kExitFailure;
}

}  // namespace herd::cli
