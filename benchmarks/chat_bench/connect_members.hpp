// Opening the members' connections: a bounded number of handshakes in flight, spread over the
// pool's threads, each member's reader started as soon as it is connected.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <optional>
#include <string>

#include "chat_bench/run.hpp"

namespace chatd::chat_bench {

// Connects members [first, last); returns the first failure, if any. Sets
// run.timeline.connect_ended_ns to when the last of them connected. Runs on the conductor strand.
boost::asio::awaitable<std::optional<std::string>> connect_members(Run& run, loadgen::IoPool& pool,
                                                                   std::size_t first,
                                                                   std::size_t last);

}  // namespace chatd::chat_bench
