// The conductor; see conduct.hpp.
//
// GCC 12 miscompiles a co_await inside an if condition (the coroutine crashes), so every
// awaited result lands in a named local before it is tested.
#include "chat_bench/conduct.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>

#include "chat_bench/connect_members.hpp"
#include "chat_bench/poll_until.hpp"
#include "chat_bench/publish.hpp"
#include "loadgen/escaped_exception.hpp"

namespace chatd::chat_bench {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using boost::system::error_code;

namespace {

// The server has finished with the connections when its CPU time grows by less than
// kServerBusyNs per kServerSettleStep (a 2 % trickle: the Go runtime never quite stops).
constexpr auto kServerSettleStep = 50ms;
constexpr std::uint64_t kServerBusyNs = 1'000'000;
constexpr auto kServerSettleLimit = 20s;
// Idle: no read for this long after the warm-up lines stopped means the last one has landed.
constexpr auto kIdleQuietPeriod = 200ms;

void spawn_publisher(Member& member, Run& run) {
  asio::co_spawn(member.strand, publish(member, run),
                 loadgen::log_escaped_exception("chat-bench", "publisher"));
}

// The client's connect completes before the server has accepted and set up the session, so
// the server's cost per connection is taken once its CPU time stops growing (several servers':
// their sum).
asio::awaitable<void> wait_for_server_to_settle(Run& run) {
  const auto& pids = run.options.server.pids;
  if (pids.empty()) co_return;
  const auto executor = co_await asio::this_coro::executor;
  asio::steady_timer step(executor);
  const auto limit = std::min(run.deadline, Clock::now() + kServerSettleLimit);
  auto before = servers_thread_cpu_ns(pids);
  while (before && Clock::now() < limit) {
    step.expires_after(kServerSettleStep);
    co_await step.async_wait(asio::as_tuple(asio::use_awaitable));
    const auto after = servers_thread_cpu_ns(pids);
    if (!after || *after < *before + kServerBusyNs) break;
    before = after;
  }
}

// The last publisher connected last, so once its own warm-up line comes back, a server that
// registers members in accept order (the Go tutorial) has registered everyone, and the other
// publishers can broadcast without racing its accept loop (its member map has no lock). Then
// all publishers repeat their warm-up line until every member has seen every publisher's.
asio::awaitable<bool> warm_up(Run& run) {
  Member& last_publisher = run.publisher(run.workload.publishers - 1);
  spawn_publisher(last_publisher, run);
  auto last_publisher_echoed = [&last_publisher] {
    return last_publisher.own_warmup_echoed.load();
  };
  const bool registered = co_await poll_until(last_publisher_echoed, run.deadline);
  if (!registered) co_return false;
  for (std::size_t index = 0; index + 1 < run.workload.publishers; ++index) {
    spawn_publisher(run.publisher(index), run);
  }
  auto everyone_warm = [&run] { return run.progress.warmed_up.load() == run.workload.members(); };
  co_return co_await poll_until(everyone_warm, run.deadline);
}

// Idle: a warm-up line repeated while the measured one goes out would be measured with it, so
// the publishers stop repeating and the conductor waits until nothing arrives any more.
asio::awaitable<void> end_warm_up_quietly(Run& run) {
  for (std::size_t index = 0; index < run.workload.publishers; ++index) {
    Member& member = run.publisher(index);
    asio::post(member.strand, [&member] { member.warmup_over = true; });
  }
  const auto quiet_ns = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(kIdleQuietPeriod).count());
  auto quiet = [&run, quiet_ns] {
    // Load before reading the clock: a reader on another thread may store a later time.
    const auto last_read_ns = run.progress.last_read_ns.load();
    const auto now = loadgen::now_ns();
    return now > last_read_ns && now - last_read_ns > quiet_ns;
  };
  co_await poll_until(quiet, run.deadline);
}

void start_publishers(Run& run, Clock::time_point start) {
  for (std::size_t index = 0; index < run.workload.publishers; ++index) {
    Member& member = run.publisher(index);
    asio::post(member.strand, [&member, start] {
      member.start_time = start;
      member.start_requested = true;
      member.wake.cancel();
    });
  }
}

asio::awaitable<RunEnd> wait_for_deliveries(Run& run) {
  const auto executor = co_await asio::this_coro::executor;
  asio::steady_timer tick(executor);
  const auto quiet_ns = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(quiet_period(run.workload)).count());
  while (Clock::now() < run.deadline) {
    if (run.progress.finished.load() == run.workload.members()) co_return RunEnd::finished;
    // Load before reading the clock: a reader on another thread may store a later time.
    const auto last_read_ns = run.progress.last_read_ns.load();
    const auto now = loadgen::now_ns();
    if (now > last_read_ns && now - last_read_ns > quiet_ns) co_return RunEnd::quiet;
    tick.expires_after(kPollInterval);
    co_await tick.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  co_return RunEnd::deadline;
}

// Closes every member on its own strand; once all coroutines have unwound the io_contexts run
// out of work and run() returns.
void stop_members(Run& run) {
  for (auto& member_pointer : run.members) {
    Member& member = *member_pointer;
    asio::post(member.strand, [&member] {
      member.closed = true;
      error_code ignored;
      member.connection.socket().close(ignored);
      member.wake.cancel();
    });
  }
}

asio::awaitable<void> measure(Run& run) {
  Timeline& timeline = run.timeline;
  timeline.after_warmup = sample_servers(run.options);
  const auto start = Clock::now();
  timeline.start_ns = loadgen::now_ns();
  run.progress.last_read_ns.store(timeline.start_ns);
  start_publishers(run, start);
  timeline.end = co_await wait_for_deliveries(run);
  timeline.end_ns =
      timeline.end == RunEnd::finished ? run.progress.finished_ns.load() : loadgen::now_ns();
  timeline.after_run = sample_servers(run.options);
}

// Connects subscribers, then publishers, then warms up; records why it failed, if it did.
asio::awaitable<bool> set_up(Run& run, loadgen::IoPool& pool) {
  Timeline& timeline = run.timeline;
  const auto subscribers = run.workload.subscribers;
  timeline.connect_began_ns = loadgen::now_ns();
  auto failure = co_await connect_members(run, pool, 0, subscribers);
  if (!failure) failure = co_await connect_members(run, pool, subscribers, run.workload.members());
  if (failure) {
    timeline.connect_ended_ns = 0;  // no connect figures for a run that could not connect
    timeline.setup_status = "connect_failed";
    timeline.setup_detail = *failure;
    co_return false;
  }
  co_await wait_for_server_to_settle(run);
  timeline.server_settled_ns = loadgen::now_ns();
  timeline.after_connect = sample_servers(run.options);
  const bool warm = co_await warm_up(run);
  if (!warm) {
    timeline.setup_status = "timeout";
    timeline.setup_detail =
        "warm-up: not every member saw every publisher's warm-up line within the duration limit";
    co_return false;
  }
  if (run.workload.idle) co_await end_warm_up_quietly(run);
  co_return true;
}

}  // namespace

asio::awaitable<void> conduct(Run& run, loadgen::IoPool& pool) {
  run.timeline.before_connect = sample_servers(run.options);
  const bool ready = co_await set_up(run, pool);
  if (ready) co_await measure(run);
  stop_members(run);
}

}  // namespace chatd::chat_bench
