#include "luxi/framing.h"

#include <algorithm>

namespace herd::luxi {

std::optional<std::string> MessageBuffer::Next() {
  // Bytes already searched are not searched again: a large answer arrives
  // in many reads, and rescanning it after each would cost its square.
  size_t end = buffer_.find(kEndOfMessage, std::max(consumed_, scanned_));
  if (end == std::string::npos) {
    scanned_ = buffer_.size();
    if (consumed_ > 0) {  // compact so the buffer does not grow without bound
      buffer_.erase(0, consumed_);
      scanned_ -= consumed_;
      consumed_ = 0;
    }
    return std::nullopt;
  }
  std::string msg = buffer_.substr(consumed_, end - consumed_);
  consumed_ = scanned_ = end + 1;
  if (consumed_ == buffer_.size()) {
    buffer_.clear();
    consumed_ = scanned_ = 0;
  }
  return msg;
}

}  // namespace herd::luxi
