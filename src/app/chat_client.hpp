// The `chat` console client as a reusable coroutine: it connects to a chatd server, sends what it
// reads from an input descriptor line by line, prints what the room relays, and returns the exit
// code. chat_main.cpp wraps it in flags; tests drive it with pipes and a fake server.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "app/chat_options.hpp"

namespace chatd::app {

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
