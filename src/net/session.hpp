// Session: one client connection — a reader, a writer and, if asked for, an idle watch, all on
// one strand.
//
// The reader frames lines, applies flood control, runs commands and turns messages into room
// events; the writer drains the member's outbox with one gather write per wake-up. Whatever
// ends the connection (EOF, error, /quit, eviction, idle timeout, flooding, shutdown) ends all of
// them, and the member's room receives exactly one Leave.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstddef>
#include <memory>

#include "actors/member_id.hpp"
#include "actors/name_registry.hpp"
#include "actors/room_directory.hpp"

namespace chatd::net {

struct SessionLimits {
  // Longest accepted line, terminator excluded.
  std::size_t max_line = 4096;
  // Flood control: lines per second on average (0: off), and the burst allowed above it.
  double rate = 20;
  double burst = 60;
  // Disconnect a client that sends nothing for this long (0: never).
  std::chrono::seconds idle_timeout{0};
  // Most bytes of room traffic in one gather write. Bytes in flight count as undelivered, so
  // this must stay well below the room's outbox bound (the server keeps it at a quarter).
  std::size_t max_write = 256 * 1024;
};

// What every session shares: where the rooms are, who holds which name, and the limits.
struct SessionContext {
  std::shared_ptr<actors::RoomDirectory> rooms;
  std::shared_ptr<actors::NameRegistry> names;
  SessionLimits limits;
};

// Held by a session until its last coroutine has ended; the server counts live sessions by
// what its deleter does.
using SessionGuard = std::shared_ptr<void>;

// Starts the conversation with one client and reads from it until the client is done; the
// writer (and the idle watch) may outlive this coroutine briefly while they flush. The socket's
// executor must be a strand of its own; the coroutine must be spawned on it.
boost::asio::awaitable<void> run_session(boost::asio::ip::tcp::socket socket, actors::MemberId id,
                                         std::shared_ptr<const SessionContext> context,
                                         SessionGuard guard);

}  // namespace chatd::net
