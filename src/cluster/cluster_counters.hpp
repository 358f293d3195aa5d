// What the cluster link has done, for /metrics. Any thread (relaxed atomics).
#pragma once

#include "base/metrics.hpp"

namespace chatd::cluster {

struct ClusterCounters {
  base::Gauge linked;            // 1 while the link to Redis is up
  base::Counter link_losses;     // times the link went down after being up
  base::Counter batches_sent;    // room batches handed to Redis
  base::Counter batches_read;    // stream entries read back and delivered to rooms
  base::Counter store_resets;    // reconnections that found the store had lost its data
};

}  // namespace chatd::cluster
