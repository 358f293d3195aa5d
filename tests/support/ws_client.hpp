// A blocking WebSocket client for end-to-end tests, on Beast's client side over its own socket:
// connects to the web door on a loopback port, sends text or binary messages, reads frames with
// a timeout and parses them as JSON.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace chatd::test {

class WsClient {
 public:
  struct Options {
    std::string path = "/ws";
    std::string origin;  // sent as Origin when not empty
    int receive_buffer = 0;  // > 0 shrinks SO_RCVBUF first (a slow reader)
  };
  // Connects and upgrades; throws boost::system::system_error when the server refuses.
  explicit WsClient(std::uint16_t port) : WsClient(port, Options{}) {}
  WsClient(std::uint16_t port, Options options);

  // "127.0.0.1:PORT": the name the server gives this client before it picks a nickname.
  std::string name() const;

  void send(std::string_view text);
  void send_binary(std::string_view bytes);
  // Writes `bytes` to the socket as they are (hand-made frames), bypassing Beast's writer.
  void send_raw(std::string_view bytes);
  // Sends `text` as a message in frames of `piece` bytes (continuation frames).
  void send_fragmented(std::string_view text, std::size_t piece);

  // The next message's text, or nullopt on timeout, close or error.
  std::optional<std::string> read_text(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // The next message as a JSON object (fails the test if it is not one).
  std::optional<boost::json::object> read(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Reads until a message of `type` arrives (others are skipped); nullopt when none does.
  std::optional<boost::json::object> read_type(
      std::string_view type, std::chrono::milliseconds timeout = std::chrono::seconds(10));

  // After the server closed: the close code and reason it sent (code 0 when none was read).
  int close_code() const { return close_code_; }
  const std::string& close_reason() const { return close_reason_; }
  // Reads (discarding) until the server closes; true when it did within `timeout`.
  bool wait_closed(std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  void note_close();

  boost::asio::io_context io_;
  boost::beast::websocket::stream<boost::asio::ip::tcp::socket> ws_;
  int close_code_ = 0;
  std::string close_reason_;
};

// A field of a JSON object as text ("" when absent or not a string).
std::string text_of(const boost::json::object& object, std::string_view key);

}  // namespace chatd::test
