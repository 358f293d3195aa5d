// Subscription: one participant's feed from one room — a cursor into the room's log for the
// participant's wire format, the replies meant for it alone, and how the feed ends.
//
// Room traffic is not queued per member at all: the cursor reads the room's shared log, so the
// room's cost per delivery is one check of an atomic flag. A reply for this member alone (a /who
// answer, an error its door rendered) carries the log position it follows, and the writer sends
// it only once its cursor has reached that position: cause and effect read in order.
//
// Threading contract: "room" = the room strand, the only producer (log progress, replies,
// farewells); "writer" = the one coroutine that drains the participant's outbox; "any" = any
// thread. Replies cross from the room to the writer through a lock-free single-producer,
// single-consumer queue, allocated on the first reply: most members never get one.
#pragma once

#include <atomic>
#include <boost/asio/buffer.hpp>
#include <boost/lockfree/spsc_queue.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "actors/delivery_probe.hpp"
#include "actors/doorbell.hpp"
#include "actors/room_log.hpp"

namespace chatd::actors {

// Why a feed is ending. `left` and `shutdown` flush what was meant for the member first;
// `too_slow` drops it.
enum class Farewell : std::uint8_t { none, left, too_slow, shutdown };

enum class PushResult : std::uint8_t { accepted, full, closed };

class Subscription {
 public:
  // Bytes for this member alone, to follow log position `after`.
  struct Reply {
    std::uint64_t after;
    std::string bytes;
  };

  // Replies in flight between the room and the writer; the room holds any excess itself.
  static constexpr std::size_t lane_capacity = 16;

  // `after_previous`: the writer starts on this feed only once the participant's earlier feeds
  // are finished (the line door's /join moves); otherwise feeds are drained side by side.
  Subscription(std::shared_ptr<Doorbell> bell, bool after_previous);
  ~Subscription();
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;

  // room: starts delivery at `start`, `greeting` (e.g. the history marker) first. Once; the
  // room notifies the writer after. `probe` is the latency probe of the log `start` reads
  // (shared by its readers; may be null): the writer reports its progress to it.
  void attach(LogCursor start, std::string greeting, std::shared_ptr<DeliveryProbe> probe);
  // room: wakes the writer if it sleeps; true when that took a real wake-up.
  bool notify() { return bell_->ring(); }
  // room: the log position up to which the writer has written everything out.
  std::uint64_t delivered() const noexcept { return delivered_.load(std::memory_order_relaxed); }
  // room: queues `bytes` for this member alone, to follow log position `after`. Takes the
  // bytes only when it returns `accepted`.
  PushResult push_reply(std::uint64_t after, std::string& bytes);
  // room: the writer flushes up to log position `flush_until` (already published) and the
  // replies in `rest` (those the lane had no room for, in order), then this feed is finished.
  void close(Farewell why, std::uint64_t flush_until, std::vector<Reply> rest = {});
  // room: the writer drops this feed's backlog at once, and is interrupted if it is blocked.
  void evict(Farewell why);
  // room: this reader leaves its log (left, evicted, rejoined): its probe no longer waits for it.
  void leave_probe() noexcept {
    if (probe_) probe_->count_off(probe_seen_);
  }

  // writer: something to gather, or a farewell to act on.
  bool has_output() const noexcept;
  // writer: appends buffers for pending output — at most about `max_bytes` of room traffic,
  // whole units only, replies in their place — and returns their total size. The buffers stay
  // valid until commit_gathered(), which must follow a successful write of all of them.
  std::size_t gather(std::vector<boost::asio::const_buffer>& out, std::size_t max_bytes);
  void commit_gathered();
  // writer: why the feed is ending, or Farewell::none.
  Farewell farewell() const noexcept { return farewell_.load(std::memory_order_seq_cst); }
  // writer: nothing more will ever come from this feed.
  bool finished() const noexcept;
  bool after_previous() const noexcept { return after_previous_; }

 private:
  using Lane = boost::lockfree::spsc_queue<Reply*, boost::lockfree::capacity<lane_capacity>>;

  // writer: the next reply to send — from the lane, then, once the feed is closing, from the
  // rest the room handed over with the farewell — or null.
  const Reply* next_reply() const noexcept;
  bool replies_pending() const noexcept { return next_reply() != nullptr; }
  bool reply_ready() const noexcept;

  std::shared_ptr<Doorbell> bell_;
  // Written by the room before attached_ is set; the writer's from then on.
  LogCursor cursor_;
  std::string greeting_;
  std::atomic<bool> attached_{false};
  std::atomic<Farewell> farewell_{Farewell::none};
  std::atomic<std::uint64_t> flush_until_{0};
  std::atomic<std::uint64_t> delivered_{0};
  std::atomic<Lane*> lane_{nullptr};  // set once by the room, read by the writer
  // Written by the room before attached_ is set, then read-only.
  std::shared_ptr<DeliveryProbe> probe_;
  DeliveryProbe::Seen probe_seen_{0};  // moved on by the writer or, at leave_probe, the room
  std::vector<Reply> rest_;           // written by the room before farewell_, then read-only
  bool after_previous_;

  // writer-only: what the write in flight is made of
  bool greeting_gathered_ = false;
  std::size_t gathered_log_bytes_ = 0;
  std::vector<std::unique_ptr<Reply>> sending_;
  std::size_t rest_sent_ = 0;
  std::size_t rest_gathered_ = 0;
};

}  // namespace chatd::actors
