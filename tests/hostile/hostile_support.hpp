// What the files of the hostile suite share: the HostileClients fixture, the time and memory
// bounds scaled for sanitizer builds, and small helpers for reading what the server sends.
//
// Hostile clients against the real chatd process: oversized lines, control bytes, terminal
// escapes, clients that never read, floods, resets, silent connections by the hundred, churn,
// thousands of idle connections, and SIGTERM under load. Every case checks the same three
// things: the server stays up (a fresh client can still chat), the well-behaved clients get
// exactly their lines, and the server's memory and descriptors stay bounded.
//
// Each test starts its own chatd on free loopback ports (line and web; `--threads 4 --quiet`:
// races need more than one thread, in the sanitizer builds above all) and stops it
// with SIGTERM by PID at the end, expecting exit status 0 and an empty stderr: in the sanitizer
// builds that is also where a leak or an error report in the server would show up.
#pragma once

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/child_process.hpp"
#include "support/line_client.hpp"
#include "support/proc_stats.hpp"

namespace chatd::test {

using Clock = std::chrono::steady_clock;
using Lines = std::vector<std::string>;

constexpr std::size_t KiB = std::size_t{1} << 10;
constexpr std::size_t MiB = std::size_t{1} << 20;

// Sanitizers slow the server down (ASan+UBSan at -O0 by 2-3×, TSan by 5-15×) and make memory
// dearer. Only the time and memory bounds change with them; what is delivered, to whom and in
// which order, never. TSan shadows every byte the server touches, so its memory bounds scale.
// ASan keeps up to 256 MB of freed blocks in quarantine to catch use-after-free: the server's
// VmRSS then measures churn, not what chatd holds on to, so its memory bounds are not asserted
// under ASan (the figures are still printed; the plain and TSan builds assert them).
#if defined(CHATD_TSAN)
constexpr int slowdown = 6;
constexpr std::size_t memory_scale = 4;
constexpr bool memory_bounds_hold = true;
#elif defined(CHATD_ASAN)
constexpr int slowdown = 3;
constexpr std::size_t memory_scale = 1;
constexpr bool memory_bounds_hold = false;
#else
constexpr int slowdown = 1;
constexpr std::size_t memory_scale = 1;
constexpr bool memory_bounds_hold = true;
#endif

// Long enough for any line a healthy server owes on a loaded machine; a read that needs longer
// is a server that stalls.
constexpr auto read_timeout = std::chrono::milliseconds(std::chrono::seconds(10)) * slowdown;

// `value` with `decimals` decimals, for the [ figures ] lines.
std::string figure(double value, int decimals = 1);

// Thousands of client sockets live in this process; chatd, our child, inherits the raised limit
// (and raises its own soft limit to its hard limit at start-up too).
rlim_t raise_descriptor_limit();

// The number after `prefix` in `line` (e.g. "f " in "NAME:f 12 pad"), or -1.
long number_after(std::string_view line, std::string_view prefix);

class HostileClients : public ::testing::Test {
 protected:
  void TearDown() override;

  // ChildProcess::wait_exit() does not read stderr while it waits, and a sanitizer report is
  // larger than a pipe: chatd would block writing it. So drain while waiting.
  std::optional<int> wait_for_exit(std::chrono::milliseconds timeout);

  // Starts chatd on a free loopback port and waits until it serves. With --quiet the server never
  // writes to stderr, so the pipe ChildProcess captures it with cannot fill up and block it.
  void start(const std::vector<std::string>& flags);

  // Waits until chatd accepts, then lets its probe go completely: the server closes a client
  // that half-closed only after the room has handled its Leave, so the probe leaves no notice
  // behind for the clients of the test.
  bool serving();

  std::unique_ptr<LineClient> connect(int receive_buffer = 0) {
    return std::make_unique<LineClient>(port_, receive_buffer);
  }

  ProcessStats stats();

  // Server memory growth since `baseline`, with a bound: what is left resident now, and the
  // peak reached meanwhile (which catches a server that buffered the attack for a while).
  void expect_memory_bounded(const ProcessStats& baseline, std::size_t bound, const char* what);

  // Waits until every connection made so far was accepted and every session beyond the
  // baseline's has ended: an empty accept queue and the baseline's descriptor count, several
  // polls in a row (so that an accept in progress is not missed). Their lines are then all in
  // the room's inbox, ahead of anything sent after this returns.
  bool wait_until_only_baseline_sessions(const ProcessStats& baseline);

  // Polls /who until the lobby holds `count` members. Only for a client that receives nothing
  // else meanwhile (notices off, nobody talking). Spaced to stay inside default flood control.
  ::testing::AssertionResult wait_for_members(LineClient& asker, std::size_t count);

  // The server is still up and serving: a client that connects now gets its own line back.
  ::testing::AssertionResult fresh_client_can_chat();

  std::unique_ptr<ChildProcess> chatd_;
  std::uint16_t port_ = 0;
  std::uint16_t web_port_ = 0;
  bool stopped_ = false;
};

::testing::AssertionResult next_is(LineClient& client, const std::string& expected);

// Sends `count` lines made by `make_line(i)` from `sender` while every client in `readers` reads
// them back, staying at most `window` lines ahead of the slowest, as people who read would.
// Each reader checks that its i-th line `is_expected(line, i)`. Returns the first thing that
// went wrong, or an empty string.
std::string pump(LineClient& sender, const std::vector<LineClient*>& readers, long count,
                 long window, const std::function<std::string(long)>& make_line,
                 const std::function<bool(const std::string&, long)>& is_expected);

}  // namespace chatd::test
