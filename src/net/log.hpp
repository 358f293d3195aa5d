// The server's log: one human-readable line per event on stderr, e.g.
// "2026-11-25T15:30:00.123Z 127.0.0.1:5555 connected". Safe from any thread: each line is one
// write(2), so lines from different threads never interleave.
#pragma once

#include <string_view>

namespace chatd::net {

// Turns logging on or off (`--quiet`). Call before starting threads.
void set_logging(bool enabled) noexcept;

void log_line(std::string_view message);

}  // namespace chatd::net
