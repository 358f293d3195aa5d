// Room: the actor that owns a chat room's membership, its message order and its history.
//
// One coroutine (run()) handles one event at a time from the inbox, so membership needs no lock
// and every member sees the room's traffic in one total order: the order of the room log.
// Members are anything with an Outbox; the room never touches a socket.
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/unordered/unordered_flat_map.hpp>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>

#include "actors/member_id.hpp"
#include "actors/outbox.hpp"
#include "actors/room_event.hpp"
#include "actors/room_log.hpp"

namespace chatd::actors {

struct RoomLimits {
  // A member further behind the end of the room log than this is a slow consumer and is evicted.
  // Generous by default: a reader that keeps up through a burst of others' traffic never trips it.
  std::size_t outbox_bytes = 8 * 1024 * 1024;
  // Events queued for the room before senders wait (back-pressure on flooding readers).
  std::size_t inbox_capacity = 4096;
  // Messages a newcomer receives on joining (0: none).
  std::size_t history = 100;
  // Above this many members, joins and leaves are not announced: announcing N joins to N
  // members costs N² lines.
  std::size_t notice_limit = 100;
};

// What the room has done, for logs and tests. Readable from any thread.
struct RoomCounters {
  std::atomic<std::size_t> members{0};
  std::atomic<std::uint64_t> messages{0};
  std::atomic<std::uint64_t> evicted_slow{0};
};

class Room {
 public:
  // `executor` should be a strand (or a one-thread io_context): run() is the only code that
  // touches membership, but Asio needs to know where to resume it.
  Room(boost::asio::any_io_executor executor, RoomLimits limits, std::string name = "lobby");

  // any: sends `event`, waiting while the inbox is full. Returns false once the room has stopped.
  boost::asio::awaitable<bool> send(RoomEvent event);
  // any: the raw inbox, for callers that must not wait (try_send) or want to close it.
  RoomInbox& inbox() noexcept { return inbox_; }
  // any
  const std::string& name() const noexcept { return name_; }
  const RoomCounters& counters() const noexcept { return counters_; }
  const RoomLimits& limits() const noexcept { return limits_; }

  // The actor. co_spawn it on the room's executor; it ends after a Stop event or inbox close,
  // having closed every member's outbox.
  boost::asio::awaitable<void> run();

 private:
  struct Member {
    std::string name;
    std::shared_ptr<Outbox> outbox;
  };

  void handle(RoomEvent event);
  void on(Join& join);
  void on(Leave& leave);
  void on(Say& say);
  void on(Rename& rename);
  void on(Who& who);
  void on(Stop& stop);
  // After each batch of events: publish the log, wake sleeping writers, evict laggards.
  void deliver();
  void evict_slow_consumer(MemberId id);
  // Join and leave notices, unless the room is too big for them to be worth N² lines.
  void announce_membership(std::string_view name, std::string_view what);
  void remember_message(std::uint64_t start);
  void forget_unreplayable_history(std::uint64_t end);
  // Where a newcomer starts reading, and how many history messages that replays.
  std::pair<LogCursor, std::size_t> history_for_newcomer() const;

  std::string name_;
  RoomLimits limits_;
  RoomInbox inbox_;
  RoomLog log_;
  boost::unordered_flat_map<MemberId, Member, std::hash<MemberId>> members_;
  // Log positions of the last `history` messages; the cursor keeps their bytes alive.
  std::deque<std::uint64_t> history_;
  LogCursor history_pin_;
  bool stopping_ = false;
  RoomCounters counters_;
};

}  // namespace chatd::actors
