// The sending side of a publisher: warm-up lines until the conductor says start, then the
// measured lines, windowed or paced.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "chat_bench/run.hpp"

namespace chatd::chat_bench {

// Runs on the publisher's strand until it has sent every line, or is closed.
boost::asio::awaitable<void> publish(Member& member, Run& run);

}  // namespace chatd::chat_bench
