// What a process costs the machine right now, read from /proc: resident memory, its peak, and
// open descriptors. For tests that attack a server process and check it stays bounded.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>

namespace chatd::test {

struct ProcessStats {
  std::size_t resident_bytes = 0;       // VmRSS
  std::size_t peak_resident_bytes = 0;  // VmHWM: the most VmRSS has ever been
  std::size_t open_descriptors = 0;     // entries in /proc/PID/fd
};

// nullopt if the process is gone (or is a zombie: it has exited but was not reaped yet).
std::optional<ProcessStats> read_process_stats(pid_t pid);

// True while the process exists and has not exited (a zombie counts as exited).
bool is_running(pid_t pid);

// Connections waiting in the accept queue of the IPv4 socket listening on `port`, from
// /proc/net/tcp (a listener's rx_queue is its accept backlog); nullopt if nobody listens there.
std::optional<std::size_t> accept_queue_length(std::uint16_t port);

}  // namespace chatd::test
