// One timestamped line per event on stderr; see log.hpp.
#include "base/log.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

namespace chatd::base {

namespace {
std::atomic<bool> logging_enabled{true};

std::string utc_timestamp() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  const std::size_t length = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  char with_millis[40];
  std::snprintf(with_millis, sizeof with_millis, "%.*s.%03dZ", static_cast<int>(length), text,
                static_cast<int>(millis.count()));
  return with_millis;
}
}  // namespace

void set_logging(bool enabled) noexcept {
  logging_enabled.store(enabled);
}

void log_line(std::string_view message) {
  if (!logging_enabled.load(std::memory_order_relaxed)) return;
  std::string line = utc_timestamp();
  line += ' ';
  line += message;
  line += '\n';
  // Best effort: a log that cannot be written must not take the server down.
  [[maybe_unused]] const ssize_t written = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace chatd::base
