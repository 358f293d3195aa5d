// Checking stays against the room logs: a stay's stamps must be consecutive positions of its
// room's observer log. A jump is loss, a step back reordering, a repeat a duplicate.
#pragma once

#include <cstdint>
#include <memory>

#include "soak/soak.hpp"

namespace chatd::soak {

// A member received the stamp `key` in its current stay.
void receive_in_stay(const std::shared_ptr<Stay>& stay, Soak& soak, std::uint64_t key,
                     Clock::time_point now);

// The member left the room (or the connection ended): settle the stay once nothing is pending.
void close_stay(const std::shared_ptr<Stay>& stay, Soak& soak);

// Resolves what the observers have logged since; settles closed stays with nothing pending. The
// final pass gives up on whatever is still pending.
void sweep_stays(Soak& soak, bool final_pass);

}  // namespace chatd::soak
