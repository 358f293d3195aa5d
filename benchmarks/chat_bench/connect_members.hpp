// Opening the members' connections: a bounded number of handshakes in flight, each member's
// reader started as soon as it is connected.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <optional>
#include <string>

#include "chat_bench/run.hpp"

namespace chatd::chat_bench {

// Connects members [first, last); returns the first failure, if any. Runs on the conductor
// strand.
boost::asio::awaitable<std::optional<std::string>> connect_members(Run& run, std::size_t first,
                                                                   std::size_t last);

}  // namespace chatd::chat_bench
