// The server process as the soak watches it: alive or not, memory and descriptors.
#pragma once

#include <cstdint>
#include <optional>

namespace chatd::soak {

struct ProcessSample {
  bool alive = false;
  std::optional<std::uint64_t> rss_kb;
  std::optional<std::uint64_t> hwm_kb;
  std::optional<std::uint64_t> fds;
};

ProcessSample sample_process(int pid);

struct ServerWatch {
  std::optional<ProcessSample> start;  // before the first connection
  std::optional<ProcessSample> end;    // after the last connection closed and a settle delay
  std::optional<std::uint64_t> rss_max_kb;
  std::optional<std::uint64_t> hwm_kb;
  std::optional<std::uint64_t> fds_max;
  std::optional<std::uint64_t> rss_quarter_kb;   // a quarter into the run: warmed up
  std::optional<std::uint64_t> rss_talk_end_kb;  // when the talking stopped
  std::uint64_t samples = 0;
  bool died = false;
};

void keep_max(std::optional<std::uint64_t>& into, std::optional<std::uint64_t> value);

}  // namespace chatd::soak
