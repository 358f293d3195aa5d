// Participant: one client's place in the chat — its name, its rooms and its outbox — whatever
// door it came through. It holds no transport and no text format: a door turns the client's
// input into commands, calls the participant, and renders what comes back (results as values,
// room records through the door's WireFormat).
//
// Threading: the participant's strand only (its door's reader and writer run there).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "actors/member_id.hpp"
#include "actors/outbox.hpp"
#include "actors/room.hpp"
#include "actors/wire_format.hpp"
#include "net/command.hpp"
#include "net/session_context.hpp"

namespace chatd::net {

enum class RenameResult : std::uint8_t { renamed, invalid, taken };
enum class MoveResult : std::uint8_t { moved, invalid, already_there, shutting_down };
enum class JoinResult : std::uint8_t { joined, invalid, already_there, shutting_down };
// What became of something for one of the participant's rooms, named by the door (IRC).
enum class InRoom : std::uint8_t { done, not_there, shutting_down };
// delivered: the recipient was handed it (on this node or, linked, to its node's inbox) and the
// sender's own copy is on its way; unknown_nick: nobody holds that name (here or, linked, on a
// live node); no_nickname: the sender has none, so it could not be answered.
enum class PrivateResult : std::uint8_t { delivered, unknown_nick, no_nickname, shutting_down };
// set: the room takes it (everyone there sees it change); shown: the answer comes through the
// room (record::Topic); too_long: over max_topic bytes; not_in_room: the participant is not in
// the room named.
enum class TopicResult : std::uint8_t { set, shown, too_long, not_in_room, shutting_down };

// IRC's usual TOPICLEN: a topic is a line, not a document.
inline constexpr std::size_t max_topic = 300;

class Participant {
 public:
  // `name` until a nickname is chosen (the door's peer name); `format` renders this
  // participant's feeds and must outlive it.
  Participant(actors::MemberId id, std::string name, const actors::WireFormat& format,
              std::shared_ptr<const SessionContext> context, boost::asio::any_io_executor strand);

  actors::Outbox& outbox() noexcept { return outbox_; }
  const std::string& name() const noexcept { return name_; }
  // The room the participant speaks in (its latest), or null before it entered one.
  const actors::Room* room() const noexcept {
    return rooms_.empty() ? nullptr : rooms_.back().room.get();
  }
  const SessionContext& context() const noexcept { return *context_; }

  // Enters the lobby. False when the server is shutting down.
  boost::asio::awaitable<bool> enter_lobby();
  // False once the room has stopped (the server is shutting down).
  boost::asio::awaitable<bool> say(actors::SafeLines lines);
  boost::asio::awaitable<bool> act(actors::SafeText text);
  boost::asio::awaitable<RenameResult> rename(std::string nickname);
  // The answer comes back through the room, in its place.
  boost::asio::awaitable<void> ask_who();
  // A private message to whoever holds `nickname`, whatever its door or node; the sender is
  // told its own copy (record::PrivateMessage in its own format) after the recipient's.
  boost::asio::awaitable<PrivateResult> send_private(std::string nickname, actors::SafeText text);
  // Sets the topic of `room_name`, a room the participant is in; empty text clears it.
  boost::asio::awaitable<TopicResult> set_topic(std::string room_name, actors::SafeText text);
  // Asks `room_name` (a room the participant is in) for its topic: answered through the room.
  boost::asio::awaitable<TopicResult> show_topic(std::string room_name);
  // Leaves the current room for `room_name` (the line door's /join).
  boost::asio::awaitable<MoveResult> move_to(std::string room_name);
  // Several rooms at once (the IRC door): the named room, or nothing when the participant is
  // not in it. Names compare ignoring ASCII case.
  const actors::Room* find_room(std::string_view room_name) const noexcept;
  // The rooms the participant is in, oldest first.
  std::vector<std::string> room_names() const;
  // Enters `room_name` as well, staying in the others.
  boost::asio::awaitable<JoinResult> join_room(std::string room_name);
  // Leaves `room_name` alone (LeaveReason::parted, `reason` as the detail).
  boost::asio::awaitable<InRoom> part_room(std::string room_name, std::string reason);
  boost::asio::awaitable<InRoom> say_in(std::string room_name, actors::SafeLines lines);
  boost::asio::awaitable<InRoom> act_in(std::string room_name, actors::SafeText text);
  // The answer comes back through the room, in its place, as `listing` asks.
  boost::asio::awaitable<InRoom> ask_who_in(std::string room_name, actors::MemberListing listing);
  // Bytes for this client alone, in their place in that room's stream.
  boost::asio::awaitable<InRoom> tell_in(std::string room_name, std::string bytes);

  // Every room, cluster-wide when linked.
  boost::asio::awaitable<std::vector<actors::RoomSummary>> rooms() const;
  // Bytes for this client alone, rendered by its door, after everything it caused so far.
  boost::asio::awaitable<void> tell(std::string bytes);
  // The participant's one and only final leave, from every room; then its outbox finishes.
  boost::asio::awaitable<void> leave(actors::LeaveReason reason, std::string detail);

 private:
  struct Membership {
    std::shared_ptr<actors::Room> room;
    std::shared_ptr<actors::Subscription> feed;
  };

  // Joins `room` (entered in the directory already) reading through `feed`; on failure the
  // feed is dropped and the directory told.
  boost::asio::awaitable<bool> join(std::shared_ptr<actors::Room> room,
                                    std::shared_ptr<actors::Subscription> feed);
  boost::asio::awaitable<void> leave_room(Membership membership, actors::LeaveReason reason,
                                          std::string detail);
  // Sends `event` to the room named `room_name`.
  boost::asio::awaitable<InRoom> send_to(std::string_view room_name, actors::RoomEvent event);
  boost::asio::awaitable<void> ask_who(std::shared_ptr<actors::Room> room,
                                       actors::MemberListing listing);
  // The room named so that the participant is in, or null.
  std::shared_ptr<actors::Room> room_named(std::string_view room_name) const;
  // Tells the registry where private messages for this participant's nickname go now.
  void locate_name() const;

  actors::MemberId id_;
  std::string name_;
  bool has_nickname_ = false;
  const actors::WireFormat& format_;
  std::shared_ptr<const SessionContext> context_;
  actors::Outbox outbox_;
  std::vector<Membership> rooms_;
};

}  // namespace chatd::net
