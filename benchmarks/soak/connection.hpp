// A soak connection's life: connect, read, act as its kind does (observe, talk, command,
// dawdle), and leave the way the conductor asks.
#pragma once

#include <cstddef>

#include "soak/soak.hpp"

namespace chatd::soak {

// Starts a new client of `kind` in `slot`, replacing whatever client held it.
void spawn_client(Soak& soak, Kind kind, std::size_t slot);

// Asks the client to leave (`ending` says how); once only.
void request_ending(Client& client, Ending ending);

}  // namespace chatd::soak
