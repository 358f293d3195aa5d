// What every connection shares, whatever its door: where the rooms are, who holds which name,
// and the per-connection limits.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>

#include "actors/name_registry.hpp"
#include "actors/room_directory.hpp"
#include "cluster/cluster_link.hpp"
#include "net/server_metrics.hpp"

namespace chatd::net {

struct SessionLimits {
  // Longest accepted line (or message), terminator excluded.
  std::size_t max_line = 4096;
  // Flood control: lines per second on average (0: off), and the burst allowed above it. Over
  // budget a client is slowed down, never cut off: its door stops reading it for a while.
  double rate = 20;
  double burst = 100;
  // Disconnect a client that sends nothing for this long (0: never).
  std::chrono::seconds idle_timeout{0};
  // Most bytes of room traffic in one gather write. Bytes in flight count as undelivered, so
  // this must stay well below the room's outbox bound (the server keeps it at a quarter).
  std::size_t max_write = 256 * 1024;
};

struct SessionContext {
  std::shared_ptr<actors::RoomDirectory> rooms;
  std::shared_ptr<actors::NameRegistry> names;
  SessionLimits limits;
  // The server's counters and whether it still accepts; sessions update them.
  std::shared_ptr<ServerMetrics> metrics;
  // The link to the other nodes, when this node is one of a cluster's (--redis); else null.
  std::shared_ptr<cluster::ClusterLink> cluster;
};

}  // namespace chatd::net
