// The receiving side of every member: it reads relayed lines, checks each publisher's sequence
// and records latencies.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>

#include "chat_bench/run.hpp"

namespace chatd::chat_bench {

// Reads until the socket closes. Runs on the member's strand.
boost::asio::awaitable<void> receive_lines(Member& member, Run& run);

// The connection ended without us closing it: the server evicted or dropped the member. On the
// member's strand.
void note_connection_lost(Member& member, std::string why);

}  // namespace chatd::chat_bench
