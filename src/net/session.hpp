// Session: one client connection, as a reader coroutine and a writer coroutine on one strand.
//
// The reader frames lines and turns them into room events; the writer drains the member's
// outbox with one gather write per wake-up. Whatever ends the connection (EOF, error,
// eviction, server shutdown) ends both, and the room receives exactly one Leave.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstddef>
#include <memory>

#include "actors/member_id.hpp"
#include "actors/room.hpp"

namespace chatd::net {

struct SessionLimits {
  // Longest accepted line, terminator excluded.
  std::size_t max_line = 4096;
};

// Runs the conversation with one client until it ends. The socket's executor must be a strand
// of its own; the coroutine must be spawned on it.
boost::asio::awaitable<void> run_session(boost::asio::ip::tcp::socket socket,
                                         std::shared_ptr<actors::Room> room, actors::MemberId id,
                                         SessionLimits limits);

}  // namespace chatd::net
