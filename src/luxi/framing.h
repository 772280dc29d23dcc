// LUXI message framing: each message is a JSON document followed by ETX (0x03).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace herd::luxi {

inline constexpr char kEndOfMessage = '\x03';
// Largest message accepted from a peer; larger ones are a protocol error.
inline constexpr size_t kMaxMessageBytes = 256 * 1024 * 1024;

// Accumulates bytes read from a stream and yields complete messages.
class MessageBuffer {
 public:
  void Append(std::string_view data) { buffer_.append(data); }
  // Returns the next complete message (without ETX) if one has arrived.
  std::optional<std::string> Next();
  size_t pending_bytes() const { return buffer_.size() - consumed_; }

 private:
  std::string buffer_;
  size_t consumed_ = 0;  // bytes of messages already returned
  size_t scanned_ = 0;   // bytes known to hold no end of message
};

}  // namespace herd::luxi
