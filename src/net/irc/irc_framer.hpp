// Splits an IRC client's byte stream into lines, enforcing IRC's line limits: at most
// max_line_bytes (512) with the "\r\n" for the message itself, plus at most
// max_client_tag_bytes (4096) for a leading tag section ("@a=b;c " up to its first space).
// A line over the limit is refused, not fatal: the door answers 417 ERR_INPUTTOOLONG and goes on.
//
// The interface is LineFramer's (net/line/line_framer.hpp), so a session paces both doors the
// same way. It is a framer of its own because the limit has two parts, and because chatd_irc
// sits below chatd_net. Memory bound: an unfinished line is held only while it can still become
// a valid one, so at most max_held() bytes (4096 + 510 + a '\r' that may precede the '\n'),
// whatever the client sends.
#pragma once

#include <cstddef>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include "net/irc/irc_message.hpp"

namespace chatd::net::irc {

enum class FrameKind { line, too_long };

// Whether `line`, without its terminator, keeps within IRC's limits (see the top of the file).
bool within_irc_limits(std::string_view line) noexcept;

class IrcFramer {
 public:
  // The most bytes of an unfinished line held at once.
  static constexpr std::size_t max_held() noexcept {
    return max_client_tag_bytes + max_line_bytes - 1;
  }

  // Consumes the bytes of `bytes`. For each line completed, calls on_frame(FrameKind::line, text)
  // with the text stripped of its "\n" and of one '\r' before it (it may be empty); for each
  // over-long line, calls on_frame(FrameKind::too_long, {}) once, as soon as the line can no
  // longer fit or when its "\n" shows it did not, and discards the rest of that line up to and
  // including its "\n". The string_view is valid only during the call. When on_frame returns
  // bool, false stops feeding right after that frame. Returns the bytes consumed: all of them,
  // unless on_frame stopped it.
  template <class OnFrame>
  std::size_t feed(std::span<const char> bytes, OnFrame&& on_frame);

  // Bytes of an unfinished line held right now (never more than max_held()).
  std::size_t buffered() const noexcept { return partial_.size(); }

 private:
  // Keeps `tail`, the unterminated end of a read, after the held bytes. Returns false, holding
  // nothing and discarding up to the next "\n", once the line can no longer fit.
  bool hold(std::string_view tail);
  // Finishes the held line with `head`, the bytes before its "\n". Returns false, holding
  // nothing, when the line is over the limit; otherwise partial_ holds the line without its
  // terminator.
  bool complete(std::string_view head);
  void grow_for(std::size_t size);

  std::string partial_;
  bool discarding_ = false;
};

template <class OnFrame>
std::size_t IrcFramer::feed(std::span<const char> bytes, OnFrame&& on_frame) {
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
      more = within_irc_limits(head) ? emit(FrameKind::line, head)
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

}  // namespace chatd::net::irc
