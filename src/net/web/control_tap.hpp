// ControlTap: the stream Beast's websocket::stream runs on. Reads go straight to the socket.
// Writes — after the handshake, only Beast's own control frames: pongs, keepalive pings, the
// close frame — are handed to the connection's UrgentLane and reported done at once; the
// connection's one writer sends them between two of its writes. Data frames never pass through
// Beast: they are stored ready-made in the room logs and written by that writer, so nothing else
// may write to the socket or a control frame could land inside one of them.
//
// Threading: the connection's strand.
#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <cstddef>
#include <string>

#include "net/urgent_lane.hpp"

namespace chatd::net::web {

class ControlTap {
 public:
  using executor_type = boost::asio::ip::tcp::socket::executor_type;
  using next_layer_type = boost::asio::ip::tcp::socket;

  ControlTap(boost::asio::ip::tcp::socket socket, UrgentLane& urgent)
      : socket_(std::move(socket)), urgent_(urgent) {}

  executor_type get_executor() noexcept { return socket_.get_executor(); }
  // Beast finds the socket (for its timeouts) through here.
  next_layer_type& next_layer() noexcept { return socket_; }

  // From now on writes go to the urgent lane. Call once the handshake's response is out.
  void capture_writes() noexcept { capturing_ = true; }
  // Whether Beast has written a close frame (answering the client's, or failing the connection).
  bool close_captured() const noexcept { return close_captured_; }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return socket_.async_read_some(buffers, std::forward<Token>(token));
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const ConstBuffers& bytes) {
          if (!capturing_) {
            socket_.async_write_some(bytes, std::move(handler));
            return;
          }
          std::string frame(boost::asio::buffer_size(bytes), '\0');
          boost::asio::buffer_copy(boost::asio::buffer(frame), bytes);
          if (!frame.empty() && static_cast<unsigned char>(frame[0]) == 0x88) close_captured_ = true;
          urgent_.push(frame);
          boost::asio::post(socket_.get_executor(),
                            boost::beast::bind_front_handler(
                                std::move(handler), boost::system::error_code(), frame.size()));
        },
        token, buffers);
  }

 private:
  boost::asio::ip::tcp::socket socket_;
  UrgentLane& urgent_;
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
