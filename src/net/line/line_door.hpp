// The line door: the line protocol over plain TCP (`nc`, `telnet`, `chat`).
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include "net/door.hpp"

namespace chatd::net::line {

Door line_door(boost::asio::ip::tcp::endpoint endpoint);

}  // namespace chatd::net::line
