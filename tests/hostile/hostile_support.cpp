// The hostile suite's fixture and helpers; see hostile_support.hpp.
#include "hostile/hostile_support.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <exception>
#include <iostream>
#include <thread>

#include "support/free_port.hpp"
#include "support/test_server.hpp"

namespace chatd::test {

using namespace std::chrono_literals;


std::string figure(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

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

long number_after(std::string_view line, std::string_view prefix) {
  if (!line.starts_with(prefix)) return -1;
  line.remove_prefix(prefix.size());
  long value = -1;
  const auto [end, error] = std::from_chars(line.data(), line.data() + line.size(), value);
  if (error != std::errc{}) return -1;
  return value;
}

void HostileClients::TearDown() {
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

std::optional<int> HostileClients::wait_for_exit(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    chatd_->error_output();
    if (const auto status = chatd_->wait_exit(50ms)) return status;
    if (!is_running(chatd_->pid()))
      return chatd_->wait_exit(50ms);  // killed by a signal, or just exited
    if (Clock::now() >= deadline) return std::nullopt;
  }
}

void HostileClients::start(const std::vector<std::string>& flags) {
  raise_descriptor_limit();
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = free_port();
    web_port_ = free_port();
    std::vector<std::string> args = {"--port",    std::to_string(port_),
                                     "--web",     "127.0.0.1:" + std::to_string(web_port_),
                                     "--irc",     "off",
                                     "--threads", "4",
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

bool HostileClients::serving() {
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

ProcessStats HostileClients::stats() {
  const auto now = read_process_stats(chatd_->pid());
  EXPECT_TRUE(now) << "chatd is gone: " << chatd_->error_output();
  return now.value_or(ProcessStats{});
}

void HostileClients::expect_memory_bounded(const ProcessStats& baseline, std::size_t bound,
                                           const char* what) {
  const ProcessStats now = stats();
  const auto grown =
      static_cast<double>(now.resident_bytes) - static_cast<double>(baseline.resident_bytes);
  const auto peak =
      static_cast<double>(now.peak_resident_bytes) - static_cast<double>(baseline.resident_bytes);
  std::cout << "[ figures  ] " << what << ": VmRSS " << figure(grown / MiB)
            << " MiB above baseline (" << figure(static_cast<double>(baseline.resident_bytes) / MiB)
            << " MiB), peak " << figure(peak / MiB) << " MiB above, " << now.open_descriptors
            << " fds (baseline " << baseline.open_descriptors << ")\n";
  RecordProperty("rss_growth_bytes", std::to_string(static_cast<long long>(grown)));
  RecordProperty("peak_rss_growth_bytes", std::to_string(static_cast<long long>(peak)));
  if (!memory_bounds_hold) return;
  EXPECT_LT(grown, static_cast<double>(bound))
      << what << ": VmRSS grew by " << figure(grown / MiB) << " MiB";
  EXPECT_LT(peak, static_cast<double>(bound))
      << what << ": VmHWM rose " << figure(peak / MiB) << " MiB above the baseline RSS";
}

bool HostileClients::wait_until_only_baseline_sessions(const ProcessStats& baseline) {
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

::testing::AssertionResult HostileClients::wait_for_members(LineClient& asker, std::size_t count) {
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

::testing::AssertionResult HostileClients::fresh_client_can_chat() {
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
    if (!line) return ::testing::AssertionFailure() << "a fresh client never got its own line back";
    if (*line == expected) return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "a fresh client's line drowned in 1000 others";
}

::testing::AssertionResult next_is(LineClient& client, const std::string& expected) {
  const auto line = client.read_line(read_timeout);
  if (!line) return ::testing::AssertionFailure() << "expected '" << expected << "', got nothing";
  if (*line != expected)
    return ::testing::AssertionFailure() << "expected '" << expected << "', got '" << *line << "'";
  return ::testing::AssertionSuccess();
}

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

}  // namespace chatd::test
