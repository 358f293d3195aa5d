// Connecting one client socket, bounded in time.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <optional>
#include <string>

#include "loadgen/timing.hpp"

namespace chatd::loadgen {

// Connects an open `socket` to `server` and sets TCP_NODELAY, giving up at `deadline`. Returns
// why it failed ("timed out", the connect error, or "TCP_NODELAY: ..."), or nothing. The socket
// belongs to the caller's connection, which outlives the call.
boost::asio::awaitable<std::optional<std::string>> connect_before(
    boost::asio::ip::tcp::socket& socket, boost::asio::ip::tcp::endpoint server,
    Clock::time_point deadline);

}  // namespace chatd::loadgen
