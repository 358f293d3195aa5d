// over_tls: a door's TLS twin. It serves the same sessions in the same format; each connection
// first completes a TLS handshake within a deadline and then runs over it.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <memory>

#include "net/door.hpp"
#include "net/tls/tls_credentials.hpp"

namespace chatd::net::tls {

// A failed or slow handshake is logged once and ends that connection, nothing else. The door is
// named after `plain` with "-tls" (for the log and the metrics).
Door over_tls(Door plain, boost::asio::ip::tcp::endpoint endpoint,
              std::shared_ptr<TlsCredentials> credentials);

}  // namespace chatd::net::tls
