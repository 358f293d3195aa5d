// The receiving side of every member; see receive.hpp.
#include "chat_bench/receive.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <string_view>

#include "chat_bench/stamp.hpp"
#include "loadgen/line_buffer.hpp"
#include "loadgen/line_protocol.hpp"
#include "loadgen/timestamped_read.hpp"

namespace chatd::chat_bench {

namespace asio = boost::asio;

namespace {

// When the lines of one read arrived: every line of a read shares its times.
struct Arrival {
  std::uint64_t read_ns = 0;               // when the read completed
  std::optional<std::uint64_t> kernel_ns;  // when the kernel queued it (idle runs only)
};

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

void record_stamp(Member& member, Run& run, const Stamp& stamp, const Arrival& arrival) {
  const Workload& workload = run.workload;
  if (stamp.publisher >= workload.publishers || stamp.sequence >= workload.messages) {
    ++member.ignored_lines;
    return;
  }
  ++member.deliveries;
  member.last_latency_us = micros_between(stamp.sent_ns, arrival.read_ns);
  if (arrival.kernel_ns) {
    member.last_kernel_latency_us = micros_between(stamp.sent_ns, *arrival.kernel_ns);
  }
  if (member.latency) member.latency->record(member.last_latency_us);
  track_sequence(member, run, stamp, arrival.read_ns);
  if (member.publisher == stamp.publisher) wake_publisher_waiting_for_window(member);
}

void record_warmup(Member& member, Run& run, std::uint64_t publisher) {
  if (publisher >= run.workload.publishers || member.warmup_seen[publisher]) return;
  member.warmup_seen[publisher] = true;
  if (member.publisher == publisher) member.own_warmup_echoed.store(true);
  if (++member.warmups_seen == run.workload.publishers) run.progress.warmed_up.fetch_add(1);
}

void handle_line(Member& member, Run& run, std::string_view line, const Arrival& arrival) {
  const auto text = loadgen::message_text(line);
  if (!text) {
    ++member.ignored_lines;
  } else if (const auto stamp = parse_stamp(*text)) {
    record_stamp(member, run, *stamp, arrival);
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
    loadgen::TimestampedRead read;
    if (run.workload.idle) {  // idle runs also take the kernel's receive time
      read = co_await loadgen::read_some_timestamped(member.socket, space);
    } else {
      auto [ec, received] =
          co_await member.socket.async_read_some(space, asio::as_tuple(asio::use_awaitable));
      read.ec = ec;
      read.bytes = received;
    }
    if (read.ec) {
      note_connection_lost(member, "read: " + read.ec.message());
      co_return;
    }
    Arrival arrival;
    arrival.read_ns = loadgen::now_ns();
    arrival.kernel_ns = read.arrived_ns;
    run.progress.last_read_ns.store(arrival.read_ns, std::memory_order_relaxed);
    const auto result = lines.take(read.bytes, [&member, &run, &arrival](std::string_view line) {
      handle_line(member, run, line, arrival);
    });
    if (result == loadgen::LinesResult::line_too_long) {
      note_connection_lost(member, "received a line longer than the read buffer");
      co_return;
    }
  }
}

}  // namespace chatd::chat_bench
