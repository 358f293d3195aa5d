// A client that never reads, against the real chatd process: it is evicted while the members
// who keep reading get every line, in order and promptly, even as the room's log seals chunks
// under them.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "hostile/hostile_support.hpp"
#include "support/proc_stats.hpp"
#include "support/test_server.hpp"

namespace chatd::test {
namespace {

using namespace std::chrono_literals;

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

}  // namespace
}  // namespace chatd::test
