// gnt-node list-storage, modify-storage, repair-storage and volumes.
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <iostream>
#include <map>
#include <set>

#include "base/python_repr.h"
#include "cli/command.h"
#include "cli/format.h"
#include "cli/jobs.h"
#include "common_options.h"
#include "node_commands.h"

namespace herd::cli {
namespace json = boost::json;
namespace {

// Listing options of the opcode-backed tables (Ganeti's GenerateTable).
struct TableListing {
  std::string fields, units = "h";
  bool no_headers = false;
  TableOptions table;
  void Declare(CLI::App& app) {
    app.add_option("-o,--output", fields, "Fields (comma-separated)");
    app.add_flag("--no-headers", no_headers, "Don't display column headers");
    app.add_option("--separator", table.separator, "Separator between output fields");
    app.add_option("--units", units, "Units for sizes: h, m, g, t")
        ->check(CLI::IsMember({"h", "m", "g", "t"}));
  }
  std::vector<std::string> Fields(const std::vector<std::string>& defaults) const {
    return fields.empty() ? defaults : SplitComma(fields);
  }
  // Prints an opcode's rows (one value per field) with Ganeti's titles;
  // `sizes` are shown in units and aligned right.
  void Print(const std::vector<std::string>& fields, const json::array& rows,
             const std::map<std::string, std::string>& titles, const std::set<std::string>& sizes) {
    std::vector<std::string> headers;
    std::vector<bool> numeric;
    for (const auto& f : fields) {
      headers.push_back(titles.count(f) ? titles.at(f) : f);
      numeric.push_back(sizes.count(f) > 0);
    }
    std::vector<std::vector<std::string>> cells;
    for (const auto& row : rows) {
      std::vector<std::string> line;
      for (size_t i = 0; i < fields.size(); ++i) {
        const auto& v = row.as_array()[i];
        if (numeric[i] && v.is_number()) {
          line.push_back(FormatUnit(v.to_number<double>(), units));
        } else if (v.is_bool()) {
          line.push_back(v.get_bool() ? "Y" : "N");
        } else {
          line.push_back(PythonStr(v));
        }
      }
      cells.push_back(std::move(line));
    }
    table.headers = !no_headers;
    std::cout << FormatTable(headers, cells, numeric, table);
  }
};

class ListStorage : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("nodes", nodes_, "Nodes (default: all)");
    app.add_option("-t,--storage-type", type_, "Storage type");
    listing_.Declare(app);
  }
  int Run() override {
    const auto fields =
        listing_.Fields({"node", "type", "name", "size", "used", "free", "allocatable"});
    json::object op{{"OP_ID", "OP_NODE_QUERY_STORAGE"},
                    {"nodes", StringArray(nodes_)},
                    {"output_fields", StringArray(fields)}};
    if (!type_.empty()) op["storage_type"] = type_;
    const json::value result = SubmitAndWait(json::array{op}, false);
    listing_.Print(fields, result.as_array()[0].as_array(),
                   {{"node", "Node"},
                    {"type", "Type"},
                    {"name", "Name"},
                    {"size", "Size"},
                    {"used", "Used"},
                    {"free", "Free"},
                    {"allocatable", "Allocatable"}},
                   {"size", "used", "free"});
    return kExitSuccess;
  }

 private:
  std::vector<std::string> nodes_;
  std::string type_;
  TableListing listing_;
};

class ListVolumes : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("nodes", nodes_, "Nodes (default: all)");
    listing_.Declare(app);
  }
  int Run() override {
    const auto fields = listing_.Fields({"node", "phys", "vg", "name", "size", "instance"});
    const json::value result =
        SubmitAndWait(json::array{json::object{{"OP_ID", "OP_NODE_QUERYVOLS"},
                                               {"nodes", StringArray(nodes_)},
                                               {"output_fields", StringArray(fields)}}},
                      false);
    listing_.Print(fields, result.as_array()[0].as_array(),
                   {{"node", "Node"},
                    {"phys", "PhysDev"},
                    {"vg", "VG"},
                    {"name", "Name"},
                    {"size", "Size"},
                    {"instance", "Instance"}},
                   {"size"});
    return kExitSuccess;
  }

 private:
  std::vector<std::string> nodes_;
  TableListing listing_;
};

// The arguments modify-storage and repair-storage share.
struct StorageUnit {
  std::string node, type, name;
  void Declare(CLI::App& app, const std::vector<std::string>& types) {
    app.add_option("node", node, "Node name")->required();
    app.add_option("storage_type", type, "Storage type")->required()->check(CLI::IsMember(types));
    app.add_option("name", name, "Volume name")->required();
  }
};

class ModifyStorage : public Command {
 public:
  void Declare(CLI::App& app) override {
    unit_.Declare(app, {"lvm-pv"});
    app.add_option("--allocatable", allocatable_, "Set the allocatable flag on a volume (yes/no)");
    AddSubmitOptions(app, job_);
  }
  int Run() override {
    if (allocatable_.empty()) {
      std::cerr << "No changes to perform, exiting.\n";
      return kExitSuccess;
    }
    SendJob(job_, json::array{json::object{
                      {"OP_ID", "OP_NODE_MODIFY_STORAGE"},
                      {"node_name", unit_.node},
                      {"storage_type", unit_.type},
                      {"name", unit_.name},
                      {"changes",
                       json::object{{"allocatable", ParseYesNo("--allocatable", allocatable_)}}}}});
    return kExitSuccess;
  }

 private:
  StorageUnit unit_;
  std::string allocatable_;
  JobOptions job_;
};

class RepairStorage : public Command {
 public:
  void Declare(CLI::App& app) override {
    unit_.Declare(app, {"lvm-vg"});
    app.add_flag("--ignore-consistency", ignore_consistency_,
                 "Ignore the consistency of the disks");
    AddSubmitOptions(app, job_);
  }
  int Run() override {
    SendJob(job_, json::array{json::object{{"OP_ID", "OP_REPAIR_NODE_STORAGE"},
                                           {"node_name", unit_.node},
                                           {"storage_type", unit_.type},
                                           {"name", unit_.name},
                                           {"ignore_consistency", ignore_consistency_}}});
    return kExitSuccess;
  }

 private:
  StorageUnit unit_;
  bool ignore_consistency_ = false;
  JobOptions job_;
};

}  // namespace

std::vector<CommandEntry> NodeStorageCommands() {
  return {
      Entry<ListStorage>("list-storage", "List physical volumes on node(s)"),
      Entry<ModifyStorage>("modify-storage", "Modify storage volume on a node"),
      Entry<RepairStorage>("repair-storage", "Repairs a storage volume on a node"),
      Entry<ListVolumes>("volumes", "List logical volumes on node(s)"),
  };
}

}  // namespace herd::cli
