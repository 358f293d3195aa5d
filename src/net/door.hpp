// A door: one way into the chat — an endpoint to listen on and what to run for each connection
// accepted there. The server takes a list of them; adding a transport is adding a door.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <memory>
#include <string>

#include "actors/member_id.hpp"
#include "net/client_stream.hpp"
#include "net/server_metrics.hpp"
#include "net/session_context.hpp"

namespace chatd::net {

namespace tls {
class TlsCredentials;
}

// Held by a connection until its last coroutine has ended; the server counts live connections
// (across every door) by what its deleter does.
using SessionGuard = std::shared_ptr<void>;

// Runs one connection to its end. The stream's socket is bound to a strand of its own, and the
// coroutine is spawned on it. `counters` are the door's, valid while the guard is held.
using ServeConnection = std::function<boost::asio::awaitable<void>(
    ClientStream, actors::MemberId, std::shared_ptr<const SessionContext>,
    DoorCounters& counters, SessionGuard)>;

struct Door {
  std::string name;  // for the log and the metrics: "line", "web", "line-tls"
  boost::asio::ip::tcp::endpoint endpoint;
  ServeConnection serve;
  // Written (best effort) to a connection refused because the server is full.
  std::string_view refusal;
  // Keep accepting during the graceful shutdown, so the door can say it is draining (an HTTP
  // health check); its sessions must then refuse new members and close promptly.
  bool answers_while_draining = false;
  // Set for a TLS door (tls/tls_door.hpp): each connection completes a handshake with this
  // certificate first, and only then counts as a client.
  std::shared_ptr<tls::TlsCredentials> tls;
};

}  // namespace chatd::net
