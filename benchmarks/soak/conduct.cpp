// The soak's conductor; see conduct.hpp.
#include "soak/conduct.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "soak/background.hpp"
#include "soak/connection.hpp"
#include "soak/stay_check.hpp"

namespace chatd::soak {

namespace asio = boost::asio;
using loadgen::to_duration;
using namespace std::chrono_literals;

namespace {

constexpr auto kObserverSetupTimeout = 10s;
constexpr auto kFinalCloseTimeout = 10s;
constexpr auto kDescriptorSettle = 2s;  // after the last client closed, before the final sample

asio::awaitable<void> pause_conductor(Soak& soak, Clock::duration length) {
  soak.conductor_timer.expires_after(length);
  co_await soak.conductor_timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

// Polls every 50 ms until done() or the deadline; true when done() held.
template <class Predicate>
asio::awaitable<bool> wait_until(Soak& soak, Predicate done, Clock::time_point deadline) {
  while (!done()) {
    if (Clock::now() >= deadline) co_return false;
    co_await pause_conductor(soak, 50ms);
  }
  co_return true;
}

bool churnable(const Client& client) {
  return (client.kind == Kind::talker || client.kind == Kind::commander) && client.connected &&
         !client.ended && client.ending == Ending::none;
}

void churn_one(Soak& soak) {
  std::uniform_int_distribution<std::size_t> pick(kRooms, soak.slots.size() - 1);
  for (int attempt = 0; attempt < 20; ++attempt) {
    const auto slot = pick(soak.random);
    Client& client = *soak.slots[slot];
    if (!churnable(client)) continue;
    std::uniform_int_distribution<int> how(0, 2);
    const int way = how(soak.random);
    const Ending ending = way == 0 ? Ending::polite : way == 1 ? Ending::reset : Ending::half_close;
    request_ending(client, ending);
    ++soak.totals.churned;
    spawn_client(soak, client.kind, slot);
    return;
  }
  ++soak.totals.churn_skipped;
}

// Churns at --churn per second (on an absolute schedule) until the duration is over.
asio::awaitable<void> churn_until(Soak& soak, Clock::time_point end) {
  const bool churning = soak.options.churn > 0;
  const auto start = Clock::now();
  std::uint64_t done = 0;
  while (Clock::now() < end && !soak.watch.died) {
    auto due = churning ? start + to_duration(static_cast<double>(done + 1) / soak.options.churn)
                        : Clock::time_point::max();
    const auto now = Clock::now();
    if (churning && now >= due) {
      churn_one(soak);
      ++done;
      continue;
    }
    const auto wake_at = std::min({due, end, now + 1s});
    const auto length = wake_at - now;
    co_await pause_conductor(soak, length);
  }
}

bool settled_for_drain(const Soak& soak) {
  for (const auto& client : soak.everyone) {
    if (client->ended || !client->connected) continue;
    if (client->ending != Ending::none) return false;  // still leaving
    if (client->outstanding() > 0) return false;
  }
  return true;
}

template <class Select>
asio::awaitable<bool> close_all(Soak& soak, Select selected, Clock::duration limit) {
  for (const auto& client : soak.everyone) {
    if (selected(*client)) request_ending(*client, Ending::final_close);
  }
  auto all_ended = [&soak, &selected] {
    return std::all_of(soak.everyone.begin(), soak.everyone.end(),
                       [&selected](const std::shared_ptr<Client>& client) {
                         return !selected(*client) || client->ended || !client->connected;
                       });
  };
  const auto deadline = Clock::now() + limit;
  co_return co_await wait_until(soak, all_ended, deadline);
}

asio::awaitable<bool> place_observers(Soak& soak) {
  // Rooms other than the lobby first, so that nothing talks in the lobby while they pass through.
  for (std::size_t room = 1; room <= kRooms; ++room) {
    const std::size_t slot = room % kRooms;
    spawn_client(soak, Kind::observer, slot);
    auto placed = [&soak, slot] { return soak.slots[slot]->ready || soak.slots[slot]->ended; };
    const auto deadline = Clock::now() + kObserverSetupTimeout;
    const bool done = co_await wait_until(soak, placed, deadline);
    if (!done || !soak.slots[slot]->ready) {
      note_error(soak, "the " + std::string(kRoomNames[slot]) + " observer did not get in place");
      co_return false;
    }
  }
  co_return true;
}

void populate(Soak& soak) {
  const auto& options = soak.options;
  const bool slow = options.slow_pause_s > 0;
  soak.slots.resize(options.clients);
  std::size_t slot = kRooms;
  if (slow) spawn_client(soak, Kind::slow, slot++);
  for (std::size_t index = 0; index < options.commanders; ++index) {
    spawn_client(soak, Kind::commander, slot++);
  }
  while (slot < options.clients) spawn_client(soak, Kind::talker, slot++);
}

}  // namespace

asio::awaitable<void> conduct(Soak& soak) {
  const auto executor = co_await asio::this_coro::executor;
  if (soak.options.server.pid()) soak.watch.start = sample_process(*soak.options.server.pid());
  soak.slots.resize(soak.options.clients);
  asio::co_spawn(executor, sample_every_second(soak), log_escaped_exception(soak, "sampler"));
  asio::co_spawn(executor, sweep_periodically(soak), log_escaped_exception(soak, "sweeper"));
  soak.talking = true;  // observers' setup lines count as talk
  const bool placed = co_await place_observers(soak);
  soak.talk_began = Clock::now();
  if (placed) {
    populate(soak);
    co_await churn_until(soak, soak.talk_began + to_duration(soak.options.duration_s));
  } else {
    soak.setup_failed = true;
  }
  soak.talking = false;
  soak.talk_ended = Clock::now();
  if (soak.options.server.pid()) {
    soak.watch.rss_talk_end_kb = sample_process(*soak.options.server.pid()).rss_kb;
  }
  for (const auto& client : soak.everyone) client->wake.cancel();  // stop talking, stop pausing

  const auto drain_deadline = Clock::now() + to_duration(soak.options.drain_s);
  auto settled = [&soak] { return settled_for_drain(soak); };
  const bool drained = co_await wait_until(soak, settled, drain_deadline);
  if (!drained) note_error(soak, "the drain did not finish: some echoes never came back");
  co_await pause_conductor(soak, 500ms);  // let observers catch up with the last echoes

  auto members = [](const Client& client) { return client.kind != Kind::observer; };
  const bool members_closed = co_await close_all(soak, members, kFinalCloseTimeout);
  if (!members_closed) note_error(soak, "some members did not close in time");
  co_await pause_conductor(soak, 500ms);
  sweep_stays(soak, false);
  auto observers = [](const Client& client) { return client.kind == Kind::observer; };
  const bool observers_closed = co_await close_all(soak, observers, kFinalCloseTimeout);
  if (!observers_closed) note_error(soak, "some observers did not close in time");
  sweep_stays(soak, true);

  co_await pause_conductor(soak, kDescriptorSettle);
  if (soak.options.server.pid()) {
    soak.watch.end = sample_process(*soak.options.server.pid());
    if (!soak.watch.end->alive) soak.watch.died = true;
  }
  soak.background_done = true;
  soak.sampler_timer.cancel();
  soak.sweeper_timer.cancel();
  soak.conducted = Clock::now();
}

}  // namespace chatd::soak
