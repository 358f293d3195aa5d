// What `chat` is asked to do: where its server is, how it connects, and its bounds. Shared by
// the piped client (chat_client.hpp) and the terminal one (console/console_client.hpp).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace chatd::app {

struct ChatClientOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 9999;
  // Over TLS (a chatd --line-tls door), verifying the server's certificate and name against
  // `ca_file` (PEM), or the system's certificate authorities when none is given; `insecure`
  // skips the verification (a throwaway test certificate).
  bool tls = false;
  std::optional<std::string> ca_file;
  bool insecure = false;
  // When set, "/nick NAME" is the first line sent after connecting.
  std::optional<std::string> nick;
  // Input lines up to this many bytes are sent whole, even past the server's own limit (it answers
  // with an error line). A longer one is not sent: it is reported on the error descriptor and
  // skipped up to its "\n", so reading input never holds more than this.
  std::size_t max_input_line = 64 * 1024;
  // A longer line from the server ends the session with an error: it bounds what we hold.
  std::size_t max_server_line = 64 * 1024;
  // After end of input the send side is shut down; received lines are printed until the server
  // closes, or until this much time has passed.
  std::chrono::milliseconds wait_after_input_end{2000};
  // After sending "/quit", how long to wait for the server to close the connection.
  std::chrono::milliseconds wait_after_quit_command{1000};
  // Each received line starts with the local time, "HH:MM ".
  bool timestamps = false;
  // On a terminal: when the connection ends or cannot be made, try again with a growing pause
  // instead of exiting. (Piped, the client always exits.)
  bool reconnect = true;
};

}  // namespace chatd::app
