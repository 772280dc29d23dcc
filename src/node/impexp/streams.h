// The stages a transfer's bytes pass through, each pushing to the next:
// export: source -> PayloadMeter -> compressor -> TLS; import: TLS ->
// decompressor -> MagicChecker -> PayloadMeter -> destination. The magic
// travels inside the (compressed) stream, ahead of the payload, as with
// Ganeti's import-export daemon.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "node/impexp/cancellation.h"
#include "node/impexp/helper_args.h"
#include "node/impexp/options.h"
#include "node/impexp/tls_channel.h"

namespace herd::impexp {

class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual void Write(const char* data, size_t size) = 0;
  // The end of the data: flushes, completes and checks what was received.
  virtual void Finish() = 0;
};

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Up to `size` bytes; 0 at the end.
  virtual size_t Read(char* buffer, size_t size) = 0;
  // After the end: checks that the source ended well (a script's exit code).
  virtual void Finish() {}
};

// Counts the payload and computes its SHA-256 (what the master compares
// between both sides), then passes it on.
class PayloadMeter : public ByteSink {
 public:
  // `bytes` counts the payload for whoever reports progress.
  PayloadMeter(ByteSink& next, std::atomic<int64_t>& bytes);
  ~PayloadMeter() override;
  void Write(const char* data, size_t size) override;
  // Counts and hashes without passing on (the data is there already).
  void Account(const char* data, size_t size);
  void Finish() override;
  std::string HexDigest() const { return digest_; }  // after Finish

 private:
  struct Hash;
  ByteSink& next_;
  std::unique_ptr<Hash> hash_;
  std::atomic<int64_t>& bytes_;
  std::string digest_;
};

// Checks that the stream starts with "M=<magic>" and passes on the rest.
class MagicChecker : public ByteSink {
 public:
  MagicChecker(const std::string& magic, ByteSink& next);
  void Write(const char* data, size_t size) override;
  void Finish() override;

 private:
  std::string expected_, seen_;
  ByteSink& next_;
};

// Writes into the TLS stream (closing it is the caller's).
class ChannelSink : public ByteSink {
 public:
  explicit ChannelSink(TlsChannel& channel) : channel_(channel) {}
  void Write(const char* data, size_t size) override { channel_.Write(data, size); }
  void Finish() override {}

 private:
  TlsChannel& channel_;
};

// The transport compression on the sending side, and its reverse on the
// receiving side (gzip in-process with zlib; lzop as a child process).
// kNone passes the bytes through.
std::unique_ptr<ByteSink> MakeCompressor(Compression compression, ByteSink& next,
                                         Cancellation& cancellation, const LogLine& log);
std::unique_ptr<ByteSink> MakeDecompressor(Compression compression, ByteSink& next,
                                           Cancellation& cancellation, const LogLine& log);

// Where an import writes: Finish makes the data durable (fsync). Discard
// is the failure path: it removes what a new file received.
class Destination : public ByteSink {
 public:
  virtual void Discard() = 0;
  // Files and disks stage the data in a buffer of their own, which the
  // receiver may fill directly (one copy less): Space gives the free part
  // (null when not supported), Commit takes `size` bytes written there.
  virtual char* Space(size_t* capacity) {
    *capacity = 0;
    return nullptr;
  }
  virtual void Commit(size_t size) {}
};
std::unique_ptr<Destination> OpenDestination(const Endpoint& endpoint, Cancellation& cancellation,
                                             const LogLine& log);
// What an export reads.
std::unique_ptr<ByteSource> OpenSource(const Endpoint& endpoint, Cancellation& cancellation,
                                       const LogLine& log);

}  // namespace herd::impexp
