// The `chat` console client as a reusable coroutine: it connects to a chatd server, sends what it
// reads from an input descriptor line by line, prints what the room relays, and returns the exit
// code. chat_main.cpp wraps it in flags; tests drive it with pipes and a fake server.
#pragma once

#include <boost/asio/awaitable.hpp>
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
};

// Runs one chat session on the calling coroutine's executor and returns the process exit code:
// 0 after `quit`, "/quit" or end of input; 1 when the connection cannot be made, fails, or the
// server closes it while input is still open (each reported on error_fd with a "chat: " line).
//
// Input lines go to the server without their "\r"; lines from the server go to output_fd with
// control characters neutralised, and, only when output_fd is a terminal, notices ("* ") dimmed
// and errors ("! ") in bold red. input_fd and output_fd are duplicated, never closed, and their
// file status flags (Asio sets O_NONBLOCK, which a dup shares) are restored when the session ends,
// including when its frame is destroyed by a stopped io_context. Not thread-safe: run it on one
// thread or strand.
boost::asio::awaitable<int> run_chat_client(ChatClientOptions options, int input_fd, int output_fd,
                                            int error_fd);

}  // namespace chatd::app
