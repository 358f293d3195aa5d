// The receiving side of every member: it reads relayed lines (line door) or record frames (web
// door), and for each stamped message checks its publisher's sequence, records its latency and
// adds it to the member's received order. Only the reading differs between the doors.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>

#include "chat_bench/run.hpp"

namespace chatd::chat_bench {

// Reads until the connection closes. Runs on the member's strand.
boost::asio::awaitable<void> receive(Member& member, Run& run);

// Web and IRC doors: writes the pongs the reader owes, unless a publisher's write is in progress (it
// calls this when it is done). On the member's strand.
void send_owed_pongs(Member& member);

// The connection ended without us closing it: the server evicted or dropped the member. On the
// member's strand.
void note_connection_lost(Member& member, std::string why);

}  // namespace chatd::chat_bench
