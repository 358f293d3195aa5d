// The server process as the soak watches it; see server_watch.hpp.
#include "soak/server_watch.hpp"

#include "loadgen/proc_stats.hpp"

namespace chatd::soak {

ProcessSample sample_process(int pid) {
  const auto status = loadgen::read_status(pid);
  ProcessSample sample;
  sample.alive = status.alive;
  sample.rss_kb = status.rss_kb;
  sample.hwm_kb = status.hwm_kb;
  if (sample.alive) sample.fds = loadgen::count_descriptors(pid);
  return sample;
}

void keep_max(std::optional<std::uint64_t>& into, std::optional<std::uint64_t> value) {
  if (value && (!into || *value > *into)) into = value;
}
}  // namespace chatd::soak
