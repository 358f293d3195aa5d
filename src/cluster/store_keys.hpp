// Where a cluster keeps what in Redis. A room's keys share the hash tag {room}, so a Redis
// Cluster (or a hand-sharded set of instances) keeps each room's keys together.
//
//   chatd:epoch                 a random value set by the first node: a store that comes back
//                               without it (or with another) has lost its data
//   chatd:nodes                 ZSET node id -> its last heartbeat (Redis TIME, ms)
//   chatd:rooms                 HASH folded room name -> its name as first written
//   chatd:{room}:log            STREAM of the room's batches (field b; cluster_batch.hpp)
//   chatd:{room}:members        HASH "node/member" -> name
//   chatd:{room}:topic          HASH by -> who set it, text -> the topic; gone while no topic
//                               is set or nobody is in the room (but in the lobby)
//   chatd:node:NODE:rooms       SET of the folded rooms where NODE has members
//   chatd:nicks                 HASH folded nickname -> the node whose member holds it
//   chatd:node:NODE:nicks       SET of the folded nicknames NODE holds
//   chatd:node:NODE:inbox       STREAM of private messages for NODE's members (field p:
//                               from \x1f to \x1f text), MAXLEN ~ 1000
#pragma once

#include <string>
#include <string_view>

namespace chatd::cluster::keys {

inline constexpr std::string_view epoch = "chatd:epoch";
inline constexpr std::string_view nodes = "chatd:nodes";
inline constexpr std::string_view rooms = "chatd:rooms";
inline constexpr std::string_view nicks = "chatd:nicks";

// `room` is the folded name.
inline std::string room_log(std::string_view room) {
  return "chatd:{" + std::string(room) + "}:log";
}
inline std::string room_members(std::string_view room) {
  return "chatd:{" + std::string(room) + "}:members";
}
inline std::string room_topic(std::string_view room) {
  return "chatd:{" + std::string(room) + "}:topic";
}
inline std::string node_rooms(std::string_view node) {
  return "chatd:node:" + std::string(node) + ":rooms";
}
inline std::string node_nicks(std::string_view node) {
  return "chatd:node:" + std::string(node) + ":nicks";
}

inline std::string node_inbox(std::string_view node) {
  return "chatd:node:" + std::string(node) + ":inbox";
}

}  // namespace chatd::cluster::keys
