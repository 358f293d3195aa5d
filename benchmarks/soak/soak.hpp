// Soak: everything a run shares. It lives in run_soak's frame, which outlives every coroutine,
// and everything runs on the single io_context thread, so nothing here is locked.
#pragma once

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "soak/client.hpp"
#include "soak/options.hpp"
#include "soak/server_watch.hpp"
#include "soak/stay.hpp"
#include "soak/totals.hpp"

namespace chatd::soak {

constexpr std::size_t kRooms = 4;  // lobby and three more; one observer each
constexpr std::array<std::string_view, kRooms> kRoomNames{"lobby", "soak1", "soak2", "soak3"};

struct Soak {
  Soak(const Options& opts, boost::asio::io_context& io_context)
      : options(opts),
        io(io_context),
        server(opts.server.endpoint()),
        random(opts.seed),
        run_id(random() % 1000000000u),
        began(Clock::now()),
        conductor_timer(io_context),
        sampler_timer(io_context),
        sweeper_timer(io_context) {}

  Options options;
  boost::asio::io_context& io;
  tcp::endpoint server;
  std::mt19937_64 random;
  std::uint64_t run_id;
  Clock::time_point began;
  Clock::time_point talk_began;
  Clock::time_point talk_ended;
  boost::asio::steady_timer conductor_timer;
  boost::asio::steady_timer sampler_timer;
  boost::asio::steady_timer sweeper_timer;
  std::array<RoomLog, kRooms> logs;
  std::vector<std::shared_ptr<Client>> slots;        // slot -> its current client
  std::vector<std::shared_ptr<Client>> everyone;     // every client ever, for the final reckoning
  std::vector<std::shared_ptr<Stay>> waiting_stays;  // with pending stamps, or closed and unsettled
  std::uint64_t next_id = 1;
  bool talking = false;
  bool background_done = false;  // stops the sampler and the sweeper
  bool setup_failed = false;
  std::optional<Clock::time_point> conducted;  // when the conductor finished
  Totals totals;
  ServerWatch watch;
};

// Counts an error and keeps the first few, stamped with the time since the start.
void note_error(Soak& soak, std::string what);

std::string client_name(const Client& client);

// Microseconds since the soak began: the clock of the stamps.
std::uint64_t micros_since(const Soak& soak, Clock::time_point when);

// The completion handler for the soak's coroutines: an escaped exception is a bug, and an
// error of the run.
std::function<void(std::exception_ptr)> log_escaped_exception(Soak& soak, std::string what);

}  // namespace chatd::soak
