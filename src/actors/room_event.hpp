// The events a room handles, one small struct each. Adding an event is adding a struct here and
// a handler in Room.
#pragma once

#include <boost/asio/experimental/concurrent_channel.hpp>
#include <memory>
#include <string>
#include <variant>

#include "actors/member_id.hpp"
#include "actors/outbox.hpp"

namespace chatd::actors {

// A member arrives; `name` prefixes its messages (`name:text`).
struct Join {
  MemberId id;
  std::string name;
  std::shared_ptr<Outbox> outbox;
};

// A member goes; what was already meant for it is still flushed to it.
struct Leave {
  MemberId id;
};

// A member says `text` (already checked and made safe by its session) to the room.
struct Say {
  MemberId id;
  std::string text;
};

// The room flushes every member and ends.
struct Stop {};

using RoomEvent = std::variant<Join, Leave, Say, Stop>;

// Thread-safe: sessions on any strand send, the room strand receives.
using RoomInbox =
    boost::asio::experimental::concurrent_channel<void(boost::system::error_code, RoomEvent)>;

}  // namespace chatd::actors
