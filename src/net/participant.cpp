// Participant: a client's place in the chat, for any door; see participant.hpp.
#include "net/participant.hpp"

#include <algorithm>

#include "base/ascii.hpp"

namespace chatd::net {

namespace asio = boost::asio;
using actors::RoomEvent;

Participant::Participant(actors::MemberId id, std::string name, const actors::WireFormat& format,
                         std::shared_ptr<const SessionContext> context,
                         asio::any_io_executor strand)
    : id_(id),
      name_(std::move(name)),
      format_(format),
      context_(std::move(context)),
      outbox_(std::move(strand)) {}

asio::awaitable<bool> Participant::enter_lobby() {
  auto lobby = context_->rooms->enter(actors::RoomDirectory::lobby);
  if (!lobby) co_return false;
  auto feed = outbox_.subscribe(false);
  const bool joined = co_await join(std::move(lobby), std::move(feed));
  co_return joined;
}

asio::awaitable<bool> Participant::join(std::shared_ptr<actors::Room> room,
                                        std::shared_ptr<actors::Subscription> feed) {
  RoomEvent join = actors::Join{id_, name_, feed, &format_};
  const bool joined = co_await room->send(std::move(join));
  if (!joined) {
    outbox_.drop(feed);
    context_->rooms->exit(room);
    co_return false;
  }
  rooms_.push_back(Membership{std::move(room), std::move(feed)});
  locate_name();
  co_return true;
}

asio::awaitable<bool> Participant::say(actors::SafeLines lines) {
  if (rooms_.empty()) co_return false;
  RoomEvent say = actors::Say{id_, std::move(lines)};
  const bool said = co_await rooms_.back().room->send(std::move(say));
  co_return said;
}

asio::awaitable<bool> Participant::act(actors::SafeText text) {
  if (rooms_.empty()) co_return false;
  RoomEvent act = actors::Act{id_, std::move(text)};
  const bool acted = co_await rooms_.back().room->send(std::move(act));
  co_return acted;
}

asio::awaitable<RenameResult> Participant::rename(std::string nickname) {
  if (!is_valid_nickname(nickname)) co_return RenameResult::invalid;
  const bool same_name = has_nickname_ && base::equal_ignoring_case(nickname, name_);
  // In a cluster the store decides first, so two nodes' claims at once have one winner; the
  // node's own registry then settles claims made here (and all of them while unlinked).
  cluster::NickClaim claim = cluster::NickClaim::unlinked;
  if (context_->cluster && !same_name) {
    claim = co_await context_->cluster->claim_nick(nickname);
    if (claim == cluster::NickClaim::taken) co_return RenameResult::taken;
  }
  const std::string_view previous = has_nickname_ ? std::string_view(name_) : "";
  if (!context_->names->claim(nickname, previous)) {
    if (claim == cluster::NickClaim::claimed) context_->cluster->release_nick(nickname);
    co_return RenameResult::taken;
  }
  if (context_->cluster && has_nickname_ && !same_name) context_->cluster->release_nick(name_);
  has_nickname_ = true;
  name_ = nickname;
  locate_name();
  for (const Membership& membership : rooms_) {
    RoomEvent rename = actors::Rename{id_, nickname};
    co_await membership.room->send(std::move(rename));
  }
  co_return RenameResult::renamed;
}

void Participant::locate_name() const {
  if (!has_nickname_) return;
  // In no room, nobody can reach the name: a private message for it is for an unknown nick.
  std::weak_ptr<actors::Room> where;
  if (!rooms_.empty()) where = rooms_.back().room;
  context_->names->locate(name_, id_, std::move(where));
}

std::shared_ptr<actors::Room> Participant::room_named(std::string_view room_name) const {
  for (const Membership& membership : rooms_) {
    if (base::equal_ignoring_case(room_name, membership.room->name())) return membership.room;
  }
  return nullptr;
}

asio::awaitable<PrivateResult> Participant::send_private(std::string nickname,
                                                          actors::SafeText text) {
  if (!has_nickname_) co_return PrivateResult::no_nickname;
  if (!is_valid_nickname(nickname)) co_return PrivateResult::unknown_nick;
  std::string to = nickname;
  if (auto recipient = context_->names->find(nickname)) {
    to = recipient->name;
    // To oneself, the own copy is the only one.
    if (recipient->id != id_) {
      RoomEvent delivery = actors::Private{recipient->id, name_, to, text};
      const bool sent = co_await recipient->room->send(std::move(delivery));
      if (!sent) co_return PrivateResult::unknown_nick;  // its room stopped: it is leaving
    }
  } else if (context_->cluster) {
    std::string from = name_;
    std::string words(text.view());
    const cluster::PrivateSend sent =
        co_await context_->cluster->send_private(std::move(from), nickname, std::move(words));
    if (sent != cluster::PrivateSend::sent) co_return PrivateResult::unknown_nick;
  } else {
    co_return PrivateResult::unknown_nick;
  }
  // In no room (an IRC client that has joined no channel) there is nowhere to tell a copy.
  if (rooms_.empty()) co_return PrivateResult::delivered;
  RoomEvent own_copy = actors::Private{id_, name_, std::move(to), std::move(text)};
  const bool echoed = co_await rooms_.back().room->send(std::move(own_copy));
  co_return echoed ? PrivateResult::delivered : PrivateResult::shutting_down;
}

asio::awaitable<TopicResult> Participant::set_topic(std::string room_name, actors::SafeText text) {
  auto room = room_named(room_name);
  if (!room) co_return TopicResult::not_in_room;
  if (text.view().size() > max_topic) co_return TopicResult::too_long;
  RoomEvent set = actors::SetTopic{id_, std::move(text)};
  const bool sent = co_await room->send(std::move(set));
  co_return sent ? TopicResult::set : TopicResult::shutting_down;
}

asio::awaitable<TopicResult> Participant::show_topic(std::string room_name) {
  auto room = room_named(room_name);
  if (!room) co_return TopicResult::not_in_room;
  RoomEvent ask = actors::AskTopic{id_};
  const bool sent = co_await room->send(std::move(ask));
  co_return sent ? TopicResult::shown : TopicResult::shutting_down;
}

asio::awaitable<void> Participant::ask_who() {
  if (rooms_.empty()) co_return;
  co_await ask_who(rooms_.back().room, actors::MemberListing::names);
}

asio::awaitable<void> Participant::ask_who(std::shared_ptr<actors::Room> room,
                                           actors::MemberListing listing) {
  std::optional<std::vector<std::string>> names;
  if (context_->cluster) names = co_await context_->cluster->members(room->name());
  RoomEvent who = actors::Who{id_, std::move(names), listing};
  co_await room->send(std::move(who));
}

const actors::Room* Participant::find_room(std::string_view room_name) const noexcept {
  return room_named(room_name).get();
}

std::vector<std::string> Participant::room_names() const {
  std::vector<std::string> names;
  for (const Membership& membership : rooms_) names.push_back(membership.room->name());
  return names;
}

asio::awaitable<JoinResult> Participant::join_room(std::string room_name) {
  if (!is_valid_room_name(room_name)) co_return JoinResult::invalid;
  if (room_named(room_name) != nullptr) co_return JoinResult::already_there;
  auto room = context_->rooms->enter(room_name);
  if (!room) co_return JoinResult::shutting_down;
  // Side by side with the other rooms' feeds: each room's traffic flows as it comes.
  auto feed = outbox_.subscribe(false);
  const bool joined = co_await join(std::move(room), std::move(feed));
  co_return joined ? JoinResult::joined : JoinResult::shutting_down;
}

asio::awaitable<InRoom> Participant::part_room(std::string room_name, std::string reason) {
  const auto it = std::find_if(rooms_.begin(), rooms_.end(), [&](const Membership& each) {
    return base::equal_ignoring_case(each.room->name(), room_name);
  });
  if (it == rooms_.end()) co_return InRoom::not_there;
  Membership membership = std::move(*it);
  rooms_.erase(it);
  locate_name();
  co_await leave_room(std::move(membership), actors::LeaveReason::parted, std::move(reason));
  co_return InRoom::done;
}

asio::awaitable<InRoom> Participant::send_to(std::string_view room_name, RoomEvent event) {
  // Held here: the participant's rooms may change while this waits.
  std::shared_ptr<actors::Room> room = room_named(room_name);
  if (!room) co_return InRoom::not_there;
  const bool sent = co_await room->send(std::move(event));
  co_return sent ? InRoom::done : InRoom::shutting_down;
}

asio::awaitable<InRoom> Participant::say_in(std::string room_name, actors::SafeLines lines) {
  RoomEvent say = actors::Say{id_, std::move(lines)};
  co_return co_await send_to(room_name, std::move(say));
}

asio::awaitable<InRoom> Participant::act_in(std::string room_name, actors::SafeText text) {
  RoomEvent act = actors::Act{id_, std::move(text)};
  co_return co_await send_to(room_name, std::move(act));
}

asio::awaitable<InRoom> Participant::ask_who_in(std::string room_name,
                                                actors::MemberListing listing) {
  std::shared_ptr<actors::Room> room = room_named(room_name);
  if (!room) co_return InRoom::not_there;
  co_await ask_who(std::move(room), listing);
  co_return InRoom::done;
}

asio::awaitable<InRoom> Participant::tell_in(std::string room_name, std::string bytes) {
  RoomEvent tell = actors::Tell{id_, std::move(bytes)};
  co_return co_await send_to(room_name, std::move(tell));
}

asio::awaitable<std::vector<actors::RoomSummary>> Participant::rooms() const {
  if (context_->cluster) {
    auto everywhere = co_await context_->cluster->rooms();
    if (everywhere) co_return std::move(*everywhere);
  }
  co_return context_->rooms->list();
}

asio::awaitable<MoveResult> Participant::move_to(std::string room_name) {
  if (!is_valid_room_name(room_name)) co_return MoveResult::invalid;
  if (!rooms_.empty() && base::equal_ignoring_case(room_name, rooms_.back().room->name()))
    co_return MoveResult::already_there;
  auto next = context_->rooms->enter(room_name);
  if (!next) co_return MoveResult::shutting_down;
  // A new feed is queued behind the old one before the Leave goes out: the writer finishes the
  // old room's share first, so nothing is skipped however fast a client hops.
  auto feed = outbox_.subscribe(!rooms_.empty());
  if (!rooms_.empty()) {
    Membership old = std::move(rooms_.back());
    rooms_.pop_back();
    std::string detail = next->name();
    co_await leave_room(std::move(old), actors::LeaveReason::moved, std::move(detail));
  }
  const bool joined = co_await join(std::move(next), std::move(feed));
  co_return joined ? MoveResult::moved : MoveResult::shutting_down;
}

asio::awaitable<void> Participant::tell(std::string bytes) {
  if (rooms_.empty()) co_return;  // nowhere to keep its place: the server is shutting down
  RoomEvent tell = actors::Tell{id_, std::move(bytes)};
  co_await rooms_.back().room->send(std::move(tell));
}

asio::awaitable<void> Participant::leave(actors::LeaveReason reason, std::string detail) {
  // Free the name first: by the time anyone sees "left", the name is available again.
  if (has_nickname_) {
    context_->names->release(name_);
    if (context_->cluster) context_->cluster->release_nick(name_);
  }
  while (!rooms_.empty()) {
    Membership membership = std::move(rooms_.back());
    rooms_.pop_back();
    std::string why = detail;
    co_await leave_room(std::move(membership), reason, std::move(why));
  }
  outbox_.finish();
}

asio::awaitable<void> Participant::leave_room(Membership membership, actors::LeaveReason reason,
                                              std::string detail) {
  RoomEvent leave = actors::Leave{id_, reason, std::move(detail)};
  co_await membership.room->send(std::move(leave));
  context_->rooms->exit(membership.room);
}

}  // namespace chatd::net
