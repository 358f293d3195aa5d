// The receiving side of every member; see receive.hpp.
#include "chat_bench/receive.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <string_view>

#include "chat_bench/stamp.hpp"
#include "loadgen/line_buffer.hpp"
#include "loadgen/line_protocol.hpp"

namespace chatd::chat_bench {

namespace asio = boost::asio;

namespace {

std::uint64_t micros_between(std::uint64_t from_ns, std::uint64_t to_ns) {
  return to_ns > from_ns ? (to_ns - from_ns) / 1000 : 0;
}

void note_member_finished(Run& run, std::uint64_t received_ns) {
  if (run.progress.finished.fetch_add(1) + 1 == run.workload.members()) {
    run.progress.finished_ns.store(received_ns);
  }
}

// Advances the member's view of one publisher's stream: a jump forward is a gap (lost lines),
// a step back is a late line that fills a gap (reordered, and so no longer lost).
void track_sequence(Member& member, Run& run, const Stamp& stamp, std::uint64_t received_ns) {
  auto& next = member.next_sequence[stamp.publisher];
  if (stamp.sequence < next) {
    ++member.reordered;
    if (member.lost > 0) --member.lost;
    return;
  }
  member.lost += stamp.sequence - next;
  next = stamp.sequence + 1;
  if (next == run.workload.messages && ++member.publishers_complete == run.workload.publishers) {
    note_member_finished(run, received_ns);
  }
}

void wake_publisher_waiting_for_window(Member& member) {
  if (!member.waiting_for_window) return;
  member.waiting_for_window = false;
  member.wake.cancel();
}

void record_stamp(Member& member, Run& run, const Stamp& stamp, std::uint64_t received_ns) {
  const Workload& workload = run.workload;
  if (stamp.publisher >= workload.publishers || stamp.sequence >= workload.messages) {
    ++member.ignored_lines;
    return;
  }
  ++member.deliveries;
  member.last_latency_us = micros_between(stamp.sent_ns, received_ns);
  if (member.latency) member.latency->record(member.last_latency_us);
  track_sequence(member, run, stamp, received_ns);
  if (member.publisher == stamp.publisher) wake_publisher_waiting_for_window(member);
}

void record_warmup(Member& member, Run& run, std::uint64_t publisher) {
  if (publisher >= run.workload.publishers || member.warmup_seen[publisher]) return;
  member.warmup_seen[publisher] = true;
  if (member.publisher == publisher) member.own_warmup_echoed.store(true);
  if (++member.warmups_seen == run.workload.publishers) run.progress.warmed_up.fetch_add(1);
}

void handle_line(Member& member, Run& run, std::string_view line, std::uint64_t received_ns) {
  const auto text = loadgen::message_text(line);
  if (!text) {
    ++member.ignored_lines;
  } else if (const auto stamp = parse_stamp(*text)) {
    record_stamp(member, run, *stamp, received_ns);
  } else if (const auto publisher = parse_warmup(*text)) {
    record_warmup(member, run, *publisher);
  } else {
    ++member.ignored_lines;  // a notice, an error, or a line of someone else's
  }
}

}  // namespace

void note_connection_lost(Member& member, std::string why) {
  if (member.closed) return;
  member.closed = true;
  member.failure = std::move(why);
  member.wake.cancel();  // a publisher waiting for its own echo would otherwise wait forever
}

asio::awaitable<void> receive_lines(Member& member, Run& run) {
  loadgen::LineBuffer lines(run.workload.read_buffer_bytes);
  while (!member.closed) {
    const auto space = lines.free_space();
    auto [ec, received] =
        co_await member.socket.async_read_some(space, asio::as_tuple(asio::use_awaitable));
    if (ec) {
      note_connection_lost(member, "read: " + ec.message());
      co_return;
    }
    // All lines of one read share a receive time.
    const auto received_ns = loadgen::now_ns();
    run.progress.last_read_ns.store(received_ns, std::memory_order_relaxed);
    const auto result = lines.take(received, [&member, &run, received_ns](std::string_view line) {
      handle_line(member, run, line, received_ns);
    });
    if (result == loadgen::LinesResult::line_too_long) {
      note_connection_lost(member, "received a line longer than the read buffer");
      co_return;
    }
  }
}

}  // namespace chatd::chat_bench
