// A blocking line client on plain POSIX sockets, for end-to-end tests: connects to a loopback
// port, sends bytes, reads lines with a timeout. Independent of Asio so that the tests do not
// share the server's machinery, and usable from one sending and one reading thread at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace chatd::test {

class LineClient {
 public:
  // Connects to 127.0.0.1:port. `receive_buffer` > 0 shrinks SO_RCVBUF first (a slow reader).
  explicit LineClient(std::uint16_t port, int receive_buffer = 0);
  ~LineClient();
  LineClient(const LineClient&) = delete;
  LineClient& operator=(const LineClient&) = delete;

  // "127.0.0.1:PORT": the name the server gives this client.
  std::string name() const;

  // Sends every byte; false if the connection failed.
  bool send(std::string_view bytes);
  // The next line without its "\n", or nullopt on timeout, EOF or error.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // True once the server has closed the connection (EOF or reset) within `timeout`;
  // data received meanwhile is discarded.
  bool wait_closed(std::chrono::milliseconds timeout = std::chrono::seconds(10));

  void shutdown_send();
  // Closes with SO_LINGER 0, so the server sees a reset instead of an orderly close.
  void reset();

 private:
  int fd_ = -1;
  std::string pending_;
  std::size_t consumed_ = 0;  // bytes of pending_ already returned as lines
};

}  // namespace chatd::test
