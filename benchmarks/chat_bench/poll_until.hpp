// The conductor's way of waiting for the members: they report through atomics, and it looks
// every millisecond, which keeps every cross-strand wake-up out of the hot path.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>

#include "loadgen/timing.hpp"

namespace chatd::chat_bench {

constexpr std::chrono::milliseconds kPollInterval{1};

// Polls `done` until it holds (true) or the deadline passes (false).
template <class Predicate>
boost::asio::awaitable<bool> poll_until(Predicate done, loadgen::Clock::time_point deadline) {
  const auto executor = co_await boost::asio::this_coro::executor;
  boost::asio::steady_timer tick(executor);
  while (!done()) {
    if (loadgen::Clock::now() >= deadline) co_return false;
    tick.expires_after(kPollInterval);
    co_await tick.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  }
  co_return true;
}

}  // namespace chatd::chat_bench
