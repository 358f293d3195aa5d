// Checking stays against the room logs; see stay_check.hpp.
#include "soak/stay_check.hpp"

#include <algorithm>

#include "soak/stamp.hpp"

namespace chatd::soak {

using namespace std::chrono_literals;

namespace {

// A stamp its room's observer has not logged this long after a member got it, it never will.
constexpr auto kResolveTimeout = 5s;

bool test_bit(const Stay& stay, std::uint64_t offset) {
  const auto word = static_cast<std::size_t>(offset / 64);
  return word < stay.received.size() && ((stay.received[word] >> (offset % 64)) & 1u) != 0;
}

void set_bit(Stay& stay, std::uint64_t offset) {
  const auto word = static_cast<std::size_t>(offset / 64);
  if (word >= stay.received.size()) stay.received.resize(word + 1, 0);
  stay.received[word] |= std::uint64_t{1} << (offset % 64);
  ++stay.unique;
}

// A stamp at log position `index` arrived in this stay.
void place(Stay& stay, std::uint32_t index, Totals& totals) {
  ++totals.deliveries_received;
  if (!stay.started) {
    stay.started = true;
    stay.first = stay.last = index;
    set_bit(stay, 0);
    return;
  }
  if (index < stay.first) {  // before the first line it got: out of order
    ++totals.reordered;
    return;
  }
  const std::uint64_t offset = index - stay.first;
  if (index > stay.last) {
    stay.last = index;
    set_bit(stay, offset);
  } else if (test_bit(stay, offset)) {
    ++totals.duplicated;
  } else {
    set_bit(stay, offset);  // fills a gap: it came after a later line
    ++totals.reordered;
  }
}

void resolve_pending(Stay& stay, Soak& soak, Clock::time_point now, bool final_pass) {
  const RoomLog& log = soak.logs[stay.room];
  while (!stay.pending.empty()) {
    const PendingStamp& front = stay.pending.front();
    const auto found = log.index_of.find(front.key);
    if (found != log.index_of.end()) {
      place(stay, found->second, soak.totals);
    } else if (final_pass || now - front.since > kResolveTimeout) {
      ++soak.totals.unresolved;
      note_error(soak, "a member in " + std::string(kRoomNames[stay.room]) + " received sender " +
                           std::to_string(front.key >> kSequenceBits) + " seq " +
                           std::to_string(front.key & ((std::uint64_t{1} << kSequenceBits) - 1)) +
                           ", which that room's observer never received");
    } else {
      break;
    }
    stay.pending.pop_front();
  }
}

void settle(Stay& stay, Soak& soak) {
  ++soak.totals.stays;
  if (stay.started) {
    const std::uint64_t expected = std::uint64_t{stay.last} - stay.first + 1;
    soak.totals.deliveries_expected += expected;
    soak.totals.lost_in_stays += expected - stay.unique;
  }
  stay.received = {};
}

void list_waiting(const std::shared_ptr<Stay>& stay, Soak& soak) {
  if (stay->waiting) return;
  stay->waiting = true;
  soak.waiting_stays.push_back(stay);
}

}  // namespace

void receive_in_stay(const std::shared_ptr<Stay>& stay, Soak& soak, std::uint64_t key,
                     Clock::time_point now) {
  PendingStamp pending;
  pending.key = key;
  pending.since = now;
  stay->pending.push_back(pending);
  resolve_pending(*stay, soak, now, false);
  if (!stay->pending.empty()) list_waiting(stay, soak);
}

void close_stay(const std::shared_ptr<Stay>& stay, Soak& soak) {
  if (!stay || stay->closed) return;
  stay->closed = true;
  resolve_pending(*stay, soak, Clock::now(), false);
  if (stay->pending.empty() && !stay->waiting) {
    settle(*stay, soak);
  } else {
    list_waiting(stay, soak);
  }
}

void sweep_stays(Soak& soak, bool final_pass) {
  const auto now = Clock::now();
  auto& stays = soak.waiting_stays;
  for (auto& stay : stays) {
    resolve_pending(*stay, soak, now, final_pass);
    if (final_pass) stay->closed = true;
    if (stay->pending.empty()) {
      stay->waiting = false;
      if (stay->closed) settle(*stay, soak);
    }
  }
  stays.erase(std::remove_if(stays.begin(), stays.end(),
                             [](const std::shared_ptr<Stay>& stay) { return !stay->waiting; }),
              stays.end());
}

}  // namespace chatd::soak
