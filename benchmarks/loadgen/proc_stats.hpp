// The server process seen through /proc: CPU time, memory and descriptors, read by the load
// generators (chat-bench, chat-soak) from outside, so they work against any server.
#pragma once

#include <cstdint>
#include <optional>

namespace chatd::loadgen {

// True when /proc/PID/stat can be read, i.e. the process exists and is ours to look at.
bool process_is_readable(int pid);

// utime + stime of the whole process (every thread, live or exited), in seconds. Clock ticks:
// 10 ms resolution.
std::optional<double> read_cpu_seconds(int pid);

// Nanoseconds on CPU summed over the process's live threads (/proc/PID/task/*/schedstat): the
// resolution utime + stime lacks, for short phases such as opening a thousand connections.
std::optional<std::uint64_t> read_thread_cpu_ns(int pid);

struct ProcessStatus {
  bool alive = false;  // a zombie or a dead process is not
  std::optional<std::uint64_t> rss_kb;
  std::optional<std::uint64_t> hwm_kb;  // peak RSS
};

// State, VmRSS and VmHWM of /proc/PID/status. A dead child the caller has not reaped yet is a
// zombie: /proc still has it, but it is gone.
ProcessStatus read_status(int pid);

// Entries of /proc/PID/fd.
std::optional<std::uint64_t> count_descriptors(int pid);

}  // namespace chatd::loadgen
