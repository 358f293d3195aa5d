// The /metrics page: the server's counters and the rooms' totals rendered in the Prometheus text
// exposition format, version 0.0.4 (served as `text/plain; version=0.0.4; charset=utf-8`).
#pragma once

#include <string>
#include <string_view>

#include "actors/room_directory.hpp"
#include "cluster/cluster_counters.hpp"
#include "net/server_metrics.hpp"

namespace chatd::net {

// The content type a /metrics response must carry.
inline constexpr std::string_view metrics_content_type = "text/plain; version=0.0.4; charset=utf-8";

// Any thread: every value is a relaxed atomic load (a scrape may see values a few increments
// apart from each other) and `rooms.list()` takes the directory's mutex once.
// `cluster`: the link's counters when this node is one of a cluster's, else null.
std::string metrics_text(const ServerMetrics& metrics, const actors::RoomDirectory& rooms,
                         const cluster::ClusterCounters* cluster = nullptr);

}  // namespace chatd::net
