// The events a room handles, one small struct each. Adding an event is adding a struct here and
// a handler in Room.
#pragma once

#include <boost/asio/experimental/concurrent_channel.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <variant>

#include "actors/member_id.hpp"
#include "actors/outbox.hpp"

namespace chatd::actors {

// A member arrives; `name` prefixes its messages (`name:text`). It first receives the room's
// recent history, then live traffic.
struct Join {
  MemberId id;
  std::string name;
  std::shared_ptr<Outbox> outbox;
};

// A member goes (`reason` ends up in "* NAME left (reason)"); what was already meant for it is
// still flushed to it.
struct Leave {
  MemberId id;
  std::string reason;
};

// A member says `text` (already checked and made safe by its session) to the room, as plain
// messages ("name:text") or as an action ("* name text", from /me). Plain text may hold several
// messages separated by '\n' — everything one read brought in — so that a busy sender costs the
// room one event per read, not one per line.
enum class SayKind : std::uint8_t { message, action };
struct Say {
  MemberId id;
  std::string text;
  SayKind kind = SayKind::message;
};

// A member is known by a new name from now on (uniqueness is checked before it gets here).
struct Rename {
  MemberId id;
  std::string name;
};

// A member asks who is in the room; the answer goes to it alone.
struct Who {
  MemberId id;
};

// The room flushes every member and ends.
struct Stop {};

using RoomEvent = std::variant<Join, Leave, Say, Rename, Who, Stop>;

// Thread-safe: sessions on any strand send, the room strand receives.
using RoomInbox =
    boost::asio::experimental::concurrent_channel<void(boost::system::error_code, RoomEvent)>;

}  // namespace chatd::actors
