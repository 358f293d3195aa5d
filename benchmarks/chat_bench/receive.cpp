// The receiving side of every member; see receive.hpp.
#include "chat_bench/receive.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <string_view>

#include "chat_bench/irc_record.hpp"
#include "chat_bench/stamp.hpp"
#include "chat_bench/web_record.hpp"
#include "loadgen/frame_buffer.hpp"
#include "loadgen/line_buffer.hpp"
#include "loadgen/line_protocol.hpp"
#include "loadgen/timestamped_read.hpp"

namespace chatd::chat_bench {

namespace asio = boost::asio;
using asio::ip::tcp;

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

void record_stamp(Member& member, Run& run, std::string_view from, std::string_view text,
                  const Stamp& stamp, const Arrival& arrival) {
  const Workload& workload = run.workload;
  if (stamp.publisher >= workload.publishers || stamp.sequence >= workload.messages) {
    ++member.ignored_lines;
    return;
  }
  ++member.deliveries;
  ++member.deliveries_from[stamp.publisher];
  member.last_latency_us = micros_between(stamp.sent_ns, arrival.read_ns);
  if (arrival.kernel_ns) {
    member.last_kernel_latency_us = micros_between(stamp.sent_ns, *arrival.kernel_ns);
  }
  if (member.latency) member.latency->record(member.last_latency_us);
  if (member.order) member.order->add(from, stamp, text.size());
  track_sequence(member, run, stamp, arrival.read_ns);
  if (member.publisher == stamp.publisher) wake_publisher_waiting_for_window(member);
}

void record_warmup(Member& member, Run& run, std::uint64_t publisher) {
  if (publisher >= run.workload.publishers || member.warmup_seen[publisher]) return;
  member.warmup_seen[publisher] = true;
  if (member.publisher == publisher) member.own_warmup_echoed.store(true);
  if (++member.warmups_seen == run.workload.publishers) run.progress.warmed_up.fetch_add(1);
}

// A relayed message, from either door.
void handle_message(Member& member, Run& run, std::string_view from, std::string_view text,
                    const Arrival& arrival) {
  if (const auto stamp = parse_stamp(text)) {
    record_stamp(member, run, from, text, *stamp, arrival);
  } else if (const auto publisher = parse_warmup(text)) {
    record_warmup(member, run, *publisher);
  } else {
    ++member.ignored_lines;  // a line of someone else's
  }
}

void handle_line(Member& member, Run& run, std::string_view line, const Arrival& arrival) {
  const auto text = loadgen::message_text(line);
  if (!text) {
    ++member.ignored_lines;  // a notice or an error
    return;
  }
  const auto from = line.substr(0, static_cast<std::size_t>(text->data() - line.data()) - 1);
  handle_message(member, run, from, *text, arrival);
}

// The line door's records: `NAME:TEXT` lines.
class LineSplitter {
 public:
  LineSplitter(Member& member, Run& run)
      : member_(member), run_(run), lines_(run.workload.read_buffer_bytes) {}

  boost::asio::mutable_buffer free_space() noexcept { return lines_.free_space(); }

  // Handles every whole line of what was read; why the connection must end, if it must.
  std::optional<std::string> take(std::size_t received, const Arrival& arrival) {
    const auto result = lines_.take(received, [this, &arrival](std::string_view line) {
      handle_line(member_, run_, line, arrival);
    });
    if (result == loadgen::LinesResult::line_too_long)
      return "received a line longer than the read buffer";
    return std::nullopt;
  }

 private:
  Member& member_;
  Run& run_;
  loadgen::LineBuffer lines_;
};

// The IRC door's records: `:nick!nick@chatd PRIVMSG #lobby :TEXT` lines; a PING is answered
// (the door's keepalive pings a member quiet for 90 s), everything else ignored.
class IrcSplitter {
 public:
  IrcSplitter(Member& member, Run& run)
      : member_(member), run_(run), lines_(run.workload.read_buffer_bytes) {}

  boost::asio::mutable_buffer free_space() noexcept { return lines_.free_space(); }

  std::optional<std::string> take(std::size_t received, const Arrival& arrival) {
    const auto result = lines_.take(received, [this, &arrival](std::string_view line) {
      on_line(line, arrival);
    });
    if (result == loadgen::LinesResult::line_too_long)
      return "received a line longer than the read buffer";
    return std::nullopt;
  }

 private:
  void on_line(std::string_view line, const Arrival& arrival) {
    if (const auto message = parse_irc_privmsg(line)) {
      handle_message(member_, run_, message->from, message->text, arrival);
    } else if (const auto ping = parse_irc_ping(line)) {
      member_.owed_pongs.append("PONG :").append(*ping).append("\r\n");
      send_owed_pongs(member_);
    } else {
      ++member_.ignored_lines;  // numerics, JOIN, NAMES, ...
    }
  }

  Member& member_;
  Run& run_;
  loadgen::LineBuffer lines_;
};

// The web door's records: a JSON object per text frame. Pings are answered, a close ends the
// member like a dropped connection.
class FrameSplitter {
 public:
  FrameSplitter(Member& member, Run& run)
      : member_(member), run_(run), frames_(run.workload.read_buffer_bytes) {}

  boost::asio::mutable_buffer free_space() noexcept { return frames_.free_space(); }

  std::optional<std::string> take(std::size_t received, const Arrival& arrival) {
    std::optional<std::string> failure;
    const auto result = frames_.take(
        received, [this, &arrival, &failure](loadgen::Opcode opcode, std::string_view payload) {
          on_frame(opcode, payload, arrival, failure);
        });
    if (failure) return failure;
    switch (result) {
      case loadgen::FramesResult::ok:
        return std::nullopt;
      case loadgen::FramesResult::frame_too_long:
        return "received a frame longer than the read buffer";
      case loadgen::FramesResult::masked:
        return "received a masked frame (RFC 6455: a server never masks)";
      case loadgen::FramesResult::fragmented:
        return "received a fragmented message";
    }
    return std::nullopt;
  }

 private:
  void on_frame(loadgen::Opcode opcode, std::string_view payload, const Arrival& arrival,
                std::optional<std::string>& failure) {
    switch (opcode) {
      case loadgen::Opcode::text: {
        const auto message = parse_web_message(payload, scratch_);
        if (message)
          handle_message(member_, run_, message->from, message->text, arrival);
        else
          ++member_.ignored_lines;  // joined, left, notices, ...
        return;
      }
      case loadgen::Opcode::ping:
        member_.connection.append_pong(member_.owed_pongs, payload);
        send_owed_pongs(member_);
        return;
      case loadgen::Opcode::close:
        if (!failure) failure = "the server closed the WebSocket: " + close_reason(payload);
        return;
      default:
        ++member_.ignored_lines;
        return;
    }
  }

  static std::string close_reason(std::string_view payload) {
    if (payload.size() < 2) return "no code";
    const auto code = static_cast<unsigned>((static_cast<unsigned char>(payload[0]) << 8) |
                                            static_cast<unsigned char>(payload[1]));
    return std::to_string(code) + " '" + std::string(payload.substr(2)) + "'";
  }

  Member& member_;
  Run& run_;
  loadgen::FrameBuffer frames_;
  std::string scratch_;  // parse_web_message's, for records it had to decode
};

// Reads the member's socket until the connection ends: a read takes whatever has arrived, often
// hundreds of records, and `splitter` handles them. Idle runs also take the kernel's receive
// time (not through TLS: the kernel's are the ciphertext's).
template <class Splitter>
asio::awaitable<void> read_socket(Member& member, Run& run, Splitter& splitter) {
  Connection& connection = member.connection;
  const bool timestamps = run.workload.idle && !connection.tls();
  while (!member.closed) {
    const auto space = splitter.free_space();
    loadgen::TimestampedRead read;
    if (timestamps) {
      read = co_await loadgen::read_some_timestamped(connection.socket(), space);
    } else {
      auto [ec, received] =
          co_await connection.async_read_some(space, asio::as_tuple(asio::use_awaitable));
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
    auto failure = splitter.take(read.bytes, arrival);
    if (failure) {
      note_connection_lost(member, std::move(*failure));
      co_return;
    }
  }
}

// The web door through Beast: one frame (one record) per read completion; Beast answers pings.
asio::awaitable<void> read_with_beast(Member& member, Run& run) {
  WebStream& stream = member.connection.web();
  boost::beast::flat_buffer frame;
  std::string scratch;  // parse_web_message's, for records it had to decode
  while (!member.closed) {
    auto [ec, size] = co_await stream.async_read(frame, asio::as_tuple(asio::use_awaitable));
    if (ec) {
      note_connection_lost(member, "read: " + ec.message());
      co_return;
    }
    Arrival arrival;
    arrival.read_ns = loadgen::now_ns();
    run.progress.last_read_ns.store(arrival.read_ns, std::memory_order_relaxed);
    const std::string_view payload(static_cast<const char*>(frame.cdata().data()), size);
    const auto message = parse_web_message(payload, scratch);
    if (message)
      handle_message(member, run, message->from, message->text, arrival);
    else
      ++member.ignored_lines;  // joined, left, notices, ...
    frame.consume(size);
  }
}

}  // namespace

void note_connection_lost(Member& member, std::string why) {
  if (member.closed) return;
  member.closed = true;
  member.failure = std::move(why);
  member.wake.cancel();  // a publisher waiting for its own echo would otherwise wait forever
}

void send_owed_pongs(Member& member) {
  if (member.writing || member.owed_pongs.empty()) return;
  boost::system::error_code ignored;  // a lost pong shows as the server dropping the member
  asio::write(member.connection, asio::buffer(member.owed_pongs), ignored);
  member.owed_pongs.clear();
}

asio::awaitable<void> receive(Member& member, Run& run) {
  if (member.connection.door() == Door::line) {
    LineSplitter lines(member, run);
    co_await read_socket(member, run, lines);
  } else if (member.connection.door() == Door::irc) {
    IrcSplitter lines(member, run);
    co_await read_socket(member, run, lines);
  } else if (run.workload.web_reader == WebReader::frames) {
    FrameSplitter frames(member, run);
    co_await read_socket(member, run, frames);
  } else {
    co_await read_with_beast(member, run);
  }
}

}  // namespace chatd::chat_bench
