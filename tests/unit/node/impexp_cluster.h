// Two virtual nodes of one cluster in a temporary directory, each with its
// own root, 127.x address and node RPC handlers for export/import, sharing
// the cluster certificate: what the import/export tests run against.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <thread>

#include "base/errors.h"
#include "base/files.h"
#include "base/paths.h"
#include "net/tls.h"
#include "node/impexp_handlers.h"

namespace herd::testing {

namespace json = boost::json;

struct TestNode {
  Paths paths;
  std::map<std::string, RpcHandler> handlers;

  json::value Call(const std::string& procedure, json::array args) {
    return handlers.at(procedure)(args);
  }
  // Polls impexp_status until the helper has ended; its final status.
  json::object WaitForExit(const std::string& name, double seconds = 10) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    for (;;) {
      json::value status = Call("impexp_status", {json::array{json::value(name)}}).as_array()[0];
      if (status.is_object() && !status.as_object().at("exit_status").is_null()) {
        return status.as_object();
      }
      if (std::chrono::steady_clock::now() > deadline) {
        ADD_FAILURE() << name << " did not finish; status: " << json::serialize(status);
        return status.is_object() ? status.as_object() : json::object();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  json::object Status(const std::string& name) {
    json::value status = Call("impexp_status", {json::array{json::value(name)}}).as_array()[0];
    return status.is_object() ? status.as_object() : json::object();
  }
  // A path as the config names it, on this node.
  std::string Local(const std::string& config_path) const { return paths.Prefixed(config_path); }
};

class TwoNodeCluster : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/herd-impexp-XXXXXX";
    base_ = ::mkdtemp(tmpl);
    // A block of loopback addresses per test process.
    const int block = 100 + static_cast<int>(::getpid() % 100);
    std::ofstream(base_ + "/hosts")
        << "127.0." << block << ".1 node1\n127.0." << block << ".2 node2\n";
    for (const char* name : {"node1", "node2"}) {
      TestNode node{Paths(base_ + "/" + name, name), {}};
      node.paths.EnsureDirectories();
      MakeDirs(node.paths.ExportDir());
      RegisterImportExportHandlers(node.paths, node.handlers);
      nodes_.push_back(std::move(node));
    }
    net::GenerateSelfSignedCertificate(node1().paths.NodedCertFile(), "ganeti.example.com");
    WriteFileAtomic(node2().paths.NodedCertFile(), ReadFile(node1().paths.NodedCertFile()), 0600);
  }
  void TearDown() override {
    // Helpers still running (a failed test) are stopped with their dirs.
    for (auto& node : nodes_) {
      const std::string dir = node.paths.RunDir() + "/import-export";
      for (const auto& name : ListDirectory(dir)) {
        try {
          node.Call("impexp_cleanup", {json::value(name)});
        } catch (const std::exception&) {
        }
      }
    }
    std::filesystem::remove_all(base_);
  }

  TestNode& node1() { return nodes_[0]; }
  TestNode& node2() { return nodes_[1]; }

  static std::string RandomBytes(size_t size, unsigned seed = 42) {
    std::mt19937_64 rng(seed);
    std::string out(size, '\0');
    for (size_t i = 0; i + 8 <= size; i += 8) {
      const uint64_t v = rng();
      std::memcpy(&out[i], &v, 8);
    }
    return out;
  }
  static void WriteBytes(const std::string& path, const std::string& data) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path, std::ios::binary) << data;
  }

  // ImportExportOptions with the cluster certificate.
  static json::object Options(const std::string& magic = "magic-0123456789",
                              const std::string& compress = "none", int connect_timeout = 10) {
    return json::object{{"key_name", nullptr},  {"ca_pem", nullptr},
                        {"compress", compress}, {"magic", magic},
                        {"ipv6", false},        {"connect_timeout", connect_timeout}};
  }
  static json::object Instance(const std::string& os = "") {
    return json::object{{"name", "inst1"}, {"uuid", "i-1"}, {"os", os}, {"hypervisor", "fake"}};
  }
  static json::array FileIo(const std::string& path) {
    return json::array{json::value("file"), json::array{json::value(path)}};
  }

  // Starts an import on node2 and the matching export on node1; returns
  // (importer, exporter) names.
  std::pair<std::string, std::string> Transfer(const json::object& import_opts,
                                               const json::array& dest,
                                               const json::object& export_opts,
                                               const json::array& source,
                                               const json::object& instance = Instance()) {
    const std::string importer =
        std::string(node2()
                        .Call("import_start", {import_opts, instance, json::value("disk0"), dest})
                        .as_string());
    const json::object status = node2().Status(importer);
    EXPECT_TRUE(status.contains("listen_port") && status.at("listen_port").is_int64())
        << json::serialize(status);
    const int64_t port = status.at("listen_port").as_int64();
    const std::string exporter =
        std::string(node1()
                        .Call("export_start", {export_opts, json::value("node2"), port, instance,
                                               json::value("disk0"), source})
                        .as_string());
    return {importer, exporter};
  }

  std::string base_;
  std::vector<TestNode> nodes_;
};

}  // namespace herd::testing
