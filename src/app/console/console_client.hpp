// The `chat` client on a terminal: the input line stays whole at the bottom (LineEditor) while
// the room's lines scroll above it in colour, Tab completes commands and names (Roster), and a
// lost connection is made again with a growing pause, rejoining the same nickname and room.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "app/chat_options.hpp"

namespace chatd::app::console {

// Runs the client on standard input and output, which must be one terminal, until the user
// leaves (`quit`, "/quit", Ctrl-D) or, with options.reconnect off, the connection fails or ends.
// Returns the exit code: 0 when the user left, 1 for a connection that failed or ended.
// Single-threaded: run it on one thread. Destroying its frame (a stopped io_context) restores the
// terminal.
boost::asio::awaitable<int> run_console_client(ChatClientOptions options);

}  // namespace chatd::app::console
