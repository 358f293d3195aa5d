// LineBuffer: the read side of a line-protocol client. Reads take up to a whole buffer and lines
// are split by hand, so a burst of relayed lines costs one system call.
#pragma once

#include <boost/asio/buffer.hpp>
#include <cstddef>
#include <cstring>
#include <string_view>
#include <vector>

namespace chatd::loadgen {

enum class LinesResult { ok, line_too_long };

class LineBuffer {
 public:
  explicit LineBuffer(std::size_t capacity) : bytes_(capacity) {}

  // Where the next read goes.
  boost::asio::mutable_buffer free_space() noexcept {
    return boost::asio::buffer(bytes_.data() + filled_, bytes_.size() - filled_);
  }

  // Takes `received` bytes just read into free_space(), calls on_line(std::string_view) for every
  // complete line (without its '\n') and keeps the incomplete rest for the next read. A full
  // buffer without a line end is a line longer than the buffer.
  template <class OnLine>
  LinesResult take(std::size_t received, OnLine&& on_line) {
    filled_ += received;
    const std::string_view bytes(bytes_.data(), filled_);
    std::size_t consumed = 0;
    for (auto newline = bytes.find('\n'); newline != std::string_view::npos;
         newline = bytes.find('\n', consumed)) {
      on_line(bytes.substr(consumed, newline - consumed));
      consumed = newline + 1;
    }
    if (consumed == 0 && filled_ == bytes_.size()) return LinesResult::line_too_long;
    std::memmove(bytes_.data(), bytes_.data() + consumed, filled_ - consumed);
    filled_ -= consumed;
    return LinesResult::ok;
  }

 private:
  std::vector<char> bytes_;
  std::size_t filled_ = 0;
};

}  // namespace chatd::loadgen
