// Room: the actor that owns a chat room's membership and its message order.
//
// One coroutine (run()) handles one event at a time from the inbox, so membership needs no lock
// and every member sees the room's messages in one total order: the order of the room log.
// Members are anything with an Outbox; the room never touches a socket.
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/unordered/unordered_flat_map.hpp>
#include <cstddef>
#include <cstdint>
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
  Room(boost::asio::any_io_executor executor, RoomLimits limits);

  // any: sends `event`, waiting while the inbox is full. Returns false once the room has stopped.
  boost::asio::awaitable<bool> send(RoomEvent event);
  // any: the raw inbox, for callers that must not wait (try_send) or want to close it.
  RoomInbox& inbox() noexcept { return inbox_; }
  // any
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
  void on(Stop& stop);
  // After each batch of events: publish the log, wake sleeping writers, evict laggards.
  void deliver();
  void evict_slow_consumer(MemberId id);

  RoomLimits limits_;
  RoomInbox inbox_;
  RoomLog log_;
  boost::unordered_flat_map<MemberId, Member, std::hash<MemberId>> members_;
  bool stopping_ = false;
  RoomCounters counters_;
};

}  // namespace chatd::actors
