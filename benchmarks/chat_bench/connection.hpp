// A member's connection through one of chatd's doors. The line door is a TCP socket carrying
// lines; the web door is the same kind of socket under Beast's WebSocket client stream, upgraded
// at /ws. Everything above it (stamps, windows, sequence, latency and order checks) is the same
// for both doors: a publisher hands its connection lines to frame, and a reader hands the
// member's receive logic (from, text) pairs.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
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

// Every method: on the member's strand (or the main thread once the io_contexts have stopped).
class Connection {
 public:
  Connection(Strand strand, Door door, WebFrames web_frames);

  Door door() const noexcept { return door_; }

  // The TCP socket: the line door's connection, or the one under the WebSocket stream. Opened,
  // bound and connected by the caller; closing it ends either door's reads.
  boost::asio::ip::tcp::socket& socket() noexcept;

  // The WebSocket stream; web door only.
  WebStream& web() { return std::get<WebStream>(stream_); }

  // After the TCP connect, for the web door: the upgrade (GET /ws, Host `host`), then the
  // server's first frame, the welcome, read through Beast. Nothing for the line door. Returns
  // why it failed, if it did. Once it returns, Beast holds no unread byte of anything but the
  // records sent before the run began (a frame reader may take the socket over from here).
  boost::asio::awaitable<std::optional<std::string>> open(std::string host);

  // The bytes that put `lines` (each ending in '\n', as the line protocol writes them) on the
  // wire: `lines` itself for the line door; for the web door, masked text frames built in
  // `framed` as WebFrames says (a text frame not starting with '{' is a line-protocol line, or
  // several). A batch
  // goes to socket() in one write, so a window of lines reaches the server as the same segments
  // through either door; Beast's own writer would take one write per frame.
  const std::string& wire_bytes(const std::string& lines, std::string& framed);

  // Appends the masked pong answering a ping with `payload` (web door).
  void append_pong(std::string& out, std::string_view payload);

 private:
  void append_frame(std::string& out, unsigned char opcode, std::string_view payload);
  std::uint32_t next_mask_key() noexcept;

  Door door_;
  WebFrames web_frames_;
  std::variant<boost::asio::ip::tcp::socket, WebStream> stream_;
  std::uint32_t mask_state_;  // xorshift32: a fresh masking key per frame, as RFC 6455 asks
  std::string say_;           // WebFrames::say: one line's JSON
};

}  // namespace chatd::chat_bench
