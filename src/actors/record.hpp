// What happened in a room, as typed records: the room decides these, and each door's wire
// format decides their bytes (wire_format.hpp). No record holds protocol text.
//
// Records are views, valid only while the room renders them: a record costs no allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <variant>

namespace chatd::actors {

// Why a member left a room; `detail` in record::Left says more for some of them.
enum class LeaveReason : std::uint8_t {
  closed,     // the connection ended (the client closed it, or it failed)
  quit,       // the member asked to leave; detail: its reason, if it gave one
  moved,      // the member went to another room; detail: that room's name
  parted,     // the member left this room and stays in its others (IRC PART); detail: its reason
  too_slow,   // evicted: it fell further behind than the outbox bound
  timed_out,  // idle for longer than the idle timeout
  shutdown,   // its node is shutting down (announced on the other nodes of a cluster)
  node_lost,  // its node stopped answering the cluster (killed, cut off)
};

// How the link to the cluster's other nodes changed (record::LinkChanged).
enum class LinkState : std::uint8_t {
  up,          // linked for the first time while members were here
  back,        // linked again, the store's data intact
  store_lost,  // linked again, but the store had lost its data
  lost,        // unlinked: this node's rooms go on alone
};

// What a member asked the room's members for: a list of names (the line door's /who, IRC NAMES)
// or one entry per member (IRC WHO).
enum class MemberListing : std::uint8_t { names, who };

namespace record {

// Room traffic: rendered once per wire format into the room's log for that format.
struct Message {
  std::string_view from;
  std::string_view text;  // one line of SafeLines
};
struct Action {
  std::string_view from;
  std::string_view text;  // SafeText
};
struct Joined {
  std::string_view who;
};
struct Left {
  std::string_view who;
  LeaveReason reason;
  std::string_view detail;
};
struct Renamed {
  std::string_view from;
  std::string_view to;
};
// The room's topic changed; an empty topic: it was cleared.
struct TopicChanged {
  std::string_view by;
  std::string_view topic;
};

// The link to the cluster's other nodes changed, for every member here (--redis).
struct LinkChanged {
  LinkState state;
  std::string_view why;     // lost: the reason
  std::size_t unconfirmed;  // lost: own records applied here that may not have reached the others
};

// For one member only, in its place in that member's stream.
struct HistoryMarker {
  std::size_t messages;  // how many recent messages follow
};
struct Members {
  std::size_t total;                        // members in the room
  std::span<const std::string_view> names;  // sorted; at most a listing's worth of them
  std::string_view asker;                   // the member it is for, by its name here
  MemberListing listing;
};
// The room's current topic: told to a newcomer when there is one, and to a member who asks.
struct Topic {
  std::string_view topic;   // empty: the room has none
  std::string_view set_by;  // who set it (empty when there is none)
  std::string_view asker;   // the member it is for, by its name here
};
// A private message between two members, told to the recipient and, as its own copy, to the
// sender: the same record for both, so a door renders "from -> to" whoever reads it.
struct PrivateMessage {
  std::string_view from;
  std::string_view to;
  std::string_view text;  // SafeText
};

}  // namespace record

using Record = std::variant<record::Message, record::Action, record::Joined, record::Left,
                            record::Renamed, record::TopicChanged, record::LinkChanged,
                            record::HistoryMarker, record::Members, record::Topic,
                            record::PrivateMessage>;

}  // namespace chatd::actors
