// Hostile clients against the real chatd process: oversized lines, control bytes, terminal
// escapes, clients that never read, floods, resets, silent connections by the hundred, churn,
// thousands of idle connections, and SIGTERM under load. Every case checks the same three
// things: the server stays up (a fresh client can still chat), the well-behaved clients get
// exactly their lines, and the server's memory and descriptors stay bounded.
//
// Each test starts its own chatd on a free loopback port (`--threads 2 --quiet`) and stops it
// with SIGTERM by PID at the end, expecting exit status 0 and an empty stderr: in the sanitizer
// builds that is also where a leak or an error report in the server would show up.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "support/child_process.hpp"
#include "support/line_client.hpp"
#include "support/proc_stats.hpp"
#include "support/test_server.hpp"

namespace chatd::test {
namespace {

using namespace std::chrono_literals;
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
constexpr auto read_timeout = std::chrono::milliseconds(10s) * slowdown;

std::string figure(double value, int decimals = 1) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

// A port that is free now: bind to 0, read it, release it. Another process may take it before
// chatd binds it; start() then tries another.
std::uint16_t free_port() {
  const int probe = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ::bind(probe, reinterpret_cast<const sockaddr*>(&address), sizeof address);
  ::getsockname(probe, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(probe);
  return ntohs(address.sin_port);
}

// Thousands of client sockets live in this process; chatd, our child, inherits the raised limit
// (and raises its own soft limit to its hard limit at start-up too).
rlim_t raise_descriptor_limit() {
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
    ::getrlimit(RLIMIT_NOFILE, &limit);
  }
  return limit.rlim_cur;
}

// Empty if `line` is what protocol.md promises a client: valid UTF-8 with no C0 control but tab,
// no DEL and no C1 control. Otherwise what is wrong, and where. Decodes independently of the
// server's own validator, so that the two cannot share a blind spot.
std::string unsafe_bytes(std::string_view line) {
  for (std::size_t i = 0; i < line.size();) {
    const auto lead = static_cast<unsigned char>(line[i]);
    const std::string where = " at byte " + std::to_string(i);
    if (lead < 0x80) {
      if ((lead < 0x20 && lead != '\t') || lead == 0x7F)
        return "control byte " + std::to_string(lead) + where;
      ++i;
      continue;
    }
    std::size_t length = 0;
    char32_t code = 0;
    if (lead >= 0xC0 && lead < 0xE0) {
      length = 2;
      code = lead & 0x1Fu;
    } else if (lead >= 0xE0 && lead < 0xF0) {
      length = 3;
      code = lead & 0x0Fu;
    } else if (lead >= 0xF0 && lead < 0xF8) {
      length = 4;
      code = lead & 0x07u;
    } else {
      return "invalid UTF-8 lead byte " + std::to_string(lead) + where;
    }
    if (i + length > line.size()) return "truncated UTF-8" + where;
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(line[i + k]);
      if ((next & 0xC0u) != 0x80u) return "bad UTF-8 continuation" + where;
      code = (code << 6) | (next & 0x3Fu);
    }
    constexpr char32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < smallest[length]) return "overlong UTF-8" + where;
    if (code >= 0xD800 && code <= 0xDFFF) return "UTF-8 surrogate" + where;
    if (code > 0x10FFFF) return "code point above U+10FFFF" + where;
    if (code >= 0x80 && code <= 0x9F) return "C1 control" + where;
    i += length;
  }
  return {};
}

// The number after `prefix` in `line` (e.g. "f " in "NAME:f 12 pad"), or -1.
long number_after(std::string_view line, std::string_view prefix) {
  if (!line.starts_with(prefix)) return -1;
  line.remove_prefix(prefix.size());
  long value = -1;
  const auto [end, error] = std::from_chars(line.data(), line.data() + line.size(), value);
  if (error != std::errc{}) return -1;
  return value;
}

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

// Percentile by rank (nearest rank) of `values`, which it sorts.
double percentile(std::vector<double>& values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  auto rank = static_cast<std::size_t>(p * static_cast<double>(values.size()) + 0.999999);
  rank = std::clamp<std::size_t>(rank, 1, values.size());
  return values[rank - 1];
}

// A plain socket that reads until the server closes and says how it closed (an orderly FIN, a
// reset, or not at all), which LineClient does not tell apart. For the SIGTERM case.
class RawConnection {
 public:
  enum class End { closed, reset, timed_out };

  // `receive_buffer` > 0 shrinks SO_RCVBUF first, so that what the server owes this client
  // waits in the server rather than in our kernel.
  explicit RawConnection(std::uint16_t port, int receive_buffer = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (receive_buffer > 0)
      ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0)
      throw std::runtime_error("connect failed");
  }
  ~RawConnection() { ::close(fd_); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  // Everything received until the server closes (or `timeout` passes); `lines` counts the
  // newlines received so far, for another thread to watch.
  End read_until_closed(std::string& received, std::atomic<std::size_t>& lines,
                        std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return End::timed_out;
      pollfd readable{fd_, POLLIN, 0};
      if (::poll(&readable, 1, static_cast<int>(left.count())) <= 0) continue;
      char buffer[16 * 1024];
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n == 0) return End::closed;
      if (n < 0) return End::reset;
      const std::string_view chunk(buffer, static_cast<std::size_t>(n));
      received.append(chunk);
      lines += static_cast<std::size_t>(std::count(chunk.begin(), chunk.end(), '\n'));
    }
  }

 private:
  int fd_ = -1;
};

class HostileClients : public ::testing::Test {
 protected:
  void TearDown() override {
    if (chatd_ && !stopped_) {
      chatd_->signal(SIGTERM);
      const auto status = wait_for_exit(std::chrono::milliseconds(10s) * slowdown);
      stopped_ = true;
      EXPECT_EQ(status, 0) << "chatd did not shut down cleanly after the attack\n"
                           << chatd_->error_output();
      // --quiet leaves stderr empty; anything there is a sanitizer report or a crash message.
      EXPECT_EQ(chatd_->error_output(), "");
    }
  }

  // ChildProcess::wait_exit() does not read stderr while it waits, and a sanitizer report is
  // larger than a pipe: chatd would block writing it. So drain while waiting.
  std::optional<int> wait_for_exit(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      chatd_->error_output();
      if (const auto status = chatd_->wait_exit(50ms)) return status;
      if (!is_running(chatd_->pid()))
        return chatd_->wait_exit(50ms);  // killed by a signal, or just exited
      if (Clock::now() >= deadline) return std::nullopt;
    }
  }

  // Starts chatd on a free loopback port and waits until it serves. With --quiet the server never
  // writes to stderr, so the pipe ChildProcess captures it with cannot fill up and block it.
  void start(const std::vector<std::string>& flags) {
    raise_descriptor_limit();
    for (int attempt = 0; attempt < 5; ++attempt) {
      port_ = free_port();
      std::vector<std::string> args = {"--port", std::to_string(port_), "--threads", "2",
                                       "--quiet"};
      args.insert(args.end(), flags.begin(), flags.end());
      chatd_ = std::make_unique<ChildProcess>(CHATD_BINARY, args);
      stopped_ = false;
      if (serving()) return;
      stopped_ = true;
      const auto status = wait_for_exit(5s);
      const std::string& log = chatd_->error_output();
      if (status == 1 && log.find("Address already in use") != std::string::npos) continue;
      FAIL() << "chatd did not start (exit " << (status ? std::to_string(*status) : "none")
             << "): " << log;
    }
    FAIL() << "no free port after 5 attempts";
  }

  // Waits until chatd accepts, then lets its probe go completely: the server closes a client
  // that half-closed only after the room has handled its Leave, so the probe leaves no notice
  // behind for the clients of the test.
  bool serving() {
    const auto deadline = Clock::now() + std::chrono::milliseconds(10s) * slowdown;
    while (Clock::now() < deadline && is_running(chatd_->pid())) {
      try {
        LineClient probe(port_);
        probe.shutdown_send();
        return probe.wait_closed(read_timeout);
      } catch (const std::exception&) {
        std::this_thread::sleep_for(10ms);
      }
    }
    return false;
  }

  std::unique_ptr<LineClient> connect(int receive_buffer = 0) {
    return std::make_unique<LineClient>(port_, receive_buffer);
  }

  ProcessStats stats() {
    const auto now = read_process_stats(chatd_->pid());
    EXPECT_TRUE(now) << "chatd is gone: " << chatd_->error_output();
    return now.value_or(ProcessStats{});
  }

  // Server memory growth since `baseline`, with a bound: what is left resident now, and the
  // peak reached meanwhile (which catches a server that buffered the attack for a while).
  void expect_memory_bounded(const ProcessStats& baseline, std::size_t bound, const char* what) {
    const ProcessStats now = stats();
    const auto grown =
        static_cast<double>(now.resident_bytes) - static_cast<double>(baseline.resident_bytes);
    const auto peak =
        static_cast<double>(now.peak_resident_bytes) - static_cast<double>(baseline.resident_bytes);
    std::cout << "[ figures  ] " << what << ": VmRSS " << figure(grown / MiB)
              << " MiB above baseline ("
              << figure(static_cast<double>(baseline.resident_bytes) / MiB) << " MiB), peak "
              << figure(peak / MiB) << " MiB above, " << now.open_descriptors << " fds (baseline "
              << baseline.open_descriptors << ")\n";
    RecordProperty("rss_growth_bytes", std::to_string(static_cast<long long>(grown)));
    RecordProperty("peak_rss_growth_bytes", std::to_string(static_cast<long long>(peak)));
    if (!memory_bounds_hold) return;
    EXPECT_LT(grown, static_cast<double>(bound))
        << what << ": VmRSS grew by " << figure(grown / MiB) << " MiB";
    EXPECT_LT(peak, static_cast<double>(bound))
        << what << ": VmHWM rose " << figure(peak / MiB) << " MiB above the baseline RSS";
  }

  // Waits until every connection made so far was accepted and every session beyond the
  // baseline's has ended: an empty accept queue and the baseline's descriptor count, several
  // polls in a row (so that an accept in progress is not missed). Their lines are then all in
  // the room's inbox, ahead of anything sent after this returns.
  bool wait_until_only_baseline_sessions(const ProcessStats& baseline) {
    int calm_polls = 0;
    return eventually(
        [&] {
          const bool calm = accept_queue_length(port_).value_or(1) == 0 &&
                            stats().open_descriptors <= baseline.open_descriptors;
          calm_polls = calm ? calm_polls + 1 : 0;
          return calm_polls >= 4;
        },
        std::chrono::milliseconds(5s) * slowdown);
  }

  // Polls /who until the lobby holds `count` members. Only for a client that receives nothing
  // else meanwhile (notices off, nobody talking). Spaced to stay inside default flood control.
  ::testing::AssertionResult wait_for_members(LineClient& asker, std::size_t count) {
    const std::string expected = "* " + std::to_string(count) + " in lobby:";
    std::string last;
    const auto deadline = Clock::now() + std::chrono::milliseconds(20s) * slowdown;
    while (Clock::now() < deadline) {
      if (!asker.send("/who\n"))
        return ::testing::AssertionFailure() << "the asker's connection failed";
      const auto reply = asker.read_line(read_timeout);
      if (!reply) return ::testing::AssertionFailure() << "no reply to /who";
      if (reply->starts_with(expected)) return ::testing::AssertionSuccess();
      last = reply->substr(0, 40);
      std::this_thread::sleep_for(60ms);
    }
    return ::testing::AssertionFailure()
           << "the lobby never held " << count << " members; last: " << last;
  }

  // The server is still up and serving: a client that connects now gets its own line back.
  ::testing::AssertionResult fresh_client_can_chat() {
    if (!is_running(chatd_->pid()))
      return ::testing::AssertionFailure() << "chatd died: " << chatd_->error_output();
    std::unique_ptr<LineClient> fresh;
    try {
      fresh = connect();
    } catch (const std::exception& e) {
      return ::testing::AssertionFailure() << "a fresh client cannot connect: " << e.what();
    }
    const std::string said = "a fresh client after the attack";
    if (!fresh->send(said + "\n"))
      return ::testing::AssertionFailure() << "a fresh client cannot send";
    const std::string expected = fresh->name() + ":" + said;
    for (int i = 0; i < 1000; ++i) {  // history and notices may come first
      const auto line = fresh->read_line(read_timeout);
      if (!line)
        return ::testing::AssertionFailure() << "a fresh client never got its own line back";
      if (*line == expected) return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure() << "a fresh client's line drowned in 1000 others";
  }

  std::unique_ptr<ChildProcess> chatd_;
  std::uint16_t port_ = 0;
  bool stopped_ = false;
};

::testing::AssertionResult next_is(LineClient& client, const std::string& expected) {
  const auto line = client.read_line(read_timeout);
  if (!line) return ::testing::AssertionFailure() << "expected '" << expected << "', got nothing";
  if (*line != expected)
    return ::testing::AssertionFailure() << "expected '" << expected << "', got '" << *line << "'";
  return ::testing::AssertionSuccess();
}

// ---------------------------------------------------------------------------------------------

TEST_F(HostileClients,
       TenMebibytesWithoutANewlineAreRefusedOnceWithBoundedMemoryAndOthersUnaffected) {
  start({"--history", "0", "--notice-limit", "0"});
  auto attacker = connect();
  auto watcher = connect();
  ASSERT_TRUE(wait_for_members(*watcher, 2));
  const std::string attacker_name = attacker->name();
  const std::string watcher_name = watcher->name();
  ASSERT_TRUE(watcher->send("warm up\n"));
  ASSERT_TRUE(next_is(*watcher, watcher_name + ":warm up"));
  ASSERT_TRUE(next_is(*attacker, watcher_name + ":warm up"));
  const ProcessStats baseline = stats();

  std::atomic<bool> flood_sent{false};
  std::atomic<bool> send_failed{false};
  std::jthread flooding([&] {
    const std::string chunk(64 * KiB, 'x');
    for (std::size_t sent = 0; sent < 10 * MiB; sent += chunk.size()) {
      if (!attacker->send(chunk)) {
        send_failed = true;
        break;
      }
    }
    flood_sent = true;
  });
  // The watcher keeps chatting while the 10 MiB go in; every round trip is exact.
  Lines said;
  while (!flood_sent || said.empty()) {
    said.push_back("during " + std::to_string(said.size()));
    ASSERT_TRUE(watcher->send(said.back() + "\n"));
    ASSERT_TRUE(next_is(*watcher, watcher_name + ":" + said.back()));
    std::this_thread::sleep_for(20ms);
  }
  flooding.join();
  ASSERT_FALSE(send_failed) << "the server dropped the attacker instead of refusing the line";
  ASSERT_TRUE(attacker->send("\nafter the flood\n"));

  // The watcher's next line is the attacker's: nothing of the 10 MiB was relayed.
  EXPECT_TRUE(next_is(*watcher, attacker_name + ":after the flood"));
  // The attacker got the watcher's lines in order and, somewhere among them, one refusal.
  Lines attacker_saw;
  for (;;) {
    const auto line = attacker->read_line(read_timeout);
    ASSERT_TRUE(line) << "the attacker got only " << ::testing::PrintToString(attacker_saw);
    if (*line == attacker_name + ":after the flood") break;
    attacker_saw.push_back(*line);
  }
  Lines expected;
  for (const auto& text : said) expected.push_back(watcher_name + ":" + text);
  const std::string refusal = "! line too long (max 4096 bytes)";
  EXPECT_EQ(std::count(attacker_saw.begin(), attacker_saw.end(), refusal), 1);
  std::erase(attacker_saw, refusal);
  EXPECT_EQ(attacker_saw, expected);

  // A server that held the line whole would grow by 10 MiB; one that holds --max-line bytes
  // per connection grows by noise. 4 MiB sits between the two, with room for allocator slack.
  expect_memory_bounded(baseline, 4 * MiB * memory_scale, "after 10 MiB without a newline");
  EXPECT_TRUE(fresh_client_can_chat());
}

TEST_F(HostileClients,
       NulFfLoneCrAndInvalidUtf8AreNeutralisedAndAHundredThousandEmptyLinesAreIgnored) {
  // Default flood control on purpose: empty lines must not count against it.
  start({"--history", "0", "--notice-limit", "0"});
  auto attacker = connect();
  auto watcher = connect();
  ASSERT_TRUE(wait_for_members(*watcher, 2));
  const std::string name = attacker->name();
  const ProcessStats baseline = stats();

  const std::string fffd = "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
  // Each pair: the line as sent (without its "\n"), and its text as relayed.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {std::string("nul\0byte", 8), "nul" + fffd + "byte"},
      {std::string("\0", 1), fffd},
      {std::string("ff\xFF") + "byte", "ff" + fffd + "byte"},
      {"lone\rcr", "lone" + fffd + "cr"},
      {"\rat the start", fffd + "at the start"},
      {"two cr at the end\r\r", "two cr at the end" + fffd},  // the last \r is part of \r\n
      {"crlf\r", "crlf"},
      {"overlong \xC0\xAF", "overlong " + fffd + fffd},
      {"surrogate \xED\xA0\x80", "surrogate " + fffd + fffd + fffd},
      {"truncated \xE2\x82 end", "truncated " + fffd + " end"},
      {"above max \xF4\x90\x80\x80", "above max " + fffd + fffd + fffd + fffd},
      {"stray \x80\xBF", "stray " + fffd + fffd},
      {"fe ff \xFE\xFF", "fe ff " + fffd + fffd},
      {"cut at the end \xF0\x9F\x98", "cut at the end " + fffd},
      {"tab\tkept, valid kept: h\xC3\xA9llo \xE2\x9C\x93 \xF0\x9F\x98\x80",
       "tab\tkept, valid kept: h\xC3\xA9llo \xE2\x9C\x93 \xF0\x9F\x98\x80"},
  };
  std::string burst;
  for (const auto& [sent, relayed] : cases) burst += sent + "\n";
  ASSERT_TRUE(attacker->send(burst));
  for (LineClient* client : {watcher.get(), attacker.get()}) {
    for (const auto& [sent, relayed] : cases) {
      const auto line = client->read_line(read_timeout);
      ASSERT_TRUE(line);
      EXPECT_EQ(*line, name + ":" + relayed);
      EXPECT_EQ(unsafe_bytes(*line), "") << ::testing::PrintToString(*line);
    }
  }

  // 100 000 empty lines, "\n" and "\r\n" alike, then one real line: it must be the very next
  // thing anyone sees, and the attacker must still be connected (they are not flooding).
  std::string empties;
  for (int i = 0; i < 50000; ++i) empties += "\n\r\n";
  const auto sent_at = Clock::now();
  ASSERT_TRUE(attacker->send(empties));
  ASSERT_TRUE(attacker->send("after the empty lines\n"));
  EXPECT_TRUE(next_is(*watcher, name + ":after the empty lines"));
  EXPECT_TRUE(next_is(*attacker, name + ":after the empty lines"));
  std::cout << "[ figures  ] 100000 empty lines and the next line through in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - sent_at).count()
            << " ms\n";
  ASSERT_TRUE(watcher->send("still responsive\n"));
  EXPECT_TRUE(next_is(*watcher, watcher->name() + ":still responsive"));
  EXPECT_TRUE(next_is(*attacker, watcher->name() + ":still responsive"));

  // Nothing here should cost memory: 8 MiB is slack for the allocator, not for the attack.
  expect_memory_bounded(baseline, 8 * MiB * memory_scale, "after control bytes and empty lines");
  EXPECT_TRUE(fresh_client_can_chat());
}

TEST_F(HostileClients, TerminalEscapeSequencesNeverReachAnotherClientRaw) {
  start({"--history", "0"});  // notices on: /quit reasons and /me actions reach the room
  auto watcher = connect();
  ASSERT_TRUE(next_is(*watcher, "* " + watcher->name() + " joined"));
  auto attacker = connect();
  const std::string name = attacker->name();
  ASSERT_TRUE(next_is(*watcher, "* " + name + " joined"));
  ASSERT_TRUE(next_is(*attacker, "* " + name + " joined"));
  const ProcessStats baseline = stats();

  const std::string fffd = "\xEF\xBF\xBD";
  const std::string attack =
      "\x1b[2J\x1b[H cleared your screen\n"
      "bell\x07\x07\n"
      "\x1b]52;c;aGVsbG8=\x07 set your clipboard\n"
      "\x1b]0;title\x1b\\ set your title\n"
      "c1 csi \x9b"
      "31m raw byte\n"  // the 8-bit CSI byte alone (split: a hex escape would eat the 3)
      "c1 csi \xC2\x9B"
      "31m encoded\n"  // U+009B, the same control as valid UTF-8
      "\x1bP+q544e\x1b\\ dcs\n"
      "del\x7f\n"
      "/me \x1b[5mblinks\x1b[0m\n"
      "/nick \x1b[31mred\n"
      "/quit \x1b]52;c;cGF3bmVk\x07\n";
  ASSERT_TRUE(attacker->send(attack));
  const Lines relayed = {
      name + ":" + fffd + "[2J" + fffd + "[H cleared your screen",
      name + ":bell" + fffd + fffd,
      name + ":" + fffd + "]52;c;aGVsbG8=" + fffd + " set your clipboard",
      name + ":" + fffd + "]0;title" + fffd + "\\ set your title",
      name + ":c1 csi " + fffd + "31m raw byte",
      name + ":c1 csi " + fffd + "31m encoded",
      name + ":" + fffd + "P+q544e" + fffd + "\\ dcs",
      name + ":del" + fffd,
      "* " + name + " " + fffd + "[5mblinks" + fffd + "[0m",
      "* " + name + " left (" + fffd + "]52;c;cGF3bmVk" + fffd + ")",
  };
  Lines watcher_saw;
  for (std::size_t i = 0; i < relayed.size(); ++i) {
    const auto line = watcher->read_line(read_timeout);
    ASSERT_TRUE(line) << "the watcher got only " << ::testing::PrintToString(watcher_saw);
    watcher_saw.push_back(*line);
  }
  EXPECT_EQ(watcher_saw, relayed);
  for (const auto& line : watcher_saw)
    EXPECT_EQ(unsafe_bytes(line), "") << ::testing::PrintToString(line);

  // The attacker's own copy, and its private error, are made safe too; then it is closed.
  Lines attacker_saw;
  while (const auto line = attacker->read_line(read_timeout)) attacker_saw.push_back(*line);
  for (const auto& line : attacker_saw)
    EXPECT_EQ(unsafe_bytes(line), "") << ::testing::PrintToString(line);
  const std::string nick_error =
      "! invalid nickname '" + fffd +
      "[31mred': use 1-32 letters, digits or _-[]{}|^` and do not start with a digit or -";
  EXPECT_EQ(std::count(attacker_saw.begin(), attacker_saw.end(), nick_error), 1)
      << ::testing::PrintToString(attacker_saw);
  Lines attacker_relayed = attacker_saw;
  std::erase(attacker_relayed, nick_error);
  EXPECT_EQ(attacker_relayed, Lines(relayed.begin(), relayed.end() - 1))
      << "the quitter does not see its own leave";

  ASSERT_TRUE(watcher->send("still here\n"));
  EXPECT_TRUE(next_is(*watcher, watcher->name() + ":still here"));
  expect_memory_bounded(baseline, 8 * MiB * memory_scale, "after terminal escapes");
  EXPECT_TRUE(fresh_client_can_chat());
}

// What one well-behaved reader saw during the slow-consumer case.
struct ReaderLog {
  std::atomic<long> flood_lines{0};  // read so far; the flooder paces itself on this
  long talker_lines = 0;
  std::atomic<int> evictions_seen{0};  // the main thread waits on it
  std::vector<double> latencies_ms;
  std::string first_problem;
};

TEST_F(HostileClients, AClientThatNeverReadsIsEvictedWhileOthersGetEverythingWithLowLatency) {
  // No flood control, or it would cut the flooder; a 1 MiB outbox so the sleeper falls that far
  // behind quickly. Notices on, so everyone sees the eviction; history at its default.
  start({"--rate", "0", "--outbox", "1M"});
  auto watcher = connect();
  ASSERT_TRUE(next_is(*watcher, "* " + watcher->name() + " joined"));
  auto talker = connect();
  ASSERT_TRUE(next_is(*watcher, "* " + talker->name() + " joined"));
  ASSERT_TRUE(next_is(*talker, "* " + talker->name() + " joined"));
  auto flooder = connect();
  for (LineClient* client : {watcher.get(), talker.get(), flooder.get()})
    ASSERT_TRUE(next_is(*client, "* " + flooder->name() + " joined"));
  LineClient sleeper(port_, 4096);  // a tiny receive window, and it never reads
  const std::string sleeper_name = sleeper.name();
  for (LineClient* client : {watcher.get(), talker.get(), flooder.get()})
    ASSERT_TRUE(next_is(*client, "* " + sleeper_name + " joined"));
  const ProcessStats baseline = stats();

  const std::string flood_prefix = flooder->name() + ":f ";
  const std::string flood_end = flooder->name() + ":end of flood";
  const std::string talk_prefix = talker->name() + ":t ";
  const std::string talk_end = talker->name() + ":done";
  const std::string evicted = "* " + sleeper_name + " left (too slow)";

  // Each reader checks every line: the flood and the talk each in order with no gap, the
  // eviction once, nothing else. The watcher also times the talker's lines.
  auto read_all = [&](LineClient& client, ReaderLog& log, bool timed) {
    long next_flood = 0;
    bool flood_over = false;
    bool talk_over = false;
    while (!flood_over || !talk_over) {
      const auto line = client.read_line(read_timeout);
      if (!line) {
        log.first_problem = "the stream stopped after flood line " + std::to_string(next_flood) +
                            " and talk line " + std::to_string(log.talker_lines);
        return;
      }
      if (line->starts_with(flood_prefix)) {
        if (number_after(*line, flood_prefix) != next_flood && log.first_problem.empty())
          log.first_problem =
              "flood line " + std::to_string(next_flood) + " expected, got " + line->substr(0, 60);
        log.flood_lines = ++next_flood;
      } else if (line->starts_with(talk_prefix)) {
        if (number_after(*line, talk_prefix) != log.talker_lines && log.first_problem.empty())
          log.first_problem =
              "talk line " + std::to_string(log.talker_lines) + " expected, got " + *line;
        ++log.talker_lines;
        if (timed) {
          const auto sent_ns = number_after(std::string_view(*line).substr(line->rfind(' ')), " ");
          log.latencies_ms.push_back(static_cast<double>(now_ns() - sent_ns) / 1e6);
        }
      } else if (*line == evicted) {
        ++log.evictions_seen;
      } else if (*line == flood_end) {
        flood_over = true;
      } else if (*line == talk_end) {
        talk_over = true;
      } else if (log.first_problem.empty()) {
        log.first_problem = "unexpected line " + line->substr(0, 80);
      }
    }
  };
  ReaderLog watcher_log, talker_log, flooder_log;
  std::vector<ReaderLog*> logs = {&watcher_log, &talker_log, &flooder_log};
  std::atomic<bool> stop_flood{false};
  std::atomic<long> flood_sent{0};
  {
    std::jthread watching([&] { read_all(*watcher, watcher_log, true); });
    std::jthread talker_reading([&] { read_all(*talker, talker_log, false); });
    std::jthread flooder_reading([&] { read_all(*flooder, flooder_log, false); });
    // The flooder sends as fast as readers who keep reading let it: never more than `window`
    // lines (≈ 450 KB) ahead of the slowest of them, far inside the 1 MiB outbox. So only the
    // sleeper can fall behind, however the machine schedules the readers.
    std::jthread flooding([&] {
      constexpr long window = 2000;
      const std::string padding(200, 'p');
      const auto slowest = [&] {
        long least = watcher_log.flood_lines;
        for (ReaderLog* log : logs) least = std::min(least, log->flood_lines.load());
        return least;
      };
      long sent = 0;
      while (!stop_flood) {
        if (sent - slowest() > window) {
          std::this_thread::sleep_for(50us);
          continue;
        }
        std::string batch;
        for (int i = 0; i < 16; ++i) batch += "f " + std::to_string(sent++) + " " + padding + "\n";
        if (!flooder->send(batch)) break;
        flood_sent = sent;
      }
      flooder->send("end of flood\n");
    });

    // ~200 timestamped lines per second for 3 s while the flood runs and the sleeper sleeps.
    constexpr int talk_lines = 600;
    const auto talk_start = Clock::now();
    for (int i = 0; i < talk_lines; ++i) {
      std::this_thread::sleep_until(talk_start + i * 5ms);
      if (!talker->send("t " + std::to_string(i) + " " + std::to_string(now_ns()) + "\n")) break;
    }
    // The flood goes on until the sleeper is out (a slow machine pushes less in 3 s).
    eventually([&] { return watcher_log.evictions_seen > 0; },
               std::chrono::milliseconds(15s) * slowdown);
    stop_flood = true;
    flooding.join();
    talker->send("done\n");
  }

  for (ReaderLog* log : logs) {
    const char* who = log == &watcher_log ? "watcher" : log == &talker_log ? "talker" : "flooder";
    EXPECT_EQ(log->first_problem, "") << who;
    EXPECT_EQ(log->flood_lines.load(), flood_sent.load()) << who << " missed flood lines";
    EXPECT_EQ(log->talker_lines, 600) << who << " missed talker lines";
    EXPECT_EQ(log->evictions_seen.load(), 1) << who << " must see '" << evicted << "' exactly once";
  }
  EXPECT_TRUE(sleeper.wait_closed(read_timeout)) << "the sleeper must be disconnected";

  // The real latency figures live in benchmarks/; this bound only catches a server that stalls
  // everybody behind one slow client (a blocked writer, a room waiting on a full socket).
  std::vector<double> latencies = watcher_log.latencies_ms;
  const double p50 = percentile(latencies, 0.50);
  const double p99 = percentile(latencies, 0.99);
  const double worst = latencies.empty() ? 0 : latencies.back();
  std::cout << "[ figures  ] flood of " << flood_sent << " lines ("
            << figure(static_cast<double>(flood_sent) * 210 / MiB)
            << " MiB); talker -> watcher latency over " << latencies.size() << " lines: p50 "
            << figure(p50, 2) << " ms, p99 " << figure(p99, 2) << " ms, max " << figure(worst, 2)
            << " ms\n";
  RecordProperty("p99_latency_us", std::to_string(static_cast<long>(p99 * 1000)));
  RecordProperty("flood_lines", std::to_string(flood_sent.load()));
  EXPECT_LT(p99, 200.0 * slowdown) << "p99 send-to-receive latency, ms";

  // The sleeper pinned at most the 1 MiB outbox of log chunks before it went; readers keep the
  // rest moving. 32 MiB leaves room for allocator caches after tens of MB went through.
  expect_memory_bounded(baseline, 32 * MiB * memory_scale, "after the flood and the eviction");
  EXPECT_TRUE(fresh_client_can_chat());
}

// Sends `count` lines made by `make_line(i)` from `sender` while every client in `readers` reads
// them back, staying at most `window` lines ahead of the slowest, as people who read would.
// Each reader checks that its i-th line `is_expected(line, i)`. Returns the first thing that
// went wrong, or an empty string.
std::string pump(LineClient& sender, const std::vector<LineClient*>& readers, long count,
                 long window, const std::function<std::string(long)>& make_line,
                 const std::function<bool(const std::string&, long)>& is_expected) {
  std::vector<std::atomic<long>> received(readers.size());
  std::vector<std::string> problems(readers.size() + 1);  // one per reader, then the sender's
  {
    std::vector<std::jthread> reading;
    for (std::size_t r = 0; r < readers.size(); ++r) {
      reading.emplace_back([&, r] {
        for (long i = 0; i < count; ++i) {
          const auto line = readers[r]->read_line(read_timeout);
          if (!line || !is_expected(*line, i)) {
            problems[r] = "reader " + std::to_string(r) + " expected line " + std::to_string(i) +
                          ", got '" + line.value_or("nothing").substr(0, 80) + "'";
            received[r] = count + window;  // lets the sender finish
            return;
          }
          received[r] = i + 1;
        }
      });
    }
    std::string batch;
    for (long i = 0; i < count;) {
      long slowest = count;
      for (const auto& r : received) slowest = std::min(slowest, r.load());
      if (i - slowest >= window) {
        std::this_thread::sleep_for(50us);
        continue;
      }
      batch.clear();
      for (int k = 0; k < 16 && i < count; ++k) batch += make_line(i++) + "\n";
      if (!sender.send(batch)) {
        problems.back() = "the sender's connection failed at line " + std::to_string(i);
        break;
      }
    }
  }
  for (const auto& problem : problems)
    if (!problem.empty()) return problem;
  return {};
}

// Found by the slow-consumer case, which catches it in some runs: a member that keeps reading
// sometimes misses a run of up to 64 KiB of the room's lines (seen: 82, 168, 247 and 281 lines
// missing for one reader while the others got them). LogCursor::advance() (room_log.cpp) loads
// the chunk's published size and only then sealed(); when the room publishes more bytes into
// that chunk and seals it between the two loads, the stale size equals what the writer sent,
// sealed() is true, and the cursor jumps to the next chunk, over the bytes published meanwhile.
// visit_published() loads them in the safe order (sealed first). It is a race, so this case
// catches it in some runs only (a reader must be at the chunk being filled as it is sealed).
TEST_F(HostileClients, ReadersThatKeepUpGetEveryLineOnceWhileTheLogSealsChunksUnderThem) {
  start({"--rate", "0", "--notice-limit", "0"});
  auto sender = connect();
  std::vector<std::unique_ptr<LineClient>> readers;
  for (int i = 0; i < 3; ++i) readers.push_back(connect());
  ASSERT_TRUE(wait_for_members(*sender, 4));
  const std::string prefix = sender->name() + ":";

  // 130 MiB per member in ~220-byte lines. The check is cheap (number and length), so that the
  // readers keep up with the room and read at the chunk being filled, where the race is.
  const std::string padding(200, 's');
  const long lines = 600000 / slowdown;
  const auto line = [&](long i) { return std::to_string(i) + " " + padding; };
  const auto is_expected = [&](const std::string& got, long i) {
    return number_after(got, prefix) == i &&
           got.size() == prefix.size() + std::to_string(i).size() + 1 + padding.size();
  };
  std::vector<LineClient*> everyone = {sender.get()};
  for (auto& reader : readers) everyone.push_back(reader.get());
  const auto started = Clock::now();
  EXPECT_EQ(pump(*sender, everyone, lines, 2000, line, is_expected), "");
  std::cout << "[ figures  ] 4 members got " << lines << " lines each in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count()
            << " ms\n";
  EXPECT_TRUE(fresh_client_can_chat());
}

// With --history 0 the room keeps nothing for newcomers, so a line's bytes must be freed once
// every member has it. (Until 8e351d9 Room::history_pin_ held the log's first chunk, and with it
// every later one, forever; this case and the soak found it independently.)
TEST_F(HostileClients, WithHistoryOffRelayedLinesAreFreedOnceEveryoneHasThem) {
  start({"--rate", "0", "--history", "0", "--notice-limit", "0"});
  auto talker = connect();
  auto listener = connect();
  ASSERT_TRUE(wait_for_members(*talker, 2));
  const std::string name = talker->name();
  const ProcessStats baseline = stats();

  // 48 MiB through the room in 4 KiB lines; both members read everything.
  const std::string padding(4000, 'h');
  constexpr long lines = 12 * 1024;
  const auto line = [&](long i) { return std::to_string(i) + " " + padding; };
  const auto relayed = [&](const std::string& got, long i) { return got == name + ":" + line(i); };
  EXPECT_EQ(pump(*talker, {talker.get(), listener.get()}, lines, 256, line, relayed), "");

  // What is owed to nobody must be freed: a fixed budget, whatever the traffic. 16 MiB is far
  // above the one 64 KiB chunk in use plus allocator caches, far below the 48 MiB that went by.
  expect_memory_bounded(baseline, 16 * MiB * memory_scale, "after 48 MiB relayed with --history 0");
  EXPECT_TRUE(fresh_client_can_chat());
}

// With history on, Room::history_pin_ moves only when a message is said (remember_message), so
// notices (renames, joins, leaves) that pile up after the last message stay in memory however
// many there are, though a newcomer's replay is capped at half of --outbox and never reaches
// back that far. The pin could be moved up to `end - outbox/2` whenever the log grows.
TEST_F(HostileClients, NoticesPilingUpAfterTheLastMessageAreFreedOnceTooOldToReplay) {
  start({"--rate", "0", "--outbox", "1M"});  // --history 100; a replay holds at most 512 KiB
  auto renamer = connect();
  const std::string address = renamer->name();
  ASSERT_TRUE(next_is(*renamer, "* " + address + " joined"));
  ASSERT_TRUE(renamer->send("the last message\n"));
  ASSERT_TRUE(next_is(*renamer, address + ":the last message"));
  const std::string a(32, 'a'), b(32, 'b');
  ASSERT_TRUE(renamer->send("/nick " + b + "\n"));
  ASSERT_TRUE(next_is(*renamer, "* " + address + " is now known as " + b));
  const ProcessStats baseline = stats();

  // 8 MiB of rename notices, "* aaa… is now known as bbb…", 84 bytes each.
  constexpr long renames = 100000;
  const auto command = [&](long i) { return "/nick " + (i % 2 == 0 ? a : b); };
  const auto notice = [&](const std::string& got, long i) {
    return got == "* " + (i % 2 == 0 ? b : a) + " is now known as " + (i % 2 == 0 ? a : b);
  };
  EXPECT_EQ(pump(*renamer, {renamer.get()}, renames, 256, command, notice), "");

  // Bounded by the replay budget (512 KiB) plus a 64 KiB chunk, whatever the traffic; 4 MiB
  // leaves room for allocator caches and stays well below the 8 MiB that went by.
  expect_memory_bounded(baseline, 4 * MiB * memory_scale, "after 8 MiB of renames");
  EXPECT_TRUE(fresh_client_can_chat());
}

TEST_F(HostileClients, DefaultFloodControlDisconnectsAFlooderAndOthersAreUnaffected) {
  start({"--history", "0"});  // --rate 20 --burst 60 by default; notices on
  auto watcher = connect();
  ASSERT_TRUE(next_is(*watcher, "* " + watcher->name() + " joined"));
  auto talker = connect();
  ASSERT_TRUE(next_is(*watcher, "* " + talker->name() + " joined"));
  ASSERT_TRUE(next_is(*talker, "* " + talker->name() + " joined"));
  auto flooder = connect();
  const std::string flooder_name = flooder->name();
  for (LineClient* client : {watcher.get(), talker.get(), flooder.get()})
    ASSERT_TRUE(next_is(*client, "* " + flooder_name + " joined"));
  const ProcessStats baseline = stats();
  const auto started = Clock::now();

  std::jthread flooding([&] {
    std::string flood;
    for (int i = 0; i < 10000; ++i) flood += "flood " + std::to_string(i) + "\n";
    flooder->send(flood);  // fails part-way once the server has had enough
  });
  Lines talk;
  for (int i = 0; i < 10; ++i) {
    talk.push_back(talker->name() + ":talk " + std::to_string(i));
    ASSERT_TRUE(talker->send("talk " + std::to_string(i) + "\n"));
    std::this_thread::sleep_for(50ms);
  }

  // The watcher sees the flooder's first lines in order, the room told that it left, and every
  // line of the talker; nothing else.
  const std::string left = "* " + flooder_name + " left (flooding)";
  long flood_relayed = 0;
  int left_seen = 0;
  Lines talk_seen;
  Lines unexpected;
  while (left_seen == 0 || talk_seen.size() < talk.size()) {
    const auto line = watcher->read_line(read_timeout);
    ASSERT_TRUE(line) << "relayed " << flood_relayed << " flood lines, left seen " << left_seen
                      << ", talk seen " << talk_seen.size();
    if (number_after(*line, flooder_name + ":flood ") == flood_relayed) {
      ++flood_relayed;
    } else if (*line == left) {
      ++left_seen;
    } else if (line->starts_with(talker->name() + ":")) {
      talk_seen.push_back(*line);
    } else {
      unexpected.push_back(*line);
    }
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  EXPECT_EQ(talk_seen, talk);
  EXPECT_EQ(left_seen, 1);
  EXPECT_EQ(unexpected, Lines{});
  // The burst, plus what the bucket refilled (20/s) while the flooder was being cut off.
  EXPECT_GE(flood_relayed, 60);
  EXPECT_LE(static_cast<double>(flood_relayed), 60 + 20 * seconds + 1);
  std::cout << "[ figures  ] flood control relayed " << flood_relayed << " of 10000 flood lines\n";

  Lines flooder_saw;
  while (const auto line = flooder->read_line(read_timeout)) flooder_saw.push_back(*line);
  EXPECT_EQ(
      std::count(flooder_saw.begin(), flooder_saw.end(), "! slow down: lines are being dropped"),
      1);
  EXPECT_EQ(std::count(flooder_saw.begin(), flooder_saw.end(), "! disconnected: flooding"), 1);
  flooding.join();

  ASSERT_TRUE(talker->send("after the flood\n"));
  EXPECT_TRUE(next_is(*watcher, talker->name() + ":after the flood"));
  expect_memory_bounded(baseline, 8 * MiB * memory_scale, "after a flooder was cut off");
  EXPECT_TRUE(fresh_client_can_chat());
}

TEST_F(HostileClients,
       ResetsHalfClosesAndFiveHundredSilentConnectionsNeitherStallNorLeakTheServer) {
  start({"--idle-timeout", "1", "--history", "0", "--notice-limit", "0"});
  auto alice = connect();
  auto bob = connect();
  ASSERT_TRUE(wait_for_members(*alice, 2));
  const std::string alice_name = alice->name();
  const std::string bob_name = bob->name();

  // Alice and Bob chat all through the attack, each line checked exactly on both sides; talking
  // every ~100 ms also keeps them clear of the 1 s idle timeout.
  std::atomic<bool> stop_chat{false};
  std::mutex problem_lock;
  std::string chat_problem;
  std::atomic<int> rounds{0};
  std::jthread chatting([&] {
    const auto fail = [&](std::string what) {
      std::lock_guard lock(problem_lock);
      chat_problem = std::move(what);
    };
    for (; !stop_chat; ++rounds) {
      for (LineClient* speaker : {alice.get(), bob.get()}) {
        const std::string text = "round " + std::to_string(rounds.load());
        if (!speaker->send(text + "\n")) return fail("a chatter could not send");
        const std::string expected = (speaker == alice.get() ? alice_name : bob_name) + ":" + text;
        for (LineClient* listener : {alice.get(), bob.get()}) {
          const auto line = listener->read_line(read_timeout);
          if (line != expected)
            return fail("expected '" + expected + "', got '" + line.value_or("nothing") + "'");
        }
        std::this_thread::sleep_for(50ms);
      }
    }
  });
  ASSERT_TRUE(eventually([&] { return rounds > 0; }));
  const ProcessStats baseline = stats();

  // 500 silent connections (half of them with a partial line held, slowloris style), 500 that
  // send a partial line and reset, 500 that send a partial line and half-close. None of the
  // partial lines may reach Alice or Bob.
  constexpr int each = 500;
  std::vector<std::unique_ptr<LineClient>> silent, half_closed;
  for (int i = 0; i < each; ++i) {
    silent.push_back(connect());
    if (i % 2 == 1) {
      ASSERT_TRUE(silent.back()->send("GET / HTTP/1.1"));
    }
  }
  std::size_t most_fds = stats().open_descriptors;
  for (int i = 0; i < each; ++i) {
    auto resetter = connect();
    resetter->send("half a line, then RST");
    resetter->reset();
  }
  for (int i = 0; i < each; ++i) {
    half_closed.push_back(connect());
    half_closed.back()->send("half a line, then FIN");
    half_closed.back()->shutdown_send();
    most_fds = std::max(most_fds, stats().open_descriptors);
  }
  std::cout << "[ figures  ] server fds: baseline " << baseline.open_descriptors
            << ", most seen during the attack " << most_fds << "\n";

  // The server closes each half-closed connection once the room let it go...
  for (auto& client : half_closed) EXPECT_TRUE(client->wait_closed(read_timeout));
  // ...and tells each silent one it idled too long, then closes it.
  // (They are members: until then they receive Alice and Bob's lines like anyone else.)
  int timed_out = 0;
  for (auto& client : silent) {
    int notices = 0;
    bool only_chat_otherwise = true;
    while (const auto line = client->read_line(read_timeout)) {
      if (*line == "! disconnected: idle for too long") {
        ++notices;
      } else if (!line->starts_with(alice_name + ":round ") &&
                 !line->starts_with(bob_name + ":round ")) {
        only_chat_otherwise = false;
      }
    }
    if (notices == 1 && only_chat_otherwise && client->wait_closed(read_timeout)) ++timed_out;
  }
  EXPECT_EQ(timed_out, each);
  // Everything the attack opened in the server is closed again: the baseline counts the
  // listener, the epoll and timer descriptors and Alice and Bob; nothing else may remain.
  const bool back =
      eventually([&] { return stats().open_descriptors <= baseline.open_descriptors; },
                 std::chrono::milliseconds(5s) * slowdown);
  EXPECT_TRUE(back) << "server fds " << stats().open_descriptors << ", baseline "
                    << baseline.open_descriptors;

  stop_chat = true;
  chatting.join();
  EXPECT_EQ(chat_problem, "");
  std::cout << "[ figures  ] Alice and Bob chatted " << rounds << " rounds through the attack\n";
  // 1500 sessions came and went; their memory must have gone back to the allocator's caches.
  expect_memory_bounded(baseline, 16 * MiB * memory_scale, "after 1500 hostile connections");
  EXPECT_TRUE(fresh_client_can_chat());
}

// `threads` threads each run `cycles` times: connect, send "cycle T I", close at once.
// Returns the number of cycles that failed to connect or send.
int connect_send_close(std::uint16_t port, int threads, int cycles) {
  std::atomic<int> failures{0};
  std::vector<std::jthread> cycling;
  for (int t = 0; t < threads; ++t) {
    cycling.emplace_back([&, t] {
      for (int i = 0; i < cycles; ++i) {
        try {
          LineClient client(port);
          if (!client.send("cycle " + std::to_string(t) + " " + std::to_string(i) + "\n"))
            ++failures;
        } catch (const std::exception&) {
          ++failures;
        }
      }
    });
  }
  cycling.clear();  // joins
  return failures.load();
}

// The text of each "NAME:cycle T I" line `client` receives, up to its own `marker` line.
// Everything else (except lines starting with `also_allowed`) is returned in `others`.
std::multiset<std::string> cycle_lines_until(LineClient& client, const std::string& marker,
                                             const std::string& also_allowed, Lines& others) {
  std::multiset<std::string> cycles;
  for (;;) {
    const auto line = client.read_line(read_timeout);
    if (!line) {
      others.push_back("(the stream stopped before the marker)");
      return cycles;
    }
    if (*line == client.name() + ":" + marker) return cycles;
    const auto text_at = line->find(':', line->find(':') + 1);  // after "127.0.0.1:PORT:"
    const std::string text = text_at == std::string::npos ? *line : line->substr(text_at + 1);
    if (text.starts_with("cycle ")) {
      cycles.insert(text);
    } else if (also_allowed.empty() || !line->starts_with(also_allowed)) {
      others.push_back(*line);
    }
  }
}

std::multiset<std::string> all_cycle_lines(int threads, int cycles) {
  std::multiset<std::string> expected;
  for (int t = 0; t < threads; ++t)
    for (int i = 0; i < cycles; ++i)
      expected.insert("cycle " + std::to_string(t) + " " + std::to_string(i));
  return expected;
}

TEST_F(HostileClients, TwoThousandConnectSendCloseCyclesFromFourThreadsReturnDescriptorsAndMemory) {
  start({"--history", "0", "--notice-limit", "0"});
  auto watcher = connect();
  ASSERT_TRUE(wait_for_members(*watcher, 1));
  const ProcessStats baseline = stats();

  EXPECT_EQ(connect_send_close(port_, 4, 500), 0);
  // Descriptors come back to the baseline; the assertion allows a few more for closes still in
  // flight when we look, the wait does not (it also orders the marker below).
  wait_until_only_baseline_sessions(baseline);
  const ProcessStats after = stats();
  EXPECT_LE(after.open_descriptors, baseline.open_descriptors + 3);

  // Every session is over, so the room has handled every Say: the watcher's marker comes after
  // all of them. Each relayed line is one the cycles sent, once. (That every one of them is
  // relayed is the business of ALineSentJustBeforeClosing... below: under load a few are lost.)
  ASSERT_TRUE(watcher->send("after the churn\n"));
  Lines others;
  const auto relayed = cycle_lines_until(*watcher, "after the churn", "", others);
  EXPECT_EQ(others, Lines{});
  const auto expected = all_cycle_lines(4, 500);
  EXPECT_TRUE(std::includes(expected.begin(), expected.end(), relayed.begin(), relayed.end()))
      << "a line relayed twice, or one nobody sent";
  std::cout << "[ figures  ] " << relayed.size() << " of 2000 cycle lines relayed; server fds "
            << after.open_descriptors << " after, baseline " << baseline.open_descriptors << "\n";
  RecordProperty("fds_after", std::to_string(after.open_descriptors));
  RecordProperty("fds_baseline", std::to_string(baseline.open_descriptors));

  // Up to a few hundred sessions overlap; what they used goes back to the allocator's caches.
  expect_memory_bounded(baseline, 16 * MiB * memory_scale, "after 2000 connect/send/close cycles");
  EXPECT_TRUE(fresh_client_can_chat());
}

// Found by the churn case under load. A client that sends a complete line and closes at once
// (as `printf 'hi\n' | nc -q0 HOST PORT` does) loses that line whenever the server writes room
// traffic to it before reading it: the write fails (EPIPE or ECONNRESET, the client is gone),
// write_lines() calls Connection::end(), which sets `closing` and cancels the socket, and
// read_lines() leaves its loop without reading the line that sits in the receive buffer. The
// protocol discards only "bytes after the last \n". With other traffic flowing to every member,
// 2 to 20 of these 400 lines are lost per run here; the churn case, without it, loses about 1%.
TEST_F(HostileClients, ALineSentJustBeforeClosingIsRelayedEvenWhenWritingToThatClientFails) {
  start({"--rate", "0", "--history", "0", "--notice-limit", "0"});
  auto watcher = connect();
  auto talker = connect();
  ASSERT_TRUE(wait_for_members(*watcher, 2));
  const std::string talker_name = talker->name();
  const ProcessStats two_clients = stats();

  // The talker keeps traffic flowing to every member, so that the server writes to each cycling
  // client while it is still connected, or just after it has gone.
  std::atomic<bool> stop_talking{false};
  std::multiset<std::string> relayed;
  Lines watcher_others;
  {
    std::jthread talking([&] {
      for (int i = 0; !stop_talking; ++i) {
        if (!talker->send("noise " + std::to_string(i) + "\n")) return;
        if (i % 10 == 9) std::this_thread::sleep_for(1ms);
      }
      talker->send("talk over\n");
    });
    std::jthread talker_draining([&] {
      while (const auto line = talker->read_line(read_timeout))
        if (*line == talker_name + ":talk over") return;
    });
    std::jthread watching([&] {
      relayed = cycle_lines_until(*watcher, "the end", talker_name + ":", watcher_others);
    });
    EXPECT_EQ(connect_send_close(port_, 4, 100), 0);
    stop_talking = true;
    talking.join();
    talker_draining.join();
    // Every cycling session is over (only the watcher and the talker remain), so the room has
    // handled every line they sent; then the watcher's own marker closes the record.
    EXPECT_TRUE(wait_until_only_baseline_sessions(two_clients));
    ASSERT_TRUE(watcher->send("the end\n"));
  }
  EXPECT_EQ(watcher_others, Lines{});
  const auto expected = all_cycle_lines(4, 100);
  std::cout << "[ figures  ] " << relayed.size()
            << " of 400 lines sent just before closing were relayed\n";
  EXPECT_EQ(relayed.size(), expected.size()) << "complete lines lost";
  EXPECT_TRUE(relayed == expected);
  EXPECT_TRUE(fresh_client_can_chat());
}

TEST_F(HostileClients, FiveThousandIdleConnectionsAllJoinTheRoomAndCostLittleMemoryEach) {
  constexpr std::size_t idle_count = 5000;
  const rlim_t descriptors = raise_descriptor_limit();
  if (descriptors < idle_count + 200)
    GTEST_SKIP() << "RLIMIT_NOFILE hard limit " << descriptors << " is too low";
  start({"--history", "0", "--notice-limit", "0"});
  auto speaker = connect();
  ASSERT_TRUE(wait_for_members(*speaker, 1));
  ASSERT_TRUE(speaker->send("warm up\n"));
  ASSERT_TRUE(next_is(*speaker, speaker->name() + ":warm up"));
  const ProcessStats baseline = stats();

  std::vector<std::unique_ptr<LineClient>> idle;
  idle.reserve(idle_count);
  const auto connecting = Clock::now();
  for (std::size_t i = 0; i < idle_count; ++i) {
    try {
      idle.push_back(connect());
    } catch (const std::exception&) {
      FAIL() << "connection " << i << " failed";
    }
  }
  // /who counts every member truthfully, however many it lists.
  ASSERT_TRUE(wait_for_members(*speaker, idle_count + 1));
  const double join_seconds = std::chrono::duration<double>(Clock::now() - connecting).count();
  const ProcessStats joined = stats();

  const double per_connection =
      (static_cast<double>(joined.resident_bytes) - static_cast<double>(baseline.resident_bytes)) /
      static_cast<double>(idle_count);
  std::cout << "[ figures  ] " << idle_count << " idle connections joined in "
            << figure(join_seconds, 2) << " s; server VmRSS "
            << figure(static_cast<double>(baseline.resident_bytes) / MiB) << " -> "
            << figure(static_cast<double>(joined.resident_bytes) / MiB)
            << " MiB = " << static_cast<long>(per_connection) << " bytes per connection; fds "
            << baseline.open_descriptors << " -> " << joined.open_descriptors << "\n";
  RecordProperty("rss_per_connection_bytes", std::to_string(static_cast<long>(per_connection)));
  EXPECT_GE(joined.open_descriptors, baseline.open_descriptors + idle_count);
  EXPECT_LE(joined.open_descriptors, baseline.open_descriptors + idle_count + 3);
  // The target figure is tracked in docs/benchmarks.md; this only catches a gross regression
  // (a preallocated queue or read buffer per connection would cost 16 KiB or more by itself).
  if (memory_bounds_hold) {
    EXPECT_LT(per_connection, static_cast<double>(16 * KiB * memory_scale));
  }

  // Every one of them is really in the room: one line reaches all of them, and only that.
  ASSERT_TRUE(speaker->send("hello, idle crowd\n"));
  const std::string expected = speaker->name() + ":hello, idle crowd";
  EXPECT_TRUE(next_is(*speaker, expected));
  std::size_t received = 0;
  for (auto& client : idle) {
    if (client->read_line(read_timeout) == expected) ++received;
  }
  EXPECT_EQ(received, idle_count);
  const ProcessStats after_message = stats();
  const double per_connection_after = (static_cast<double>(after_message.resident_bytes) -
                                       static_cast<double>(baseline.resident_bytes)) /
                                      static_cast<double>(idle_count);
  std::cout << "[ figures  ] after one message to all of them: "
            << static_cast<long>(per_connection_after) << " bytes per connection\n";
  RecordProperty("rss_per_connection_after_a_message_bytes",
                 std::to_string(static_cast<long>(per_connection_after)));
  if (memory_bounds_hold) {
    EXPECT_LT(per_connection_after, static_cast<double>(16 * KiB * memory_scale));
  }

  idle.clear();
  const bool back =
      eventually([&] { return stats().open_descriptors <= baseline.open_descriptors + 3; },
                 std::chrono::milliseconds(10s) * slowdown);
  EXPECT_TRUE(back) << "server fds " << stats().open_descriptors << ", baseline "
                    << baseline.open_descriptors;
  EXPECT_TRUE(fresh_client_can_chat());
}

TEST_F(HostileClients, SigtermFlushesTheSameInOrderPrefixToEveryReaderThenClosesAndExitsZero) {
  start({"--rate", "0", "--history", "0", "--notice-limit", "0"});
  auto sender = connect();
  RawConnection live_reader(port_);
  // Reads nothing until the signal, through a small window: its lines queue up in the server.
  RawConnection late_reader(port_, 4096);
  ASSERT_TRUE(wait_for_members(*sender, 3));
  const std::string name = sender->name();
  const std::string padding(200, 'q');

  std::string live_bytes, late_bytes;
  std::atomic<std::size_t> live_lines{0}, late_lines{0};
  RawConnection::End live_end{}, late_end{};
  Lines echoes;
  std::chrono::duration<double> exit_after{};
  std::optional<int> status;
  {
    std::jthread live(
        [&] { live_end = live_reader.read_until_closed(live_bytes, live_lines, read_timeout); });
    std::jthread echoing([&] {
      while (const auto line = sender->read_line(read_timeout)) echoes.push_back(*line);
    });
    // ~200 µs apart, so that the signal lands mid-stream; 220-byte lines, so that the late
    // reader's share (~100 KB by then) outgrows the kernel's buffers.
    std::jthread sending([&] {
      for (int i = 0; i < 1000; ++i) {
        if (!sender->send("line " + std::to_string(i) + " " + padding + "\n"))
          break;  // the server may be gone
        std::this_thread::sleep_for(200us);
      }
    });
    // Mid-stream: line 500 is through, later ones are in flight or queued.
    ASSERT_TRUE(eventually([&] { return live_lines.load() > 500; }, read_timeout));
    chatd_->signal(SIGTERM);
    const auto signalled = Clock::now();
    late_end = late_reader.read_until_closed(late_bytes, late_lines, read_timeout);
    status = wait_for_exit(std::chrono::milliseconds(10s) * slowdown);
    exit_after = Clock::now() - signalled;
    stopped_ = true;
  }
  EXPECT_EQ(status, 0) << chatd_->error_output();
  EXPECT_EQ(chatd_->error_output(), "");
  std::cout << "[ figures  ] exited " << figure(exit_after.count() * 1000, 0)
            << " ms after SIGTERM, having relayed " << live_lines
            << " of 1000 lines; the late reader got " << late_bytes.size()
            << " bytes after the signal\n";
  // The server's own drain deadline is 2.5 s; sanitizers add their exit-time checks on top.
  EXPECT_LE(exit_after.count(), 3.0 + (slowdown - 1) * 1.0) << "seconds from SIGTERM to exit";

  // Every member is owed the same room log up to the moment of the Stop: the three copies must
  // be one contiguous, in-order prefix of what was sent, each ending with a complete line and
  // an orderly close.
  const auto as_lines = [](const std::string& bytes) {
    Lines lines;
    std::size_t start = 0;
    for (std::size_t end; (end = bytes.find('\n', start)) != std::string::npos; start = end + 1)
      lines.push_back(bytes.substr(start, end - start));
    return lines;
  };
  const Lines live = as_lines(live_bytes);
  ASSERT_GT(live.size(), 500u);
  Lines prefix;
  for (std::size_t i = 0; i < live.size(); ++i)
    prefix.push_back(name + ":line " + std::to_string(i) + " " + padding);
  EXPECT_EQ(live, prefix);
  EXPECT_EQ(as_lines(late_bytes), prefix) << "the reader that was behind got the same lines";
  EXPECT_EQ(echoes, prefix) << "the sender got the same lines";
  EXPECT_TRUE(live_bytes.ends_with('\n'));
  EXPECT_TRUE(late_bytes.ends_with('\n'));
  EXPECT_EQ(live_end, RawConnection::End::closed);
  EXPECT_EQ(late_end, RawConnection::End::closed);
}

// Found by TearDown under TSan. shut_down_on_signal() (chatd_main.cpp) awaits
// `wait_drained() || deadline || second signal` in a coroutine spawned on the io_context itself,
// not on a strand; with --threads 2 the group's branches start and finish on both threads at
// once. When the drain completes at once (no client left), one thread clears the group's
// cancellation slot (cancellation_signal.ipp:42) while the other is still installing it
// (parallel_group.hpp:394): a data race TSan reports in about one shutdown in five. Spawning
// it on a strand (asio::make_strand(io)) would serialise them. Plain builds pass this case.
TEST_F(HostileClients, SigtermRightAfterTheLastClientLeftExitsCleanlyEveryTime) {
  for (int round = 0; round < 20 && !HasFailure(); ++round) {
    start({"--notice-limit", "0"});
    {
      auto client = connect();
      ASSERT_TRUE(client->send("hello\n"));
      ASSERT_TRUE(next_is(*client, client->name() + ":hello"));
    }
    std::this_thread::sleep_for(20ms);  // the session ends; the server is idle again
    TearDown();                         // SIGTERM; exit 0 with nothing on stderr
  }
}

}  // namespace
}  // namespace chatd::test
