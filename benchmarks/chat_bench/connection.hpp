// A member's connection through one of chatd's doors. The line door is a TCP socket carrying
// lines; the web door is the same kind of socket under Beast's WebSocket client stream, upgraded
// at /ws; the IRC door is a TCP socket carrying IRC lines, after registration and a JOIN. With
// --tls the line and IRC doors' bytes go through Asio's TLS stream over the socket instead.
// Everything above it (stamps, windows, sequence, latency and order checks) is the same for
// every door: a publisher hands its connection lines to frame, and a reader hands the member's
// receive logic (from, text) pairs.
//
// The connection is an Asio stream (async_read_some / async_write_some, and write_some for the
// answers a reader owes), reading and writing the line or IRC bytes, or the web door's frames
// below Beast: TLS or not, the code above is the same.
#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "chat_bench/options.hpp"
#include "loadgen/timing.hpp"

namespace chatd::chat_bench {

using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;
using WebStream = boost::beast::websocket::stream<boost::asio::ip::tcp::socket>;
using TlsStream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;

// Every method: on the member's strand (or the main thread once the io_contexts have stopped).
class Connection {
 public:
  using executor_type = boost::asio::ip::tcp::socket::executor_type;

  // `tls`: the run's client context, or null for plain TCP; line and IRC doors only.
  Connection(Strand strand, Door door, WebFrames web_frames,
             boost::asio::ssl::context* tls = nullptr);

  Door door() const noexcept { return door_; }
  bool tls() const noexcept { return std::holds_alternative<TlsStream>(stream_); }

  // The TCP socket: the line or IRC door's connection, or the one under the WebSocket or TLS
  // stream. Opened, bound and connected by the caller; closing it ends any door's reads.
  boost::asio::ip::tcp::socket& socket() noexcept;

  // The WebSocket stream; web door only.
  WebStream& web() { return std::get<WebStream>(stream_); }

  // After the TCP connect: over TLS the handshake; for the web door the upgrade (GET /ws, Host
  // `host`), then the server's first frame, the welcome, read through Beast; for the IRC door
  // registration as `nick` (up to the server's 001), then JOIN #lobby. Nothing more for the line
  // door. Returns why it failed, if it did. Once it returns, nothing unread is held but the
  // records sent before the run began (a frame reader may take the socket over from here).
  boost::asio::awaitable<std::optional<std::string>> open(std::string host, std::string nick);

  executor_type get_executor() noexcept { return socket().get_executor(); }

  // The door's bytes, through TLS when the connection has it (the web door: below Beast).
  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const MutableBuffers& into) {
          if (auto* secure = std::get_if<TlsStream>(&stream_))
            secure->async_read_some(into, std::move(handler));
          else
            socket().async_read_some(into, std::move(handler));
        },
        token, buffers);
  }
  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const ConstBuffers& from) {
          if (auto* secure = std::get_if<TlsStream>(&stream_))
            secure->async_write_some(from, std::move(handler));
          else
            socket().async_write_some(from, std::move(handler));
        },
        token, buffers);
  }
  template <class ConstBuffers>
  std::size_t write_some(const ConstBuffers& buffers, boost::system::error_code& ec) {
    if (auto* secure = std::get_if<TlsStream>(&stream_)) return secure->write_some(buffers, ec);
    return socket().write_some(buffers, ec);
  }

  // The bytes that put `lines` (each ending in '\n', as the line protocol writes them) on the
  // wire: `lines` itself for the line door; for the IRC door a PRIVMSG #lobby per line, built in
  // `framed`; for the web door, masked text frames built in `framed` as WebFrames says (a text
  // frame not starting with '{' is a line-protocol line, or several). A batch
  // goes to socket() in one write, so a window of lines reaches the server as the same segments
  // through either door; Beast's own writer would take one write per frame.
  const std::string& wire_bytes(const std::string& lines, std::string& framed);

  // Appends the masked pong answering a ping with `payload` (web door).
  void append_pong(std::string& out, std::string_view payload);

 private:
  void append_frame(std::string& out, unsigned char opcode, std::string_view payload);
  std::uint32_t next_mask_key() noexcept;
  boost::asio::awaitable<std::optional<std::string>> register_irc(std::string nick);

  Door door_;
  WebFrames web_frames_;
  std::variant<boost::asio::ip::tcp::socket, WebStream, TlsStream> stream_;
  std::uint32_t mask_state_;  // xorshift32: a fresh masking key per frame, as RFC 6455 asks
  std::string say_;           // WebFrames::say: one line's JSON
};

}  // namespace chatd::chat_bench
