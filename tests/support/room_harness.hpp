// Embeds a Room in a test without sockets: a one-thread io_context the test drives by hand, and
// fake members that are nothing but feeds the test reads, rendered in the line door's format.
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "actors/doorbell.hpp"
#include "actors/room.hpp"
#include "actors/subscription.hpp"
#include "net/line/line_format.hpp"

namespace chatd::test {

// Everything pending in `feed`, taken through the same gather/commit calls a writer uses.
inline std::string take_output(actors::Subscription& feed) {
  std::string text;
  std::vector<boost::asio::const_buffer> buffers;
  while (feed.gather(buffers, 1 << 20) > 0) {
    for (const auto& buffer : buffers)
      text.append(static_cast<const char*>(buffer.data()), buffer.size());
    feed.commit_gathered();
    buffers.clear();
  }
  return text;
}

// `text` as the lines of one read ("a\nb": two lines).
inline actors::SafeLines lines(std::string_view text) {
  actors::SafeLines result;
  for (;;) {
    const std::size_t end = text.find('\n');
    result.add(text.substr(0, end));
    if (end == std::string_view::npos) return result;
    text.remove_prefix(end + 1);
  }
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

  // A feed for a member the test will read by hand, with a doorbell of its own.
  std::shared_ptr<actors::Subscription> new_feed() {
    return std::make_shared<actors::Subscription>(
        std::make_shared<actors::Doorbell>(io.get_executor()), false);
  }
  static actors::Join join_event(std::uint64_t id, std::string name,
                                 std::shared_ptr<actors::Subscription> feed) {
    return actors::Join{actors::MemberId{id}, std::move(name), std::move(feed),
                        &net::line::line_format()};
  }
  std::shared_ptr<actors::Subscription> join(std::uint64_t id, std::string name) {
    auto feed = new_feed();
    send(join_event(id, std::move(name), feed));
    return feed;
  }
  void say(std::uint64_t id, std::string_view text) {
    send(actors::Say{actors::MemberId{id}, lines(text)});
  }
  void leave(std::uint64_t id, actors::LeaveReason reason = actors::LeaveReason::closed,
             std::string detail = "") {
    send(actors::Leave{actors::MemberId{id}, reason, std::move(detail)});
  }

  boost::asio::io_context io;
  std::shared_ptr<actors::Room> room;
};

}  // namespace chatd::test
