// over_tls: a door's TLS twin, and the handshake every connection to it completes first.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <optional>

#include "net/door.hpp"
#include "net/tls/tls_credentials.hpp"

namespace chatd::net::tls {

// The same sessions in the same format, named after `plain` with "-tls" (for the log and the
// metrics). The server has each connection complete a handshake (tls_handshake) before it
// counts as a client: a client that never finishes one takes no member's place.
Door over_tls(Door plain, boost::asio::ip::tcp::endpoint endpoint,
              std::shared_ptr<TlsCredentials> credentials);

// The server's side of the handshake on `socket`, with the certificate `credentials` holds now,
// within a deadline. A failure is logged once and counted in `counters`; nothing comes back.
boost::asio::awaitable<std::optional<ClientStream>> tls_handshake(
    boost::asio::ip::tcp::socket socket, std::shared_ptr<TlsCredentials> credentials,
    DoorCounters* counters);

}  // namespace chatd::net::tls
