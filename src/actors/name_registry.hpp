// NameRegistry: the server-wide set of nicknames in use, unique ignoring ASCII case, and where
// each holder can be reached for a private message: its id and the room it reads through.
// Any thread: claims and moves are rare (a /nick, a /join), so a mutex is the simple, obviously
// correct choice; when two clients claim one name at once, exactly one wins.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "actors/member_id.hpp"

namespace chatd::actors {

class Room;

// Who holds a nickname, and a room it is in: a private message for it is told there.
struct Recipient {
  MemberId id;
  std::string name;  // as its holder spelled it
  std::shared_ptr<Room> room;
};

class NameRegistry {
 public:
  // any: takes `name` unless someone else holds it, and then lets go of `previous` (if any),
  // whose address carries over. Claiming the name you already hold, in another case, succeeds.
  bool claim(std::string_view name, std::string_view previous);
  // any
  void release(std::string_view name);
  // any: whether someone on this node holds `name` (IRC WHOIS, ISON, USERHOST).
  bool holds(std::string_view name) const;
  // any: the holder of `name` (member `id`) is reached through `room` from now on (it entered
  // it). Nothing happens for a name nobody holds.
  void locate(std::string_view name, MemberId id, std::weak_ptr<Room> room);
  // any: who holds `name`, ignoring case; nullopt when nobody does, or its room has gone.
  std::optional<Recipient> find(std::string_view name) const;
  // any
  std::size_t size() const;

 private:
  struct Holder {
    std::string name;
    MemberId id{};
    std::weak_ptr<Room> room;  // null until located
  };

  mutable std::mutex mutex_;
  std::unordered_map<std::string, Holder> taken_;  // folded name -> holder; guarded by mutex_
};

}  // namespace chatd::actors
