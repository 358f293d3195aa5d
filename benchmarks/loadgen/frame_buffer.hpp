// FrameBuffer: the read side of a WebSocket client that reads like a line client. A read takes
// up to a whole buffer and the server's frames (RFC 6455 §5.2: unmasked, whole, a header of 2 to
// 10 bytes) are split by hand, so a burst of records costs one system call and no completion per
// frame. LineBuffer's twin: same free_space() / take() shape.
#pragma once

#include <boost/asio/buffer.hpp>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace chatd::loadgen {

enum class FramesResult {
  ok,
  frame_too_long,  // a frame bigger than the buffer
  masked,          // a server must not mask its frames
  fragmented,      // a frame without FIN, or a continuation: not something chatd sends
};

// Opcodes (RFC 6455 §5.2).
enum class Opcode : std::uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA
};

class FrameBuffer {
 public:
  explicit FrameBuffer(std::size_t capacity) : bytes_(capacity) {}

  // Where the next read goes.
  boost::asio::mutable_buffer free_space() noexcept {
    return boost::asio::buffer(bytes_.data() + filled_, bytes_.size() - filled_);
  }

  // Takes `received` bytes just read into free_space(), calls on_frame(Opcode, std::string_view
  // payload) for every complete frame and keeps the incomplete rest for the next read. Stops at
  // the first frame it cannot take.
  template <class OnFrame>
  FramesResult take(std::size_t received, OnFrame&& on_frame) {
    filled_ += received;
    const auto* bytes = reinterpret_cast<const unsigned char*>(bytes_.data());
    std::size_t consumed = 0;
    FramesResult result = FramesResult::ok;
    for (;;) {
      const std::size_t available = filled_ - consumed;
      const unsigned char* frame = bytes + consumed;
      if (available < 2) break;
      if ((frame[1] & 0x80) != 0) {
        result = FramesResult::masked;
        break;
      }
      std::size_t header = 2;
      std::uint64_t payload = frame[1] & 0x7F;
      if (payload == 126) {
        header = 4;
        if (available < header) break;
        payload = (std::uint64_t{frame[2]} << 8) | frame[3];
      } else if (payload == 127) {
        header = 10;
        if (available < header) break;
        payload = 0;
        for (std::size_t index = 2; index < 10; ++index) payload = (payload << 8) | frame[index];
      }
      if (payload > bytes_.size() - header) {
        result = FramesResult::frame_too_long;
        break;
      }
      if (available < header + payload) break;
      const auto opcode = static_cast<Opcode>(frame[0] & 0x0F);
      if ((frame[0] & 0x80) == 0 || opcode == Opcode::continuation) {
        result = FramesResult::fragmented;
        break;
      }
      on_frame(opcode, std::string_view(bytes_.data() + consumed + header,
                                        static_cast<std::size_t>(payload)));
      consumed += header + static_cast<std::size_t>(payload);
    }
    std::memmove(bytes_.data(), bytes_.data() + consumed, filled_ - consumed);
    filled_ -= consumed;
    return result;
  }

 private:
  std::vector<char> bytes_;
  std::size_t filled_ = 0;
};

}  // namespace chatd::loadgen
