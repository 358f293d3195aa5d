// What soak clients receive: stamps (checked against the room logs), notices, /who replies and
// errors.
#pragma once

#include <string_view>

#include "soak/soak.hpp"

namespace chatd::soak {

// One line the client received at `now`, without its '\n'.
void handle_line(Client& client, Soak& soak, std::string_view line, Clock::time_point now);

}  // namespace chatd::soak
