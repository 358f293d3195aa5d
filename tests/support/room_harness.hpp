// Embeds a Room in a test without sockets: a one-thread io_context the test drives by hand, and
// fake members that are nothing but outboxes the test reads.
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>

#include "actors/outbox.hpp"
#include "actors/room.hpp"

namespace chatd::test {

// Everything pending in `outbox`, taken through the same gather/commit calls a writer uses.
inline std::string take_output(actors::Outbox& outbox) {
  std::string text;
  std::vector<boost::asio::const_buffer> buffers;
  while (outbox.gather(buffers, 1 << 20) > 0) {
    for (const auto& buffer : buffers) text.append(static_cast<const char*>(buffer.data()), buffer.size());
    outbox.commit_gathered();
    buffers.clear();
  }
  return text;
}

class RoomHarness {
 public:
  // Plain limits for tests about relaying: no history replay and no join/leave notices.
  static actors::RoomLimits quiet() {
    actors::RoomLimits limits;
    limits.history = 0;
    limits.notice_limit = 0;
    return limits;
  }

  explicit RoomHarness(actors::RoomLimits limits = quiet())
      : room(std::make_shared<actors::Room>(io.get_executor(), limits)) {
    boost::asio::co_spawn(io, room->run(), boost::asio::detached);
    settle();
  }

  // Queues `event` for the room and lets the room handle everything queued.
  void send(actors::RoomEvent event) {
    const bool queued = room->inbox().try_send(boost::system::error_code{}, std::move(event));
    if (!queued) throw std::runtime_error("room inbox full or closed");
    settle();
  }
  // Queues without letting the room run: several events then form one batch.
  void queue(actors::RoomEvent event) {
    room->inbox().try_send(boost::system::error_code{}, std::move(event));
  }
  void settle() {
    while (io.poll() > 0) {
    }
  }

  std::shared_ptr<actors::Outbox> join(std::uint64_t id, std::string name) {
    auto outbox = std::make_shared<actors::Outbox>(io.get_executor());
    send(actors::Join{actors::MemberId{id}, std::move(name), outbox});
    return outbox;
  }
  void say(std::uint64_t id, std::string text) { send(actors::Say{actors::MemberId{id}, std::move(text)}); }
  void leave(std::uint64_t id, std::string reason = "") {
    send(actors::Leave{actors::MemberId{id}, std::move(reason)});
  }

  boost::asio::io_context io;
  std::shared_ptr<actors::Room> room;
};

}  // namespace chatd::test
