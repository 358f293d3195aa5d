// ControlTap: the stream Beast's websocket::stream runs on.
//
// Reads pass through a buffer of the tap's own, and Beast is handed at most the rest of the frame
// it is reading: a frame that follows never hides in Beast's own read buffer, where nobody can
// see it. So the session knows exactly when more messages have arrived (`has_input`) and takes
// them into the same batch — one room event for a client's burst, as the line door makes one per
// read. Only frame lengths are looked at here (RFC 6455 §5.2); Beast checks everything else.
// The buffer exists only while bytes wait in it: an idle member holds none.
//
// Writes — after the handshake, only Beast's own control frames: pongs, keepalive pings, the
// close frame — are handed to the connection's UrgentLane and reported done at once; the
// connection's one writer sends them between two of its writes. Data frames never pass through
// Beast: they are stored ready-made in the room logs and written by that writer, so nothing else
// may write to the socket or a control frame could land inside one of them.
//
// Threading: the connection's strand.
#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "net/client_stream.hpp"
#include "net/urgent_lane.hpp"

namespace chatd::net::web {

class ControlTap {
 public:
  using executor_type = ClientStream::executor_type;
  using next_layer_type = ClientStream;

  ControlTap(ClientStream stream, UrgentLane& urgent)
      : stream_(std::move(stream)), urgent_(urgent) {}

  executor_type get_executor() noexcept { return stream_.get_executor(); }
  // Beast finds the stream (to close it when it gives up) through here.
  next_layer_type& next_layer() noexcept { return stream_; }

  // From now on writes go to the urgent lane. Call once the handshake's response is out.
  void capture_writes() noexcept { capturing_ = true; }
  // Whether Beast has written a close frame (answering the client's, or failing the connection).
  bool close_captured() const noexcept { return close_captured_; }

  // Bytes read from the socket that Beast has not taken yet: the start of further frames.
  bool has_input() const noexcept { return begin_ < end_; }

  // Whether a whole message waits here — complete frames up to a final data frame — so that
  // reading it cannot wait on the client. On a plain socket, takes what the kernel holds first,
  // without waiting (the socket is non-blocking). Call between messages only.
  bool has_message() {
    take_what_arrived();
    std::size_t at = begin_;
    while (end_ - at >= 2) {
      const auto* frame = reinterpret_cast<const unsigned char*>(bytes_.get() + at);
      const auto [header, payload] = frame_lengths(frame, end_ - at);
      if (header == 0 || payload > end_ - at - header) return false;
      const bool final_data_frame = (frame[0] & 0x80) != 0 && (frame[0] & 0x08) == 0;
      if (final_data_frame) return true;
      at += header + static_cast<std::size_t>(payload);
    }
    return false;
  }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    namespace asio = boost::asio;
    enum class Step { start, reading, handing_over };
    return asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
        [this, buffers, step = Step::start, given = std::size_t{0}](
            auto& self, boost::system::error_code ec = {}, std::size_t read = 0) mutable {
          switch (step) {
            case Step::handing_over:
              self.complete({}, given);
              return;
            case Step::reading:
              if (ec) {
                if (!has_input()) release();
                self.complete(ec, 0);
                return;
              }
              end_ += read;
              break;
            case Step::start:
              break;
          }
          const std::size_t ready = deliverable();
          if (ready == 0) {
            // Nothing for Beast yet (or only part of a frame header): read more.
            step = Step::reading;
            make_room();
            stream_.async_read_some(asio::buffer(bytes_.get() + end_, capacity - end_),
                                    std::move(self));
            return;
          }
          given = asio::buffer_copy(buffers, asio::buffer(bytes_.get() + begin_, ready));
          begin_ += given;
          frame_left_ -= given;
          if (!has_input()) release();
          // Not from inside the initiating function: the completion is posted.
          step = Step::handing_over;
          asio::post(stream_.get_executor(), std::move(self));
        },
        token, stream_);
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const ConstBuffers& bytes) {
          if (!capturing_) {
            stream_.async_write_some(bytes, std::move(handler));
            return;
          }
          std::string frame(boost::asio::buffer_size(bytes), '\0');
          boost::asio::buffer_copy(boost::asio::buffer(frame), bytes);
          if (!frame.empty() && static_cast<unsigned char>(frame[0]) == 0x88) close_captured_ = true;
          urgent_.push(frame);
          boost::asio::post(stream_.get_executor(),
                            boost::beast::bind_front_handler(
                                std::move(handler), boost::system::error_code(), frame.size()));
        },
        token, buffers);
  }

 private:
  static constexpr std::size_t capacity = 16 * 1024;

  struct FrameLengths {
    std::size_t header;  // 0: the header has not all arrived
    std::uint64_t payload;
  };
  // The lengths a frame header starting at `frame` (with `have` bytes there) announces.
  static FrameLengths frame_lengths(const unsigned char* frame, std::size_t have) {
    if (have < 2) return {0, 0};
    const unsigned length = frame[1] & 0x7F;
    const std::size_t extended = length == 126 ? 2 : length == 127 ? 8 : 0;
    const std::size_t header = 2 + extended + ((frame[1] & 0x80) != 0 ? 4 : 0);
    if (have < header) return {0, 0};
    std::uint64_t payload = length;
    if (extended > 0) {
      payload = 0;
      for (std::size_t i = 0; i < extended; ++i) payload = payload << 8 | frame[2 + i];
    }
    // A length beyond any message Beast accepts only needs to be larger than what is here.
    return {header, std::min<std::uint64_t>(payload, std::uint64_t{1} << 40)};
  }

  // How many waiting bytes Beast may take now: the rest of the frame it is in. At a frame's
  // start that needs the frame's header, all of it; until it has arrived, nothing.
  std::size_t deliverable() {
    if (frame_left_ == 0) {
      const auto [header, payload] = frame_lengths(
          reinterpret_cast<const unsigned char*>(bytes_.get() + begin_), end_ - begin_);
      if (header == 0) return 0;
      frame_left_ = header + payload;
    }
    return static_cast<std::size_t>(std::min<std::uint64_t>(frame_left_, end_ - begin_));
  }

  // What the kernel already holds, appended without waiting. Over TLS, only a read decrypts:
  // a batch then holds what the last one brought.
  void take_what_arrived() {
    boost::asio::ip::tcp::socket* socket = stream_.plain();
    if (socket == nullptr) return;
    boost::system::error_code ec;
    if (socket->available(ec) == 0 || ec) return;
    make_room();
    if (end_ == capacity) return;
    const std::size_t read =
        socket->read_some(boost::asio::buffer(bytes_.get() + end_, capacity - end_), ec);
    if (!ec) end_ += read;
    if (!has_input()) release();
  }
  // Space at the end of the buffer for a socket read, allocating it if needed.
  void make_room() {
    if (!bytes_) bytes_ = std::make_unique<char[]>(capacity);
    if (begin_ > 0) {
      std::copy(bytes_.get() + begin_, bytes_.get() + end_, bytes_.get());
      end_ -= begin_;
      begin_ = 0;
    }
  }
  void release() {
    bytes_.reset();
    begin_ = end_ = 0;
  }

  ClientStream stream_;
  UrgentLane& urgent_;
  std::unique_ptr<char[]> bytes_;  // [begin_, end_) read from the socket, not yet given to Beast
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  std::uint64_t frame_left_ = 0;  // bytes of the current frame Beast has not taken yet
  bool capturing_ = false;
  bool close_captured_ = false;
};

// After a close handshake Beast tears the stream down through these. The connection closes its
// socket itself, once its writer has sent the close frame; nothing to do here.
inline void teardown(boost::beast::role_type, ControlTap&, boost::system::error_code& ec) {
  ec = {};
}

template <class Handler>
void async_teardown(boost::beast::role_type, ControlTap& tap, Handler&& handler) {
  boost::asio::post(tap.get_executor(), boost::beast::bind_front_handler(
                                            std::forward<Handler>(handler),
                                            boost::system::error_code()));
}

}  // namespace chatd::net::web
