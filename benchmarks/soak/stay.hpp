// The room logs (what each observer received, in the room's order) and the stays (one member's
// time in one room) checked against them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <unordered_map>
#include <vector>

#include "loadgen/timing.hpp"

namespace chatd::soak {

using loadgen::Clock;

struct RoomLog {
  std::unordered_map<std::uint64_t, std::uint32_t> index_of;     // stamp key -> position
  std::unordered_map<std::uint64_t, std::uint64_t> last_seq_of;  // sender -> last seq seen
  std::uint32_t size = 0;
};

struct PendingStamp {
  std::uint64_t key = 0;
  Clock::time_point since;
};

// One member's time in one room. `received` holds the log positions it got, relative to `first`.
struct Stay {
  explicit Stay(std::size_t room_index) : room(room_index) {}
  std::size_t room;
  std::deque<PendingStamp> pending;  // stamps the observer has not logged yet, in arrival order
  bool started = false;
  bool closed = false;
  bool waiting = false;  // listed in Soak::waiting_stays
  std::uint32_t first = 0;
  std::uint32_t last = 0;
  std::uint64_t unique = 0;
  std::vector<std::uint64_t> received;
};
}  // namespace chatd::soak
