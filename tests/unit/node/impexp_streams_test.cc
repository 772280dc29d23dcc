// The stages of a transfer on their own: the magic check, gzip both ways,
// the payload's checksum, and the destinations (a new file left sparse and
// removed on failure; a disk written in place and never beyond its size).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "base/errors.h"
#include "base/files.h"
#include "node/impexp/streams.h"

namespace herd::impexp {
namespace {

namespace fs = std::filesystem;

class Collect : public ByteSink {
 public:
  void Write(const char* data, size_t size) override { text.append(data, size); }
  void Finish() override { finished = true; }
  std::string text;
  bool finished = false;
};

class ImpexpStreamsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/herd-streams-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
  }
  void TearDown() override { fs::remove_all(dir_); }
  LogLine log_ = [](const std::string&) {};
  Cancellation cancellation_;
  std::string dir_;
};

TEST_F(ImpexpStreamsTest, MagicIsCheckedAcrossWritesAndStripped) {
  Collect out;
  MagicChecker check("magic-1", out);
  check.Write("M=mag", 5);
  check.Write("ic-1payload", 11);
  check.Finish();
  EXPECT_EQ(out.text, "payload");
  EXPECT_TRUE(out.finished);

  Collect other;
  MagicChecker wrong("magic-1", other);
  EXPECT_THROW(wrong.Write("M=magic-2xx", 11), GanetiError);
  Collect short_stream;
  MagicChecker early("magic-1", short_stream);
  early.Write("M=ma", 4);
  EXPECT_THROW(early.Finish(), GanetiError);
}

TEST_F(ImpexpStreamsTest, GzipRoundTripsAndDetectsTruncation) {
  std::string data;
  for (int i = 0; i < 100000; ++i) data += std::to_string(i);
  for (Compression c : {Compression::kGzipFast, Compression::kGzipSlow}) {
    Collect wire;
    auto compressor = MakeCompressor(c, wire, cancellation_, log_);
    compressor->Write(data.data(), data.size() / 2);
    compressor->Write(data.data() + data.size() / 2, data.size() - data.size() / 2);
    compressor->Finish();
    EXPECT_LT(wire.text.size(), data.size() / 2);
    Collect plain;
    auto decompressor = MakeDecompressor(c, plain, cancellation_, log_);
    decompressor->Write(wire.text.data(), wire.text.size());
    decompressor->Finish();
    EXPECT_TRUE(plain.text == data);

    Collect cut;
    auto truncated = MakeDecompressor(c, cut, cancellation_, log_);
    truncated->Write(wire.text.data(), wire.text.size() - 10);
    EXPECT_THROW(truncated->Finish(), GanetiError);
  }
}

TEST_F(ImpexpStreamsTest, MeterCountsAndHashesThePayload) {
  Collect out;
  std::atomic<int64_t> bytes{0};
  PayloadMeter meter(out, bytes);
  meter.Write("a", 1);
  meter.Write("bc", 2);
  meter.Finish();
  EXPECT_EQ(bytes, 3);
  // sha256("abc")
  EXPECT_EQ(meter.HexDigest(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_F(ImpexpStreamsTest, ANewFileIsSparseAndRemovedOnFailure) {
  Endpoint e;
  e.kind = Endpoint::Kind::kFile;
  e.path = dir_ + "/image";
  {
    auto file = OpenDestination(e, cancellation_, log_);
    const std::string zeros(1 << 20, '\0');
    file->Write("head", 4);
    file->Write(zeros.data(), zeros.size());
    file->Write(zeros.data(), zeros.size());
    file->Finish();
  }
  EXPECT_EQ(fs::file_size(e.path), 4u + (2u << 20));
  struct stat st;
  ::stat(e.path.c_str(), &st);
  EXPECT_LE(st.st_blocks * 512, 64 * 1024);
  EXPECT_EQ(ReadFile(e.path).substr(0, 4), "head");
  {
    auto file = OpenDestination(e, cancellation_, log_);
    file->Write("partial", 7);
    file->Discard();
  }
  EXPECT_FALSE(fs::exists(e.path));
}

TEST_F(ImpexpStreamsTest, ADiskIsWrittenInPlaceWithinItsSize) {
  Endpoint e;
  e.kind = Endpoint::Kind::kDisk;
  e.path = dir_ + "/disk";
  e.disk_bytes = 8192;
  std::ofstream(e.path) << std::string(8192, 'x');
  {
    auto disk = OpenDestination(e, cancellation_, log_);
    const std::string zeros(4096, '\0');
    disk->Write(zeros.data(), zeros.size());
    disk->Write("abc", 3);
    disk->Finish();
  }
  const std::string content = ReadFile(e.path);
  EXPECT_EQ(content.size(), 8192u);
  EXPECT_EQ(content.substr(0, 4096), std::string(4096, '\0'));
  EXPECT_EQ(content.substr(4096, 4), "abcx");
  {
    auto disk = OpenDestination(e, cancellation_, log_);
    const std::string too_much(8193, 'y');
    EXPECT_THROW(disk->Write(too_much.data(), too_much.size()), GanetiError);
    disk->Discard();
  }
  EXPECT_TRUE(fs::exists(e.path));  // a disk is never removed
  e.path = dir_ + "/missing";
  EXPECT_THROW(OpenDestination(e, cancellation_, log_), GanetiError);
}

}  // namespace
}  // namespace herd::impexp
