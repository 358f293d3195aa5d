// The soak's background work while it runs: sampling the server every second (with progress
// lines on stderr) and sweeping the stays.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "soak/soak.hpp"

namespace chatd::soak {

// Both run until soak.background_done, woken by cancelling their timers.
boost::asio::awaitable<void> sample_every_second(Soak& soak);
boost::asio::awaitable<void> sweep_periodically(Soak& soak);

}  // namespace chatd::soak
