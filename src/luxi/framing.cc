#include "luxi/framing.h"

namespace herd::luxi {

std::optional<std::string> MessageBuffer::Next() {
  size_t end = buffer_.find(kEndOfMessage, consumed_);
  if (end == std::string::npos) {
    if (consumed_ > 0) {  // compact so the buffer does not grow without bound
      buffer_.erase(0, consumed_);
      consumed_ = 0;
    }
    return std::nullopt;
  }
  std::string msg = buffer_.substr(consumed_, end - consumed_);
  consumed_ = end + 1;
  if (consumed_ == buffer_.size()) {
    buffer_.clear();
    consumed_ = 0;
  }
  return msg;
}

}  // namespace herd::luxi
