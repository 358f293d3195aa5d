// The clock the load generators measure with, and the one way they sleep.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstdint>

namespace chatd::loadgen {

using Clock = std::chrono::steady_clock;

inline Clock::duration to_duration(double seconds) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

// Clock::now() as nanoseconds, for atomics and stamps.
inline std::uint64_t now_ns() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
          .count());
}

// Sleeps on `timer` until `when`, or until someone cancels the timer to wake the sleeper. The
// timer belongs to the caller's connection and outlives the wait.
inline boost::asio::awaitable<void> sleep_until(boost::asio::steady_timer& timer,
                                                Clock::time_point when) {
  timer.expires_at(when);
  co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
}

}  // namespace chatd::loadgen
