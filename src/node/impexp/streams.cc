#include "node/impexp/streams.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "base/errors.h"
#include "node/impexp/child_process.h"

namespace herd::impexp {
namespace {

constexpr size_t kBlock = 4096;  // sparse granularity: the file system's block
constexpr size_t kCodecBuffer = 256 * 1024;

bool AllZero(const char* data, size_t size) {
  static const char zeros[kBlock] = {};
  while (size > 0) {
    const size_t n = std::min(size, kBlock);
    if (std::memcmp(data, zeros, n) != 0) return false;
    data += n;
    size -= n;
  }
  return true;
}

void WriteFully(int fd, const char* data, size_t size, const std::string& what) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw SystemError("writing to " + what, errno);
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
}

// Splits `data` (at file offset `offset`) into runs of all-zero blocks and
// runs of data, aligned on file-system blocks, and hands each run on.
template <typename OnRun>
void ForEachRun(const char* data, size_t size, int64_t offset, OnRun on_run) {
  size_t start = 0;
  std::optional<bool> run_zero;
  size_t pos = 0;
  while (pos < size) {
    const size_t to_boundary = kBlock - static_cast<size_t>((offset + pos) % kBlock);
    const size_t n = std::min(to_boundary, size - pos);
    const bool zero = AllZero(data + pos, n);
    if (run_zero && *run_zero != zero) {
      on_run(data + start, pos - start, offset + static_cast<int64_t>(start), *run_zero);
      start = pos;
    }
    run_zero = zero;
    pos += n;
  }
  if (run_zero) on_run(data + start, size - start, offset + static_cast<int64_t>(start), *run_zero);
}

// --- pass-through and zlib ---

class PassThrough : public ByteSink {
 public:
  explicit PassThrough(ByteSink& next) : next_(next) {}
  void Write(const char* data, size_t size) override { next_.Write(data, size); }
  void Finish() override { next_.Finish(); }

 private:
  ByteSink& next_;
};

class GzipCompressor : public ByteSink {
 public:
  GzipCompressor(int level, ByteSink& next) : next_(next), out_(kCodecBuffer) {
    // windowBits 15 + 16: a gzip stream, as gzip(1) writes.
    if (deflateInit2(&z_, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
      throw GenericError("cannot start gzip compression");
    }
  }
  ~GzipCompressor() override { deflateEnd(&z_); }
  void Write(const char* data, size_t size) override {
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data));
    z_.avail_in = static_cast<uInt>(size);
    while (z_.avail_in > 0) Deflate(Z_NO_FLUSH);
  }
  void Finish() override {
    z_.next_in = nullptr;
    z_.avail_in = 0;
    while (Deflate(Z_FINISH) != Z_STREAM_END) {
    }
    next_.Finish();
  }

 private:
  int Deflate(int flush) {
    z_.next_out = reinterpret_cast<Bytef*>(out_.data());
    z_.avail_out = static_cast<uInt>(out_.size());
    const int rc = deflate(&z_, flush);
    if (rc == Z_STREAM_ERROR) throw GenericError("gzip compression failed");
    const size_t produced = out_.size() - z_.avail_out;
    if (produced > 0) next_.Write(out_.data(), produced);
    return rc;
  }

  ByteSink& next_;
  z_stream z_{};
  std::vector<char> out_;
};

class GzipDecompressor : public ByteSink {
 public:
  explicit GzipDecompressor(ByteSink& next) : next_(next), out_(kCodecBuffer) { Init(); }
  ~GzipDecompressor() override { inflateEnd(&z_); }
  void Write(const char* data, size_t size) override {
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data));
    z_.avail_in = static_cast<uInt>(size);
    while (z_.avail_in > 0) {
      if (ended_) {
        // gzip allows several members one after the other.
        inflateReset(&z_);
        ended_ = false;
      }
      z_.next_out = reinterpret_cast<Bytef*>(out_.data());
      z_.avail_out = static_cast<uInt>(out_.size());
      const int rc = inflate(&z_, Z_NO_FLUSH);
      if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
        throw GenericError(std::string("Corrupt gzip data: ") + (z_.msg ? z_.msg : "error"));
      }
      const size_t produced = out_.size() - z_.avail_out;
      if (produced > 0) next_.Write(out_.data(), produced);
      if (rc == Z_STREAM_END) ended_ = true;
      if (rc == Z_BUF_ERROR && produced == 0) break;
    }
  }
  void Finish() override {
    if (!ended_) throw GenericError("The gzip data ended early (truncated stream)");
    next_.Finish();
  }

 private:
  void Init() {
    if (inflateInit2(&z_, 15 + 16) != Z_OK) throw GenericError("cannot start gzip decompression");
  }

  ByteSink& next_;
  z_stream z_{};
  std::vector<char> out_;
  bool ended_ = false;
};

// --- a child process as a filter (lzop) ---

class ProcessFilter : public ByteSink {
 public:
  ProcessFilter(std::vector<std::string> argv, ByteSink& next, Cancellation& cancellation,
                const LogLine& log)
      : next_(next),
        child_(ChildProcess::Options{std::move(argv), "", nullptr, true, true}, cancellation, log) {
    pump_ = std::thread([this] {
      try {
        std::vector<char> buf(kCodecBuffer);
        for (;;) {
          const ssize_t n = ::read(child_.stdout_fd(), buf.data(), buf.size());
          if (n < 0 && errno == EINTR) continue;
          if (n < 0) throw SystemError("reading from " + child_.name(), errno);
          if (n == 0) break;
          next_.Write(buf.data(), static_cast<size_t>(n));
        }
      } catch (...) {
        error_ = std::current_exception();
        child_.CloseStdout();  // the filter then fails its writes: Write reports the cause
      }
    });
  }
  ~ProcessFilter() override {
    if (pump_.joinable()) {
      child_.Kill();  // its stdout closes: the pump ends
      pump_.join();
    }
  }
  void Write(const char* data, size_t size) override {
    try {
      WriteFully(child_.stdin_fd(), data, size, child_.name());
    } catch (const GanetiError&) {
      Stop();
      throw;
    }
  }
  void Finish() override {
    Stop();
    next_.Finish();
  }

 private:
  // Ends the filter; throws the first failure (the pump's, then the exit code's).
  void Stop() {
    child_.CloseStdin();
    if (pump_.joinable()) pump_.join();
    const int code = child_.Wait();
    if (error_) std::rethrow_exception(error_);
    if (code != 0) throw GenericError(child_.name() + " failed (" + DescribeExit(code) + ")");
  }

  ByteSink& next_;
  ChildProcess child_;
  std::thread pump_;
  std::exception_ptr error_;
};

std::string LzopProgram() {
  const std::string lzop = FindProgram("lzop");
  if (lzop.empty()) {
    throw GenericError(
        "Transport compression 'lzop' needs the lzop program, which is not "
        "installed on this node");
  }
  return lzop;
}

// --- destinations ---

// Writes a file from its start through aligned staging buffers, with
// O_DIRECT where the file system takes it: copying into the page cache (and
// flushing it at the end) costs more than the rest of an import (see
// bench/impexp/RESULTS.md). A thread of its own writes one buffer while the
// next fills. Runs of zero blocks are skipped (a new file: holes) or punched
// out (an existing disk stays sparse).
class StagedWriter {
 public:
  enum class Zeros { kSkip, kPunch };
  // Opens `path` with `flags`, adding O_DIRECT when possible.
  StagedWriter(const std::string& path, int flags, Zeros zeros) : path_(path), zeros_(zeros) {
    fd_ = ::open(path.c_str(), flags | O_DIRECT | O_CLOEXEC, 0640);
    direct_ = fd_ >= 0;
    if (fd_ < 0 && errno == EINVAL) fd_ = ::open(path.c_str(), flags | O_CLOEXEC, 0640);
    if (fd_ < 0) throw SystemError("opening " + path, errno);
    for (auto& b : buffers_) {
      void* buffer = nullptr;
      if (::posix_memalign(&buffer, kBlock, kStage) != 0) {
        throw GenericError("out of memory for the staging buffers of " + path);
      }
      b = static_cast<char*>(buffer);
    }
    thread_ = std::thread([this] { WriterLoop(); });
  }
  ~StagedWriter() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
    if (fd_ >= 0) ::close(fd_);
    for (char* b : buffers_) std::free(b);
  }
  StagedWriter(const StagedWriter&) = delete;
  StagedWriter& operator=(const StagedWriter&) = delete;

  void Write(const char* data, size_t size) {
    while (size > 0) {
      const size_t n = std::min(size, kStage - filled_);
      std::memcpy(buffers_[current_] + filled_, data, n);
      data += n;
      size -= n;
      Commit(n);
    }
  }
  // The free part of the current buffer, to fill in place and Commit.
  char* Space(size_t* capacity) {
    *capacity = kStage - filled_;
    return buffers_[current_] + filled_;
  }
  void Commit(size_t size) {
    filled_ += size;
    if (filled_ == kStage) {
      Submit();
      base_ += static_cast<int64_t>(kStage);
      current_ ^= 1;
      filled_ = 0;
    }
  }
  // Writes everything staged; returns the number of bytes written in all.
  int64_t Flush() {
    AwaitWriter();
    char* buffer = buffers_[current_];
    const size_t aligned = filled_ / kBlock * kBlock;
    WriteRuns(buffer, aligned, base_);
    if (filled_ > aligned) {
      SetDirect(false);  // the unaligned tail, exactly (O_DIRECT needs whole blocks)
      WriteRuns(buffer + aligned, filled_ - aligned, base_ + static_cast<int64_t>(aligned));
    }
    base_ += static_cast<int64_t>(filled_);
    filled_ = 0;
    return base_;
  }
  // Syncs and closes (after Flush).
  void Close() {
    if (::fsync(fd_) != 0) throw SystemError("fsync " + path_, errno);
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) throw SystemError("closing " + path_, errno);
  }
  int fd() const { return fd_; }
  int64_t written() const { return base_ + static_cast<int64_t>(filled_); }

 private:
  static constexpr size_t kStage = 4 << 20;
  static constexpr size_t kSyncEvery = 64 << 20;

  // Hands the full current buffer to the writer thread once it has written
  // the other one (which is about to be filled again).
  void Submit() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return !pending_; });
    if (error_) std::rethrow_exception(error_);
    job_ = {buffers_[current_], kStage, base_};
    pending_ = true;
    cv_.notify_all();
  }
  void AwaitWriter() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return !pending_; });
    if (error_) std::rethrow_exception(error_);
  }
  void WriterLoop() {
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait(lock, [this] { return pending_ || stop_; });
      if (!pending_) return;
      const Job job = job_;
      lock.unlock();
      try {
        WriteRuns(job.data, job.size, job.offset);
        // Synced as it goes, while the data still arrives: the final fsync
        // then has little left to wait for.
        unsynced_ += job.size;
        if (unsynced_ >= kSyncEvery) {
          if (::fdatasync(fd_) != 0) throw SystemError("fdatasync " + path_, errno);
          unsynced_ = 0;
        }
      } catch (...) {
        lock.lock();
        error_ = std::current_exception();
        pending_ = false;
        cv_.notify_all();
        continue;
      }
      lock.lock();
      pending_ = false;
      cv_.notify_all();
    }
  }
  void WriteRuns(const char* data, size_t size, int64_t offset) {
    ForEachRun(data, size, offset, [&](const char* run, size_t n, int64_t at, bool zero) {
      WriteRun(run, n, at, zero);
    });
  }
  void WriteRun(const char* run, size_t n, int64_t at, bool zero) {
    if (zero && zeros_ == Zeros::kSkip) return;
    if (zero && punch_ &&
        ::fallocate(fd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, at, static_cast<off_t>(n)) ==
            0) {
      return;
    }
    if (zero) punch_ = false;  // not supported here: write the zeros
    while (n > 0) {
      const ssize_t w = ::pwrite(fd_, run, n, at);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0 && errno == EINVAL && direct_) {
        SetDirect(false);  // this file system refuses direct writes after all
        continue;
      }
      if (w < 0) throw SystemError("writing to " + path_, errno);
      run += w;
      n -= static_cast<size_t>(w);
      at += w;
    }
  }
  void SetDirect(bool on) {
    if (direct_ == on) return;
    const int flags = ::fcntl(fd_, F_GETFL);
    ::fcntl(fd_, F_SETFL, on ? (flags | O_DIRECT) : (flags & ~O_DIRECT));
    direct_ = on;
  }

  struct Job {
    const char* data = nullptr;
    size_t size = 0;
    int64_t offset = 0;
  };

  std::string path_;
  Zeros zeros_;
  int fd_ = -1;
  bool direct_ = false;  // fd_'s state; the writer thread and Flush never run at once
  bool punch_ = true;
  char* buffers_[2] = {nullptr, nullptr};
  int current_ = 0;  // the buffer being filled
  size_t filled_ = 0;
  int64_t base_ = 0;     // the file offset of the current buffer's first byte
  size_t unsynced_ = 0;  // written by the writer thread since its last fdatasync
  std::mutex mu_;
  std::condition_variable cv_;
  Job job_;
  bool pending_ = false, stop_ = false;
  std::exception_ptr error_;
  std::thread thread_;
};

// A new file: zero blocks are left as holes, the size set at the end.
class NewFileDestination : public Destination {
 public:
  explicit NewFileDestination(std::string path)
      : path_(std::move(path)),
        writer_(std::make_unique<StagedWriter>(path_, O_WRONLY | O_CREAT | O_TRUNC,
                                               StagedWriter::Zeros::kSkip)) {}
  void Write(const char* data, size_t size) override { writer_->Write(data, size); }
  char* Space(size_t* capacity) override { return writer_->Space(capacity); }
  void Commit(size_t size) override { writer_->Commit(size); }
  void Finish() override {
    const int64_t size = writer_->Flush();
    if (::ftruncate(writer_->fd(), size) != 0) {
      throw SystemError("setting the size of " + path_, errno);
    }
    writer_->Close();
  }
  void Discard() override {
    writer_.reset();
    ::unlink(path_.c_str());
  }

 private:
  std::string path_;
  std::unique_ptr<StagedWriter> writer_;
};

// An instance's disk, written in place: never beyond its size, never
// removed; zero runs are punched out so a sparse disk stays sparse.
class DiskDestination : public Destination {
 public:
  DiskDestination(std::string path, int64_t size)
      : path_(std::move(path)), size_(size), writer_(path_, O_WRONLY, StagedWriter::Zeros::kPunch) {
    if (size_ < 0) {
      struct stat st;
      if (::fstat(writer_.fd(), &st) != 0) throw SystemError("stat " + path_, errno);
      size_ = st.st_size;
    }
  }
  void Write(const char* data, size_t size) override {
    CheckRoom(size);
    writer_.Write(data, size);
  }
  char* Space(size_t* capacity) override { return writer_.Space(capacity); }
  void Commit(size_t size) override {
    CheckRoom(size);
    writer_.Commit(size);
  }
  void Finish() override {
    writer_.Flush();
    writer_.Close();
  }
  void Discard() override {}

 private:
  void CheckRoom(size_t size) const {
    if (writer_.written() + static_cast<int64_t>(size) > size_) {
      throw GenericError("The data is larger than the disk " + path_ + " (" +
                         std::to_string(size_) + " bytes)");
    }
  }

  std::string path_;
  int64_t size_;
  StagedWriter writer_;
};

// An OS import script: the data is its standard input.
class CommandDestination : public Destination {
 public:
  CommandDestination(const Endpoint& e, Cancellation& cancellation, const LogLine& log)
      : description_(e.description.empty() ? e.argv[0] : e.description),
        child_(ChildProcess::Options{e.argv, e.cwd, &e.env, true, false}, cancellation, log) {}
  void Write(const char* data, size_t size) override {
    try {
      WriteFully(child_.stdin_fd(), data, size, description_);
    } catch (const GanetiError& err) {
      child_.CloseStdin();
      const int code = child_.Wait();
      throw GenericError(description_ + " stopped reading the data (" + DescribeExit(code) +
                         "): " + err.what());
    }
  }
  void Finish() override {
    child_.CloseStdin();
    const int code = child_.Wait();
    if (code != 0) throw GenericError(description_ + " failed (" + DescribeExit(code) + ")");
  }
  void Discard() override {}

 private:
  std::string description_;
  ChildProcess child_;
};

// --- sources ---

class FileSource : public ByteSource {
 public:
  explicit FileSource(std::string path) : path_(std::move(path)) {
    fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw SystemError("opening " + path_, errno);
    ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
  }
  ~FileSource() override { ::close(fd_); }
  size_t Read(char* buffer, size_t size) override {
    for (;;) {
      const ssize_t n = ::read(fd_, buffer, size);
      if (n >= 0) return static_cast<size_t>(n);
      if (errno != EINTR) throw SystemError("reading " + path_, errno);
    }
  }

 private:
  std::string path_;
  int fd_ = -1;
};

// An OS export script: the data is its standard output.
class CommandSource : public ByteSource {
 public:
  CommandSource(const Endpoint& e, Cancellation& cancellation, const LogLine& log)
      : description_(e.description.empty() ? e.argv[0] : e.description),
        cancellation_(cancellation),
        child_(ChildProcess::Options{e.argv, e.cwd, &e.env, false, true}, cancellation, log) {}
  size_t Read(char* buffer, size_t size) override {
    size_t got = 0;
    // Pipes deliver 64 KiB at a time: take what is there, up to `size`,
    // waiting only for the first bytes (a slow script's data still flows).
    while (got < size) {
      if (got > 0) {
        pollfd p{child_.stdout_fd(), POLLIN, 0};
        if (::poll(&p, 1, 0) <= 0) break;
      }
      const ssize_t n = ::read(child_.stdout_fd(), buffer + got, size - got);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        cancellation_.ThrowIfRequested();
        throw SystemError("reading from " + description_, errno);
      }
      if (n == 0) break;
      got += static_cast<size_t>(n);
    }
    return got;
  }
  void Finish() override {
    child_.CloseStdout();
    const int code = child_.Wait();
    cancellation_.ThrowIfRequested();
    if (code != 0) throw GenericError(description_ + " failed (" + DescribeExit(code) + ")");
  }

 private:
  std::string description_;
  Cancellation& cancellation_;
  ChildProcess child_;
};

}  // namespace

// --- PayloadMeter ---

struct PayloadMeter::Hash {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Hash() { EVP_MD_CTX_free(ctx); }
};

PayloadMeter::PayloadMeter(ByteSink& next, std::atomic<int64_t>& bytes)
    : next_(next), hash_(std::make_unique<Hash>()), bytes_(bytes) {
  if (!hash_->ctx || EVP_DigestInit_ex(hash_->ctx, EVP_sha256(), nullptr) != 1) {
    throw GenericError("cannot start SHA-256");
  }
}

PayloadMeter::~PayloadMeter() = default;

void PayloadMeter::Write(const char* data, size_t size) {
  EVP_DigestUpdate(hash_->ctx, data, size);
  next_.Write(data, size);
  bytes_.fetch_add(static_cast<int64_t>(size), std::memory_order_relaxed);
}

void PayloadMeter::Account(const char* data, size_t size) {
  EVP_DigestUpdate(hash_->ctx, data, size);
  bytes_.fetch_add(static_cast<int64_t>(size), std::memory_order_relaxed);
}

void PayloadMeter::Finish() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(hash_->ctx, md, &length);
  static const char* hex = "0123456789abcdef";
  digest_.clear();
  for (unsigned int i = 0; i < length; ++i) {
    digest_ += hex[md[i] >> 4];
    digest_ += hex[md[i] & 15];
  }
  next_.Finish();
}

// --- MagicChecker ---

MagicChecker::MagicChecker(const std::string& magic, ByteSink& next)
    : expected_("M=" + magic), next_(next) {}

void MagicChecker::Write(const char* data, size_t size) {
  if (seen_.size() < expected_.size()) {
    const size_t n = std::min(size, expected_.size() - seen_.size());
    seen_.append(data, n);
    if (expected_.compare(0, seen_.size(), seen_) != 0) throw GenericError("Magic value mismatch");
    data += n;
    size -= n;
  }
  if (size > 0) next_.Write(data, size);
}

void MagicChecker::Finish() {
  if (seen_ != expected_) throw GenericError("Magic value mismatch (the stream ended before it)");
  next_.Finish();
}

// --- factories ---

std::unique_ptr<ByteSink> MakeCompressor(Compression c, ByteSink& next, Cancellation& cancellation,
                                         const LogLine& log) {
  switch (c) {
    case Compression::kNone:
      return std::make_unique<PassThrough>(next);
    case Compression::kGzipFast:
      return std::make_unique<GzipCompressor>(1, next);  // Ganeti: gzip -1
    case Compression::kGzipSlow:
      return std::make_unique<GzipCompressor>(6, next);  // Ganeti: gzip (default level)
    case Compression::kLzop:
      return std::make_unique<ProcessFilter>(std::vector<std::string>{LzopProgram(), "-c"}, next,
                                             cancellation, log);
  }
  throw ProgrammerError("unknown compression");
}

std::unique_ptr<ByteSink> MakeDecompressor(Compression c, ByteSink& next,
                                           Cancellation& cancellation, const LogLine& log) {
  switch (c) {
    case Compression::kNone:
      return std::make_unique<PassThrough>(next);
    case Compression::kGzipFast:
    case Compression::kGzipSlow:
      return std::make_unique<GzipDecompressor>(next);
    case Compression::kLzop:
      return std::make_unique<ProcessFilter>(std::vector<std::string>{LzopProgram(), "-d", "-c"},
                                             next, cancellation, log);
  }
  throw ProgrammerError("unknown compression");
}

std::unique_ptr<Destination> OpenDestination(const Endpoint& e, Cancellation& cancellation,
                                             const LogLine& log) {
  switch (e.kind) {
    case Endpoint::Kind::kFile:
      return std::make_unique<NewFileDestination>(e.path);
    case Endpoint::Kind::kDisk:
      return std::make_unique<DiskDestination>(e.path, e.disk_bytes);
    case Endpoint::Kind::kCommand:
      return std::make_unique<CommandDestination>(e, cancellation, log);
  }
  throw ProgrammerError("unknown endpoint");
}

std::unique_ptr<ByteSource> OpenSource(const Endpoint& e, Cancellation& cancellation,
                                       const LogLine& log) {
  switch (e.kind) {
    case Endpoint::Kind::kFile:
    case Endpoint::Kind::kDisk:
      return std::make_unique<FileSource>(e.path);
    case Endpoint::Kind::kCommand:
      return std::make_unique<CommandSource>(e, cancellation, log);
  }
  throw ProgrammerError("unknown endpoint");
}

}  // namespace herd::impexp
