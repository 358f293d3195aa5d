// The events a room handles, one small struct each. Adding an event is adding a struct here and
// a handler in Room.
#pragma once

#include <boost/asio/experimental/concurrent_channel.hpp>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "actors/member_id.hpp"
#include "actors/record.hpp"
#include "actors/safe_text.hpp"
#include "actors/subscription.hpp"
#include "actors/wire_format.hpp"

namespace chatd::actors {

// A member arrives, known as `name`, and reads the room through `feed` in `format` (which must
// outlive the room). It first receives the room's recent history, then live traffic.
struct Join {
  MemberId id;
  std::string name;
  std::shared_ptr<Subscription> feed;
  const WireFormat* format = nullptr;
};

// A member goes; what was already meant for it is still flushed to it.
struct Leave {
  MemberId id;
  LeaveReason reason = LeaveReason::closed;
  std::string detail;
};

// A member says lines to the room: everything one read brought in, so that a busy sender costs
// the room one event per read, not one per line.
struct Say {
  MemberId id;
  SafeLines lines;
};

// A member acts (/me).
struct Act {
  MemberId id;
  SafeText text;
};

// A member is known by a new name from now on (uniqueness is checked before it gets here).
struct Rename {
  MemberId id;
  std::string name;
};

// A member asks who is in the room; the answer goes to it alone. In a cluster the asker's
// participant has fetched every node's members already: `names`, in no particular order.
struct Who {
  MemberId id;
  std::optional<std::vector<std::string>> names;
  MemberListing listing = MemberListing::names;
};

// A member sets the room's topic (empty text: clears it). The participant has checked its length.
struct SetTopic {
  MemberId id;
  SafeText text;
};

// A member asks for the room's topic; the answer goes to it alone.
struct AskTopic {
  MemberId id;
};

// A private message for member `reader` alone: the recipient, or the sender for its own copy.
// Rendered in the reader's format, in its place after what its earlier events caused.
struct Private {
  MemberId reader;
  std::string from;
  std::string to;
  SafeText text;
};

// Bytes for one member alone, already rendered by its door (an error, a help text), to keep
// their place after everything the member's earlier events caused.
struct Tell {
  MemberId id;
  std::string bytes;
};

// The room flushes every member and ends.
struct Stop {};

using RoomEvent =
    std::variant<Join, Leave, Say, Act, Rename, Who, SetTopic, AskTopic, Private, Tell, Stop>;

// Thread-safe: sessions on any strand send, the room strand receives.
using RoomInbox =
    boost::asio::experimental::concurrent_channel<void(boost::system::error_code, RoomEvent)>;

}  // namespace chatd::actors
