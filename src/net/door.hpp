// A door: one way into the chat — an endpoint to listen on and what to run for each connection
// accepted there. The server takes a list of them; adding a transport is adding a door.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <memory>
#include <string>

#include "actors/member_id.hpp"
#include "net/session_context.hpp"

namespace chatd::net {

// Held by a connection until its last coroutine has ended; the server counts live connections
// (across every door) by what its deleter does.
using SessionGuard = std::shared_ptr<void>;

// Runs one connection to its end. The socket is bound to a strand of its own, and the coroutine
// is spawned on it.
using ServeConnection = std::function<boost::asio::awaitable<void>(
    boost::asio::ip::tcp::socket, actors::MemberId, std::shared_ptr<const SessionContext>,
    SessionGuard)>;

struct Door {
  std::string name;  // for the log: "line"
  boost::asio::ip::tcp::endpoint endpoint;
  ServeConnection serve;
};

}  // namespace chatd::net
