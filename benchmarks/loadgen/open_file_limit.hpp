// Load generators hold thousands of sockets, and the soft descriptor limit is often far below
// the hard one.
#pragma once

#include <sys/resource.h>

namespace chatd::loadgen {

// Raises RLIMIT_NOFILE's soft limit to the hard limit; returns the soft limit now in force (0 if
// it could not be read).
inline rlim_t raise_open_file_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  const rlim_t soft = limit.rlim_cur;
  limit.rlim_cur = limit.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) return soft;
  return limit.rlim_cur;
}

}  // namespace chatd::loadgen
