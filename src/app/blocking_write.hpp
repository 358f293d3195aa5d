// Writing a whole buffer to a descriptor the terminal or a pipe may hold, for output that is
// small and must not be lost: diagnostics, and the console client's screen updates.
#pragma once

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <string_view>

namespace chatd::app {

// Writes all of `bytes` to `fd`, waiting while it is full, even when someone made it
// non-blocking. Returns false when the descriptor fails (nowhere left to write to).
inline bool write_fully(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written >= 0) {
      bytes.remove_prefix(static_cast<std::size_t>(written));
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      pollfd writable{fd, POLLOUT, 0};
      ::poll(&writable, 1, -1);
    } else if (errno != EINTR) {
      return false;
    }
  }
  return true;
}

}  // namespace chatd::app
