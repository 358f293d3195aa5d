// The soak's background work; see background.hpp.
#include "soak/background.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <iostream>

#include "loadgen/number_format.hpp"
#include "soak/stay_check.hpp"

namespace chatd::soak {

namespace asio = boost::asio;
using loadgen::optional_text;
using loadgen::to_duration;
using namespace std::chrono_literals;

namespace {

constexpr auto kSweepInterval = 200ms;

void sample_server(Soak& soak) {
  if (!soak.options.server.pid()) return;
  const auto sample = sample_process(*soak.options.server.pid());
  ++soak.watch.samples;
  if (!sample.alive) {
    if (!soak.watch.died) note_error(soak, "the server process is gone");
    soak.watch.died = true;
    return;
  }
  keep_max(soak.watch.rss_max_kb, sample.rss_kb);
  keep_max(soak.watch.hwm_kb, sample.hwm_kb);
  keep_max(soak.watch.fds_max, sample.fds);
  const auto quarter = soak.talk_began + to_duration(soak.options.duration_s / 4);
  if (soak.talking && !soak.watch.rss_quarter_kb && Clock::now() >= quarter) {
    soak.watch.rss_quarter_kb = sample.rss_kb;
  }
}

std::uint64_t live_clients(const Soak& soak) {
  return static_cast<std::uint64_t>(std::count_if(
      soak.everyone.begin(), soak.everyone.end(),
      [](const std::shared_ptr<Client>& client) { return client->connected && !client->ended; }));
}

void print_progress(Soak& soak) {
  const auto& t = soak.totals;
  std::cerr << "chat-soak: t="
            << static_cast<long long>(
                   std::chrono::duration<double>(Clock::now() - soak.began).count())
            << "s live " << live_clients(soak) << " opened " << t.connections_opened << " sent "
            << t.messages_sent << " delivered " << t.deliveries_received << " lost "
            << t.lost_in_stays << " reordered " << t.reordered << " dup " << t.duplicated
            << " evictions " << t.evictions << " errors " << t.errors;
  if (soak.options.server.pid()) {
    std::cerr << " | server RSS max " << optional_text(soak.watch.rss_max_kb) << " kB, fds max "
              << optional_text(soak.watch.fds_max);
  }
  std::cerr << std::endl;
}

}  // namespace

asio::awaitable<void> sample_every_second(Soak& soak) {
  auto next_progress = Clock::now() + to_duration(soak.options.progress_s);
  auto next = Clock::now();
  while (!soak.background_done) {
    sample_server(soak);
    if (soak.options.progress_s > 0 && Clock::now() >= next_progress) {
      print_progress(soak);
      next_progress += to_duration(soak.options.progress_s);
    }
    next += 1s;
    soak.sampler_timer.expires_at(next);
    co_await soak.sampler_timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

asio::awaitable<void> sweep_periodically(Soak& soak) {
  while (!soak.background_done) {
    sweep_stays(soak, false);
    soak.sweeper_timer.expires_after(kSweepInterval);
    co_await soak.sweeper_timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

}  // namespace chatd::soak
