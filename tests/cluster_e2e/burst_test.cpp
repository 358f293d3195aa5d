// A burst across the cluster: three senders on three nodes put 20 000 lines of 100 bytes into
// one room without flood control. Every member who reads gets all of them in one order; a member
// who never reads is evicted by its own node without holding anyone else up.
#include <gtest/gtest.h>

#include <atomic>

#include "cluster_e2e/cluster_support.hpp"
#include "support/redis_server.hpp"

namespace chatd::test {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t nodes = 3;
constexpr std::size_t readers_per_node = 2;
constexpr long total = 20000;
constexpr std::size_t text_bytes = 100;
constexpr long chunk = 50;  // lines per send
// How far the senders may run ahead of the slowest reader, in bytes of text: well inside
// --outbox 256K, so that only the member who never reads falls that far behind.
constexpr std::size_t window = 160 * 1024;
// The burst alone may never evict anyone: the kernel buffers megabytes for a socket that is not
// read (its send buffer grows up to tcp_wmem's 4 MB). So one sender goes on with 1 KB lines
// until the non-reader is out, or this much more has been said.
constexpr std::size_t filler_bytes = 1000;
constexpr std::size_t max_filler = 16 << 20;

// The senders pace themselves on the readers: bytes of text sent in all, and read by each.
struct Pace {
  explicit Pace(std::size_t readers) : read(readers) {}
  static constexpr std::size_t finished = std::size_t{1} << 60;

  void wait_for_room() const {
    for (;;) {
      std::size_t slowest = finished;
      for (const auto& each : read) slowest = std::min(slowest, each.load());
      if (sent.load() < slowest + window) return;
      std::this_thread::sleep_for(100us);
    }
  }

  std::atomic<std::size_t> sent{0};
  std::vector<std::atomic<std::size_t>> read;
};

long lines_of(std::size_t sender) {
  const long count = static_cast<long>(nodes);
  return total / count + (static_cast<long>(sender) < total % count ? 1 : 0);
}

std::string text_of_line(std::size_t sender, long i) {
  std::string text = "s" + std::to_string(sender) + "-" + std::to_string(i) + " ";
  text.resize(text_bytes, '.');
  return text;
}

// Everything wrong with one member's sequence, or "". Sender n says "sn-K ..."; its name is
// names[n] (names are "IP:PORT" and need not be unique across the nodes' ports).
std::string problems_in(const Lines& received, const Lines& names) {
  if (received.size() != static_cast<std::size_t>(total))
    return "got " + std::to_string(received.size()) + " of " + std::to_string(total);
  std::vector<long> next(nodes, 0);
  for (const auto& line : received) {
    const auto colon = line.rfind(':');
    std::size_t sender = nodes;
    if (colon != std::string::npos && line.compare(colon + 1, 1, "s") == 0)
      sender = std::stoul(line.substr(colon + 2));
    if (sender >= nodes || line.substr(0, colon) != names[sender])
      return "a message from nobody here: '" + line.substr(0, 40) + "...'";
    const std::string due = text_of_line(sender, next[sender]);
    if (line.substr(colon + 1) != due)
      return "'" + line.substr(0, 40) + "...' where '" + due.substr(0, 12) +
             "' was due (lost, repeated or out of order)";
    ++next[sender];
  }
  return {};
}

TEST(ClusterBurst, TwentyThousandLinesFromThreeNodesReachEveryReaderInOneOrder) {
  RedisServer redis;
  std::vector<std::unique_ptr<ChatdNode>> cluster;
  for (std::size_t n = 0; n < nodes; ++n)
    cluster.push_back(std::make_unique<ChatdNode>(
        redis.url(), "node-" + std::to_string(n),
        std::vector<std::string>{"--rate", "0", "--outbox", "256K", "--notice-limit", "0"}));
  // Senders read too (they are members like any other): readers[n] is node n's sender.
  std::vector<std::unique_ptr<LineClient>> readers;
  for (std::size_t n = 0; n < nodes; ++n) readers.push_back(cluster[n]->connect());
  for (std::size_t n = 0; n < nodes; ++n)
    for (std::size_t r = 0; r < readers_per_node; ++r) readers.push_back(cluster[n]->connect());
  auto never_reads = cluster[1]->connect(4096);
  Lines names;
  for (std::size_t n = 0; n < nodes; ++n) names.push_back(readers[n]->name());
  {
    auto asker = cluster[0]->connect();
    const std::string all_in = "* " + std::to_string(readers.size() + 2) + " in lobby:";
    ASSERT_TRUE(ask_who_until(*asker, [&](const std::string& reply) {
                  return reply.starts_with(all_in);
                }).starts_with(all_in));
  }

  std::vector<Lines> received(readers.size());  // the burst's lines
  std::vector<std::size_t> fillers(readers.size(), 0);
  std::vector<char> ended(readers.size(), 0);  // not vector<bool>: each reader writes its own
  const std::string end_line = readers[0]->name() + ":end";
  Pace pace(readers.size());
  std::vector<std::string> send_failures(nodes);
  const std::string evicted = never_reads->name() + " disconnected (too slow)";
  std::size_t filler_sent = 0;
  const auto start = Clock::now();
  {
    std::vector<std::jthread> reading;
    for (std::size_t r = 0; r < readers.size(); ++r) {
      reading.emplace_back([&, r] {
        received[r].reserve(total);
        const auto deadline = Clock::now() + scaled(90s);
        while (Clock::now() < deadline) {
          auto line = readers[r]->read_line(read_timeout);
          if (!line) break;
          if (!is_message(*line)) continue;
          if (*line == end_line) {
            ended[r] = 1;
            break;
          }
          const std::size_t text = line->size() - line->rfind(':') - 1;
          if (text == filler_bytes)
            ++fillers[r];
          else
            received[r].push_back(std::move(*line));
          pace.read[r].fetch_add(text);
        }
        pace.read[r].store(Pace::finished);  // done or given up: holds nobody back any more
      });
    }
    {
      std::vector<std::jthread> sending;
      for (std::size_t n = 0; n < nodes; ++n) {
        sending.emplace_back([&, n] {
          std::string bytes;
          for (long i = 0; i < lines_of(n);) {
            pace.wait_for_room();
            bytes.clear();
            const long end = std::min(i + chunk, lines_of(n));
            pace.sent.fetch_add(static_cast<std::size_t>(end - i) * text_bytes);
            for (; i < end; ++i) bytes += text_of_line(n, i) + "\n";
            if (!readers[n]->send(bytes)) {
              send_failures[n] = "the connection failed at line " + std::to_string(i);
              return;
            }
          }
        });
      }
    }
    std::cout << "[ figures  ] " << total << " lines sent through " << nodes << " nodes, paced on "
              << readers.size() << " readers, in "
              << std::chrono::duration<double>(Clock::now() - start).count() << " s\n";
    const std::string filler(filler_bytes, 'f');
    while (filler_sent < max_filler && cluster[1]->log().find(evicted) == std::string::npos) {
      pace.wait_for_room();
      pace.sent.fetch_add(16 * filler_bytes);
      std::string bytes;
      for (int i = 0; i < 16; ++i) bytes += filler + "\n";
      if (!readers[0]->send(bytes)) break;
      filler_sent += 16 * filler_bytes;
    }
    readers[0]->send("end\n");
  }
  std::cout << "[ figures  ] the non-reader was evicted after another " << filler_sent / 1024
            << " KiB\n";

  for (std::size_t n = 0; n < nodes; ++n) EXPECT_EQ(send_failures[n], "") << "sender " << n;
  for (std::size_t r = 0; r < readers.size(); ++r) {
    EXPECT_TRUE(ended[r]) << "reader " << r << " never got the end";
    EXPECT_EQ(problems_in(received[r], names), "") << "reader " << r;
    EXPECT_EQ(fillers[r], filler_sent / filler_bytes) << "reader " << r;
  }
  for (std::size_t r = 1; r < readers.size(); ++r)
    EXPECT_TRUE(received[r] == received[0]) << "reader " << r << " saw another order";
  EXPECT_NE(cluster[1]->log().find(evicted), std::string::npos) << cluster[1]->log();
  EXPECT_TRUE(never_reads->wait_closed(scaled(10s))) << "the non-reader's connection stayed open";
}

}  // namespace
}  // namespace chatd::test
