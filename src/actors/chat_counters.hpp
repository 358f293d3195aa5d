// What every room adds to, for the server's /metrics: shared by all rooms of one server, so the
// totals outlive the rooms that made them. Relaxed atomic increments only.
#pragma once

#include "base/metrics.hpp"

namespace chatd::actors {

struct ChatCounters {
  base::Counter messages_in;       // messages and actions the rooms accepted
  base::Counter deliveries;        // room records handed to members (one per record per member)
  base::Counter evicted_too_slow;  // members evicted as slow consumers
  // From a message's arrival at its room to the write that delivered it to its last member.
  base::LatencyHistogram delivery_latency;
};

}  // namespace chatd::actors
