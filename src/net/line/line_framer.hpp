// Splits a byte stream into protocol lines without ever holding more than one line's worth of
// bytes: the over-long-line defence lives here, independent of sockets, so it can be fuzzed.
#pragma once

#include <cstddef>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

namespace chatd::net::line {

// What feed() found, one entry per complete line or refused line.
enum class FrameKind { line, too_long };

class LineFramer {
 public:
  // max_line: the most bytes a line may hold, not counting its "\n" or "\r\n".
  explicit LineFramer(std::size_t max_line);

  // Consumes the bytes of `bytes`. For each line completed, calls on_frame(FrameKind::line, text)
  // with the text stripped of its terminator (it may be empty); for each over-long line, calls
  // on_frame(FrameKind::too_long, {}) once, as soon as the limit is crossed, and discards the rest
  // of that line up to and including its "\n". The string_view is valid only during the call.
  // When on_frame returns bool, false stops feeding right after that frame. Returns the bytes
  // consumed: all of them, unless on_frame stopped it.
  template <class OnFrame>
  std::size_t feed(std::span<const char> bytes, OnFrame&& on_frame);

  std::size_t max_line() const noexcept { return max_line_; }
  // Bytes of an unfinished line held right now (never more than max_line() + 1).
  std::size_t buffered() const noexcept { return partial_.size(); }

 private:
  // Keeps `tail`, the unterminated end of a read, after the held bytes. Returns false, holding
  // nothing and discarding up to the next "\n", once the line can no longer fit.
  bool hold(std::string_view tail);
  // Finishes the held line with `head`, the bytes before its "\n". Returns false, holding nothing,
  // when the line is over-long; otherwise partial_ holds the line without its terminator.
  bool complete(std::string_view head);
  void grow_for(std::size_t size);

  std::size_t max_line_;
  std::string partial_;
  bool discarding_ = false;
};

template <class OnFrame>
std::size_t LineFramer::feed(std::span<const char> bytes, OnFrame&& on_frame) {
  const char* const begin = bytes.data();
  const char* pos = begin;
  const char* const end = pos + bytes.size();
  // Hands a frame over; false when the caller wants no more for now.
  const auto emit = [&on_frame](FrameKind kind, std::string_view text) {
    if constexpr (std::is_same_v<std::invoke_result_t<OnFrame&, FrameKind, std::string_view>, bool>)
      return on_frame(kind, text);
    else
      return on_frame(kind, text), true;
  };
  while (pos != end) {
    const auto* newline =
        static_cast<const char*>(std::memchr(pos, '\n', static_cast<std::size_t>(end - pos)));
    if (discarding_) {
      if (newline == nullptr) return bytes.size();
      discarding_ = false;
      pos = newline + 1;
      continue;
    }
    if (newline == nullptr) {
      if (!hold(std::string_view(pos, end))) emit(FrameKind::too_long, std::string_view{});
      return bytes.size();
    }
    std::string_view head(pos, newline);
    pos = newline + 1;
    bool more = true;
    if (partial_.empty()) {
      // The whole line lies inside `bytes`: hand it out in place, without copying.
      if (head.ends_with('\r')) head.remove_suffix(1);
      more = head.size() <= max_line_ ? emit(FrameKind::line, head)
                                      : emit(FrameKind::too_long, std::string_view{});
    } else if (complete(head)) {
      more = emit(FrameKind::line, std::string_view(partial_));
      partial_.clear();
    } else {
      more = emit(FrameKind::too_long, std::string_view{});
    }
    if (!more) break;
  }
  return static_cast<std::size_t>(pos - begin);
}

}  // namespace chatd::net::line
