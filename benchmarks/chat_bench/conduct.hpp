// The conductor: connect, warm up, measure, stop. It runs on a strand of the pool's first
// context and talks to the members through their strands and the run's atomics.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "chat_bench/run.hpp"

namespace chatd::chat_bench {

// Fills run.timeline; closes every member at the end, so the pool runs out of work.
boost::asio::awaitable<void> conduct(Run& run, loadgen::IoPool& pool);

}  // namespace chatd::chat_bench
