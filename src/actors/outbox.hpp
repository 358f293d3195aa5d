// Outbox: what one room member has yet to receive, and the doorbell that wakes its writer.
//
// A member's room traffic is not queued per member at all: the outbox holds a cursor into the
// room's shared log (room_log.hpp), so the room's cost per delivery is one check of an atomic
// flag. Lines meant for this member alone (errors, replies) go through a small bounded list.
// The bound on room traffic is a byte lag the room enforces by evicting (see Room).
//
// Threading contract, per method below: "room" = the room strand (single producer of log
// progress and farewells); "consumer" = the one coroutine that writes this member's output;
// "any" = any thread.
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "actors/room_log.hpp"

namespace chatd::actors {

// Why a member's output is ending. `left` and `shutdown` flush what was meant for the member
// first; `too_slow` drops it.
enum class Farewell : std::uint8_t { none, left, too_slow, shutdown };

enum class PushResult { accepted, full, closed };

class Outbox {
 public:
  // Direct lines are rare (errors, replies); a client that provokes more than this many without
  // reading them loses the excess rather than growing the server.
  static constexpr std::size_t max_direct_lines = 64;

  explicit Outbox(boost::asio::any_io_executor consumer_executor);

  // room: starts delivery at `start`. Called once, when the member joins.
  void attach(LogCursor start);
  // room: wakes the consumer if it is asleep waiting for output; a flag check otherwise.
  void notify() noexcept;
  // room: the log position up to which the consumer has written everything out.
  std::uint64_t delivered() const noexcept { return delivered_.load(std::memory_order_relaxed); }
  // room: the consumer writes what it has up to log position `flush_until`, then finishes.
  // Everything up to `flush_until` must already be published.
  void close(Farewell why, std::uint64_t flush_until);
  // room: the consumer stops at once, dropping its backlog, and the eviction handler runs.
  void evict(Farewell why);

  // any: queues one complete line (ending in '\n') for this member only.
  PushResult push_direct(std::string line);

  // consumer: completes when gather() has something, or farewell() is set.
  boost::asio::awaitable<void> wait_for_output();
  // consumer: appends buffers for pending output (at most about `max_bytes` of room traffic,
  // whole lines only) and returns their total size. The buffers stay valid until
  // commit_gathered(), which must follow a successful write of all of them.
  std::size_t gather(std::vector<boost::asio::const_buffer>& out, std::size_t max_bytes);
  void commit_gathered();
  // consumer: why output is ending, or Farewell::none.
  Farewell farewell() const noexcept { return farewell_.load(std::memory_order_seq_cst); }
  // consumer, before the outbox is handed to a room: called on the room's strand when the room
  // evicts this member, so that a writer blocked on a full socket can be cancelled. It must
  // only hand the news over (post to the consumer's strand), never touch consumer state.
  void set_eviction_handler(std::function<void()> handler) { on_evicted_ = std::move(handler); }

 private:
  using Signal = boost::asio::experimental::concurrent_channel<void(boost::system::error_code)>;

  bool has_output() const noexcept;
  void ring();

  // Written by the room before attached_ is set; the consumer's from then on.
  LogCursor cursor_;
  std::atomic<bool> attached_{false};
  std::atomic<bool> sleeping_{false};
  std::atomic<Farewell> farewell_{Farewell::none};
  std::atomic<std::uint64_t> flush_until_{0};
  std::atomic<std::uint64_t> delivered_{0};
  Signal bell_;  // capacity 1: a pending token means "look again"
  std::function<void()> on_evicted_;

  std::mutex direct_mutex_;
  std::vector<std::string> direct_;  // guarded by direct_mutex_
  std::atomic<std::size_t> direct_count_{0};

  // consumer-only: what the write in flight is made of
  std::vector<std::string> sending_;
  std::size_t gathered_log_bytes_ = 0;
};

}  // namespace chatd::actors
