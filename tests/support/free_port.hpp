// A loopback TCP port nothing listens on right now, for a server a test starts: the kernel
// picks it (bind to port 0), and the probe lets it go. Another process may take it before the
// server binds; callers that start a server retry on "Address already in use".
#pragma once

#include <cstdint>

namespace chatd::test {

std::uint16_t free_port();

}  // namespace chatd::test
