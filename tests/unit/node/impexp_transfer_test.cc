// Import/export helpers started through the node RPC handlers of two virtual
// nodes, moving data between them over TLS: byte-identical results with equal
// checksums, and the failures a transfer must report (magic mismatch, a
// refused certificate, an abort, the node daemon going away).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "base/json.h"
#include "base/process.h"
#include "impexp_cluster.h"
#include "node/impexp/options.h"

namespace herd::testing {
namespace {

namespace fs = std::filesystem;

class ImpexpTransferTest : public TwoNodeCluster {
 protected:
  // An OS definition on `node` whose export/import scripts are `export_body`
  // and `import_body`.
  static void InstallOs(TestNode& node, const std::string& export_body,
                        const std::string& import_body) {
    const std::string dir = node.paths.OsSearchDir() + "/testos";
    fs::create_directories(dir);
    std::ofstream(dir + "/ganeti_api_version") << "20\n";
    auto script = [&](const std::string& name, const std::string& body) {
      std::ofstream(dir + "/" + name) << "#!/bin/sh\n" << body << "\n";
      fs::permissions(dir + "/" + name, fs::perms::owner_all);
    };
    script("create", "exit 0");
    script("rename", "exit 0");
    script("verify", "exit 0");
    script("export", export_body);
    script("import", import_body);
  }
  static json::object Disk(const std::string& path, int64_t size_mib) {
    return json::object{{"uuid", "d-1"}, {"name", ""},   {"dev_type", "file"}, {"driver", "loop"},
                        {"path", path},  {"mode", "rw"}, {"size", size_mib}};
  }
  // inst1's disk at `disk_path` on node1, sent by node1's OS export script
  // `export_body` into the export file kExportFile on node2: (importer, exporter).
  std::pair<std::string, std::string> ScriptExport(const std::string& disk_path,
                                                   const std::string& export_body) {
    InstallOs(node1(), export_body, "exit 1");
    json::object instance = Instance("testos");
    instance["disks"] = json::array{Disk(disk_path, 1)};
    return Transfer(Options(), FileIo(kExportFile), Options(),
                    json::array{json::value("script"), json::array{Disk(disk_path, 1), 0}},
                    instance);
  }
  static constexpr const char* kExportFile = "/srv/ganeti/export/inst1.new/d-1";
};

TEST_F(ImpexpTransferTest, FileToFileIsByteIdenticalWithEqualChecksums) {
  // Data, a run of zeros the importer leaves as a hole, data.
  std::string data = RandomBytes(3 << 20, 1) + std::string(4 << 20, '\0') + RandomBytes(12345, 2);
  WriteBytes(node1().Local("/srv/ganeti/export/inst1/d-1"), data);
  auto [importer, exporter] =
      Transfer(Options(), FileIo(kExportFile), Options(), FileIo("/srv/ganeti/export/inst1/d-1"));
  const json::object in = node2().WaitForExit(importer);
  const json::object out = node1().WaitForExit(exporter);
  ASSERT_EQ(in.at("exit_status"), 0) << json::serialize(in);
  ASSERT_EQ(out.at("exit_status"), 0) << json::serialize(out);
  EXPECT_TRUE(in.at("error_message").is_null());
  EXPECT_TRUE(in.at("connected").as_bool());
  EXPECT_EQ(in.at("bytes"), static_cast<int64_t>(data.size()));
  EXPECT_EQ(out.at("bytes"), static_cast<int64_t>(data.size()));
  EXPECT_EQ(in.at("checksum"), out.at("checksum"));
  EXPECT_EQ(in.at("checksum").as_string().size(), 64u);  // SHA-256
  EXPECT_EQ(out.at("progress_percent"), 100);
  EXPECT_EQ(out.at("progress_mbytes"), 8);
  for (const char* field :
       {"recent_output", "progress_throughput", "progress_eta", "ctime", "mtime", "listen_port"}) {
    EXPECT_TRUE(out.contains(field)) << field;
  }
  const std::string received = node2().Local(kExportFile);
  EXPECT_TRUE(ReadFile(received) == data);
  struct stat st;
  ASSERT_EQ(::stat(received.c_str(), &st), 0);
  EXPECT_LT(st.st_blocks * 512, static_cast<off_t>(data.size()) - (3 << 20));  // sparse
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  EXPECT_EQ(fs::status(fs::path(received).parent_path()).permissions() & fs::perms::all,
            fs::perms(0750));
  node1().Call("impexp_cleanup", {json::value(exporter)});
  node2().Call("impexp_cleanup", {json::value(importer)});
  EXPECT_TRUE(
      node2().Call("impexp_status", {json::array{json::value(importer)}}).as_array()[0].is_null());
}

TEST_F(ImpexpTransferTest, GzipFromARawDiskIntoARawDisk) {
  const std::string data = RandomBytes(1 << 20, 3) + std::string(1 << 20, '\0');
  const std::string disk_path = "/srv/ganeti/file-storage/inst1/disk0";
  WriteBytes(node1().Local(disk_path), data);
  // The destination disk exists (blockdev_create) with old contents.
  WriteBytes(node2().Local(disk_path), std::string(2 << 20, 'x'));
  const json::array raw{json::value("raw"), json::array{Disk(disk_path, 2)}};
  auto [importer, exporter] =
      Transfer(Options("m-gzip", "gzip"), raw, Options("m-gzip", "gzip"), raw);
  const json::object in = node2().WaitForExit(importer);
  const json::object out = node1().WaitForExit(exporter);
  ASSERT_EQ(in.at("exit_status"), 0) << json::serialize(in);
  ASSERT_EQ(out.at("exit_status"), 0) << json::serialize(out);
  EXPECT_EQ(in.at("checksum"), out.at("checksum"));
  EXPECT_TRUE(ReadFile(node2().Local(disk_path)) == data);
}

TEST_F(ImpexpTransferTest, OsScriptsProduceAndConsumeTheData) {
  const std::string disk_path = "/srv/ganeti/file-storage/inst1/disk0";
  const std::string data = RandomBytes(1 << 20, 4);
  WriteBytes(node1().Local(disk_path), data);
  WriteBytes(node2().Local(disk_path), "");
  InstallOs(node1(), "echo \"export $INSTANCE_NAME $EXPORT_INDEX\" >&2\ncat \"$EXPORT_DEVICE\"",
            "[ \"$IMPORT_INDEX\" = 0 ] || exit 3\ncat > \"$IMPORT_DEVICE\"");
  InstallOs(node2(), "exit 1", "[ \"$IMPORT_INDEX\" = 0 ] || exit 3\ncat > \"$IMPORT_DISK_PATH\"");
  json::object instance = Instance("testos");
  instance["disks"] = json::array{Disk(disk_path, 1)};
  const json::array script{json::value("script"), json::array{Disk(disk_path, 1), 0}};
  auto [importer, exporter] = Transfer(Options(), script, Options(), script, instance);
  const json::object in = node2().WaitForExit(importer);
  const json::object out = node1().WaitForExit(exporter);
  ASSERT_EQ(in.at("exit_status"), 0) << json::serialize(in);
  ASSERT_EQ(out.at("exit_status"), 0) << json::serialize(out);
  EXPECT_EQ(in.at("checksum"), out.at("checksum"));
  EXPECT_TRUE(ReadFile(node2().Local(disk_path)) == data);
  EXPECT_NE(json::serialize(out.at("recent_output")).find("export inst1 0"), std::string::npos)
      << json::serialize(out.at("recent_output"));
}

TEST_F(ImpexpTransferTest, AFailingExportScriptFailsTheExport) {
  const std::string disk_path = "/srv/ganeti/file-storage/inst1/disk0";
  WriteBytes(node1().Local(disk_path), "data");
  auto [importer, exporter] = ScriptExport(disk_path, "echo broken >&2\nexit 7");
  const json::object out = node1().WaitForExit(exporter);
  const json::object in = node2().WaitForExit(importer);
  EXPECT_EQ(out.at("exit_status"), 1);
  EXPECT_NE(out.at("error_message").as_string().find("exit code 7"), std::string::npos)
      << json::serialize(out);
  EXPECT_EQ(in.at("exit_status"), 1);  // the stream never ended properly
  EXPECT_FALSE(fs::exists(node2().Local(kExportFile)));
}

TEST_F(ImpexpTransferTest, MagicMismatchFailsAndLeavesNoFile) {
  WriteBytes(node1().Local("/srv/ganeti/export/inst1/d-1"), RandomBytes(100000));
  auto [importer, exporter] =
      Transfer(Options("magic-one"), FileIo(kExportFile), Options("magic-two"),
               FileIo("/srv/ganeti/export/inst1/d-1"));
  const json::object in = node2().WaitForExit(importer);
  const json::object out = node1().WaitForExit(exporter);
  EXPECT_EQ(in.at("exit_status"), 1);
  EXPECT_EQ(in.at("error_message"), "Magic value mismatch");
  EXPECT_EQ(out.at("exit_status"), 1) << json::serialize(out);
  EXPECT_FALSE(fs::exists(node2().Local(kExportFile)));
}

TEST_F(ImpexpTransferTest, ACertificateTheImporterDoesNotTrustIsRefused) {
  WriteBytes(node1().Local("/srv/ganeti/export/inst1/d-1"), RandomBytes(1000));
  // The exporter presents a key of its own (x509_cert_create) the importer
  // does not know; it trusts the cluster certificate itself.
  const json::array created = node1().Call("x509_cert_create", {json::value(3600)}).as_array();
  const std::string key_name(created[0].as_string());
  EXPECT_EQ(key_name.rfind("x509-", 0), 0u);
  json::object export_opts = Options();
  export_opts["key_name"] = key_name;
  export_opts["ca_pem"] = ReadFile(node1().paths.NodedCertFile());
  auto [importer, exporter] = Transfer(Options("magic-0123456789", "none", 1), FileIo(kExportFile),
                                       export_opts, FileIo("/srv/ganeti/export/inst1/d-1"));
  const json::object out = node1().WaitForExit(exporter);
  EXPECT_EQ(out.at("exit_status"), 1);
  EXPECT_NE(out.at("error_message").as_string().find("TLS handshake"), std::string::npos)
      << json::serialize(out);
  EXPECT_FALSE(out.at("connected").as_bool());
  const json::object in = node2().WaitForExit(importer);
  EXPECT_EQ(in.at("exit_status"), 1);
  EXPECT_FALSE(in.at("connected").as_bool());
  EXPECT_NE(json::serialize(in.at("recent_output")).find("Refused connection"), std::string::npos)
      << json::serialize(in);
  EXPECT_FALSE(fs::exists(node2().Local(kExportFile)));
  node1().Call("x509_cert_remove", {json::value(key_name)});
  EXPECT_THROW(node1().Call("x509_cert_remove", {json::value(key_name)}), GanetiError);
}

TEST_F(ImpexpTransferTest, X509KeysOfBothSidesCarryARemoteTransfer) {
  const std::string data = RandomBytes(200000, 5);
  WriteBytes(node1().Local("/srv/ganeti/export/inst1/d-1"), data);
  const json::array source_key = node1().Call("x509_cert_create", {json::value(86400)}).as_array();
  const json::array dest_key = node2().Call("x509_cert_create", {json::value(86400)}).as_array();
  json::object import_opts = Options(), export_opts = Options();
  import_opts["key_name"] = dest_key[0];
  import_opts["ca_pem"] = source_key[1];
  export_opts["key_name"] = source_key[0];
  export_opts["ca_pem"] = dest_key[1];
  auto [importer, exporter] = Transfer(import_opts, FileIo(kExportFile), export_opts,
                                       FileIo("/srv/ganeti/export/inst1/d-1"));
  EXPECT_EQ(node2().WaitForExit(importer).at("exit_status"), 0);
  EXPECT_EQ(node1().WaitForExit(exporter).at("exit_status"), 0);
  EXPECT_TRUE(ReadFile(node2().Local(kExportFile)) == data);
}

TEST_F(ImpexpTransferTest, AbortEndsTheImportAndRemovesThePartialFile) {
  const std::string disk_path = "/srv/ganeti/file-storage/inst1/disk0";
  WriteBytes(node1().Local(disk_path), "");
  // An export that sends a little, then stalls.
  auto [importer, exporter] =
      ScriptExport(disk_path, "head -c 300000 /dev/zero | tr '\\0' x\nexec sleep 30");
  const std::string partial = node2().Local(kExportFile);
  // The importer has received data (its status says so within a second).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (node2().Status(importer).at("bytes").as_int64() < 300000 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(node2().Status(importer).at("bytes"), 300000);
  ASSERT_TRUE(fs::exists(partial));
  node2().Call("impexp_abort", {json::value(importer)});
  const json::object in = node2().WaitForExit(importer);
  EXPECT_EQ(in.at("exit_status"), 1);
  EXPECT_EQ(in.at("error_message"), "aborted");
  EXPECT_FALSE(fs::exists(partial));
  // The stalled exporter is stopped by its cleanup, with its script.
  const auto started = std::chrono::steady_clock::now();
  node1().Call("impexp_cleanup", {json::value(exporter)});
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  EXPECT_FALSE(fs::exists(node1().paths.RunDir() + "/import-export/" + exporter));
}

TEST_F(ImpexpTransferTest, AnImportWithoutExporterTimesOut) {
  const std::string importer = std::string(
      node2()
          .Call("import_start", {Options("magic-0123456789", "none", 1), Instance(),
                                 json::value("disk0"), FileIo("/srv/ganeti/export/i.new/d")})
          .as_string());
  EXPECT_EQ(importer.rfind("import-disk0-", 0), 0u);
  const json::object in = node2().WaitForExit(importer);
  EXPECT_EQ(in.at("exit_status"), 1);
  EXPECT_NE(in.at("error_message").as_string().find("in time"), std::string::npos);
  EXPECT_FALSE(fs::exists(node2().Local("/srv/ganeti/export/i.new/d")));
}

TEST_F(ImpexpTransferTest, StartRefusesBadArgumentsSynchronously) {
  // Outside the export directory, before or after mapping.
  for (const char* path : {"/etc/passwd", "/srv/ganeti/export/../x", "/srv/ganeti/export",
                           "srv/ganeti/export/x", "/srv/ganeti/export//x"}) {
    EXPECT_THROW(
        node2().Call("import_start", {Options(), Instance(), json::value("disk0"), FileIo(path)}),
        GanetiError)
        << path;
  }
  // A symlink out of the export directory.
  fs::create_symlink("/tmp", node2().Local("/srv/ganeti/export/escape"));
  EXPECT_THROW(node2().Call("import_start", {Options(), Instance(), json::value("disk0"),
                                             FileIo("/srv/ganeti/export/escape/x")}),
               GanetiError);
  // A missing source file fails export_start itself.
  try {
    node1().Call("export_start", {Options(), json::value("node2"), 1234, Instance(),
                                  json::value("disk0"), FileIo("/srv/ganeti/export/none/d")});
    ADD_FAILURE() << "export_start of a missing file succeeded";
  } catch (const GanetiError& e) {
    EXPECT_NE(std::string(e.what()).find("No such file"), std::string::npos) << e.what();
  }
  EXPECT_THROW(
      node2().Call("import_start", {Options("bad magic!"), Instance(), json::value("disk0"),
                                    FileIo("/srv/ganeti/export/a/b")}),
      GanetiError);
  EXPECT_THROW(
      node2().Call("import_start", {Options("magic-1", "bzip2"), Instance(), json::value("disk0"),
                                    FileIo("/srv/ganeti/export/a/b")}),
      GanetiError);
  EXPECT_THROW(node2().Call("import_start", {Options(), Instance(), json::value("../disk0"),
                                             FileIo("/srv/ganeti/export/a/b")}),
               GanetiError);
  EXPECT_THROW(node2().Call("import_start", {Options(), Instance(), json::value("disk0"),
                                             json::array{json::value("raw"), json::array{}}}),
               GanetiError);
  if (impexp::FindProgram("lzop").empty()) {
    try {
      node2().Call("import_start", {Options("magic-1", "lzop"), Instance(), json::value("disk0"),
                                    FileIo("/srv/ganeti/export/a/b")});
      ADD_FAILURE() << "lzop accepted without lzop";
    } catch (const GanetiError& e) {
      EXPECT_NE(std::string(e.what()).find("lzop program"), std::string::npos) << e.what();
    }
  }
  EXPECT_TRUE(ListDirectory(node2().paths.RunDir() + "/import-export").empty());
}

// The helper stops, and cleans up, when the process that started it (the
// node daemon) goes away.
TEST_F(ImpexpTransferTest, TheHelperStopsWhenTheNodeDaemonExits) {
  const pid_t daemon = ::fork();
  if (daemon == 0) {
    ::pause();
    _exit(0);
  }
  const std::string dir = base_ + "/helper";
  MakeDirs(dir);
  const std::string pem = node2().paths.NodedCertFile();
  const std::string dest = node2().Local("/srv/ganeti/export/x/d");
  MakeDirs(fs::path(dest).parent_path().string());
  const json::object args{{"mode", "import"},
                          {"key_file", pem},
                          {"cert_file", pem},
                          {"ca_file", pem},
                          {"listen_address", "127.0.0.1"},
                          {"connect_timeout", 30},
                          {"watch_pid", daemon},
                          {"endpoint", json::object{{"kind", "file"}, {"path", dest}}}};
  WriteFileAtomic(dir + "/args.json", json::serialize(args));
  const pid_t helper = ::fork();
  if (helper == 0) {
    const std::string program = ExecutableDir() + "/herd-impexp";
    ::execl(program.c_str(), program.c_str(), dir.c_str(), nullptr);
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!fs::exists(dest) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(fs::exists(dest));
  ::kill(daemon, SIGKILL);
  ::waitpid(daemon, nullptr, 0);
  int status = 0;
  ::waitpid(helper, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1);
  const json::object final_status = ParseJson(ReadFile(dir + "/status"), "status").as_object();
  EXPECT_EQ(final_status.at("error_message"), "aborted: the node daemon exited");
  EXPECT_FALSE(fs::exists(dest));
}

}  // namespace
}  // namespace herd::testing
