// The server's log: one human-readable line per event on stderr, e.g.
// "2026-11-25T15:30:00.123Z 127.0.0.1:5555 connected". Safe from any thread: each line is one
// write(2), so lines from different threads never interleave.
#pragma once

#include <exception>
#include <string>
#include <string_view>

namespace chatd::base {

// Turns logging on or off (`--quiet`). Call before starting threads.
void set_logging(bool enabled) noexcept;

void log_line(std::string_view message);

// A co_spawn completion handler for coroutines that must not take the server down: an escaped
// exception is a bug in one of them, logged as "<what> failed: <message>".
inline auto log_escape(std::string what) {
  return [what = std::move(what)](std::exception_ptr error) {
    if (!error) return;
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      log_line(what + " failed: " + e.what());
    } catch (...) {
      log_line(what + " failed: unknown exception");
    }
  };
}

}  // namespace chatd::base
