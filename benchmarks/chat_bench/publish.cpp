// The sending side of a publisher; see publish.hpp.
#include "chat_bench/publish.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <string>

#include "chat_bench/receive.hpp"
#include "chat_bench/stamp.hpp"

namespace chatd::chat_bench {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using loadgen::sleep_until;

namespace {

constexpr auto kWarmupInterval = 250ms;  // how often a publisher repeats its warm-up line

// Sleeps until the reader sees one of this publisher's own lines come back (or until stop).
asio::awaitable<void> wait_for_window(Member& member) {
  member.waiting_for_window = true;
  co_await sleep_until(member.wake, Clock::time_point::max());
  member.waiting_for_window = false;
}

std::uint64_t in_flight(const Member& member) {
  const auto echoed = member.next_sequence[*member.publisher];
  return member.sent > echoed ? member.sent - echoed : 0;
}

// Paced publishers are offset from each other so that together they send at an even rate.
Clock::time_point scheduled_send_time(const Member& member, const Workload& workload) {
  const double slot =
      static_cast<double>(*member.publisher) / static_cast<double>(workload.publishers);
  const double seconds = (static_cast<double>(member.sent) + slot) / workload.rate;
  return member.start_time + loadgen::to_duration(seconds);
}

// Paced publishers send one line per write; unpaced ones fill the open window in one write.
std::uint64_t lines_to_send_now(const Member& member, const Workload& workload) {
  if (workload.rate > 0) return 1;
  return std::min(workload.window - in_flight(member), workload.messages - member.sent);
}

// Writes `lines` in the member's door's framing, in one write, then any pong the reader owes.
asio::awaitable<boost::system::error_code> write_lines(Member& member, const std::string& lines,
                                                       std::string& framed) {
  const std::string& wire = member.connection.wire_bytes(lines, framed);
  member.writing = true;
  auto [ec, written] = co_await asio::async_write(member.connection, asio::buffer(wire),
                                                  asio::as_tuple(asio::use_awaitable));
  member.writing = false;
  if (!ec) send_owed_pongs(member);
  co_return ec;
}

bool warming_up(const Member& member) {
  return !member.warmup_over && !member.start_requested && !member.closed;
}

// Repeats `w<publisher>` until the conductor says the warm-up is over or start, then waits for
// the start; false if the member closed first.
asio::awaitable<bool> repeat_warmup_until_started(Member& member, Run& run) {
  std::string line;
  append_warmup_line(line, *member.publisher);
  std::string framed;
  const auto attempts =
      static_cast<std::uint64_t>(run.options.duration_limit_s /
                                 std::chrono::duration<double>(kWarmupInterval).count()) +
      2;
  for (std::uint64_t attempt = 0; attempt < attempts && warming_up(member); ++attempt) {
    const auto ec = co_await write_lines(member, line, framed);
    if (ec) {
      note_connection_lost(member, "write: " + ec.message());
      co_return false;
    }
    if (!warming_up(member)) break;  // a start during the write must not wait
    co_await sleep_until(member.wake, Clock::now() + kWarmupInterval);
  }
  // The conductor's start (or stop) cancels the timer; the deadline bounds the wait regardless.
  while (!member.start_requested && !member.closed && Clock::now() < run.deadline) {
    co_await sleep_until(member.wake, run.deadline);
  }
  co_return member.start_requested && !member.closed;
}

// Sends the measured lines. Each pass either writes at least one line or sleeps until a wake-up
// (an echo, the pacing clock, or stop), so the loop is bounded by messages and by the deadline.
asio::awaitable<void> send_stamped_lines(Member& member, Run& run) {
  const Workload& workload = run.workload;
  std::string batch;
  batch.reserve((workload.rate > 0 ? 1 : workload.window) * (workload.bytes + 1));
  std::string framed;  // the web door's frames of the batch
  framed.reserve(batch.capacity() * 2);
  while (member.sent < workload.messages && !member.closed) {
    if (in_flight(member) >= workload.window) {
      co_await wait_for_window(member);
      continue;
    }
    if (workload.rate > 0) {
      const auto due = scheduled_send_time(member, workload);
      if (Clock::now() < due) {
        co_await sleep_until(member.wake, due);
        continue;
      }
    }
    const auto count = lines_to_send_now(member, workload);
    const auto sent_ns = loadgen::now_ns();
    batch.clear();
    for (std::uint64_t line = 0; line < count; ++line) {
      const Stamp stamp{*member.publisher, member.sent + line, sent_ns};
      append_stamp_line(batch, stamp, workload.bytes);
    }
    member.sent += count;  // before the write: echoes may arrive while it is in progress
    const auto ec = co_await write_lines(member, batch, framed);
    if (ec) {
      note_connection_lost(member, "write: " + ec.message());
      co_return;
    }
  }
  if (member.sent == workload.messages) run.progress.publishers_done.fetch_add(1);
}

}  // namespace

asio::awaitable<void> publish(Member& member, Run& run) {
  const bool started = co_await repeat_warmup_until_started(member, run);
  if (started) co_await send_stamped_lines(member, run);
}

}  // namespace chatd::chat_bench
