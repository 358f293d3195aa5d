// Hostile and heavy cases for the web door, against the real chatd process: a WebSocket member
// that never reads, a thousand WebSocket members and a hundred line members in one room, slow
// HTTP clients, garbage, a full server, the idle timeout, and /healthz during the drain.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "hostile/hostile_support.hpp"
#include "support/http_exchange.hpp"
#include "support/ws_client.hpp"

namespace chatd::test {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<WsClient> ws_member(std::uint16_t port, int receive_buffer = 0) {
  auto client = std::make_unique<WsClient>(port, WsClient::Options{"/ws", "", receive_buffer});
  const auto welcome = client->read(read_timeout);
  EXPECT_TRUE(welcome && text_of(*welcome, "type") == "welcome");
  return client;
}

TEST_F(HostileClients, AWebSocketMemberThatNeverReadsIsEvictedAndOthersGetEverything) {
  start({"--rate", "0", "--outbox", "1M", "--notice-limit", "0", "--history", "0"});
  auto sleeper = ws_member(web_port_, 4096);
  auto reader = ws_member(web_port_);
  auto watcher = connect();
  auto flooder = connect();
  ASSERT_TRUE(wait_for_members(*watcher, 4));
  // 8 MB through a room whose outbox is 1 MiB: the sleeper falls behind and is evicted. The
  // flooder stays at most `window` lines (about 400 KB) ahead of the two readers, as people who
  // read would.
  const std::string pad(200, 'p');
  constexpr long lines = 40000;
  constexpr long window = 2000;
  const std::string from = flooder->name() + ":";
  std::atomic<long> seen_by_reader{0};
  std::atomic<long> seen_by_watcher{0};
  std::string reader_problem;
  std::string watcher_problem;
  std::thread read_web([&] {
    while (seen_by_reader < lines) {
      const auto frame = reader->read(read_timeout);
      if (!frame) {
        reader_problem = "the WebSocket reader stalled at " + std::to_string(seen_by_reader);
        return;
      }
      if (number_after(text_of(*frame, "text"), "f ") != seen_by_reader) {
        reader_problem = "reader: " + text_of(*frame, "text").substr(0, 40);
        return;
      }
      ++seen_by_reader;
    }
  });
  std::thread read_line([&] {
    while (seen_by_watcher < lines) {
      const auto line = watcher->read_line(read_timeout);
      if (!line) {
        watcher_problem = "the line watcher stalled at " + std::to_string(seen_by_watcher);
        return;
      }
      if (!line->starts_with(from) ||
          number_after(std::string_view(*line).substr(from.size()), "f ") != seen_by_watcher) {
        watcher_problem = "watcher: " + line->substr(0, 40);
        return;
      }
      ++seen_by_watcher;
    }
  });
  // The flooder is a member too: it reads its own echoes, or it would be the next one evicted.
  std::thread drain_echoes([&] {
    for (long i = 0; i < lines && flooder->read_line(read_timeout); ++i) {
    }
  });
  const auto deadline = Clock::now() + 60s * slowdown;
  for (long i = 0; i < lines && Clock::now() < deadline; ++i) {
    while (std::min(seen_by_reader.load(), seen_by_watcher.load()) < i - window &&
           reader_problem.empty() && watcher_problem.empty() && Clock::now() < deadline)
      std::this_thread::sleep_for(1ms);
    if (!flooder->send("f " + std::to_string(i) + " " + pad + "\n")) break;
  }
  read_web.join();
  read_line.join();
  drain_echoes.join();
  EXPECT_EQ(reader_problem, "");
  EXPECT_EQ(watcher_problem, "");
  ASSERT_TRUE(wait_for_members(*watcher, 3)) << "the sleeper is gone";
  EXPECT_TRUE(sleeper->wait_closed(read_timeout)) << "its connection is closed";
  EXPECT_TRUE(fresh_client_can_chat());
}

TEST_F(HostileClients, AThousandWebSocketAndAHundredLineMembersSeeOneOrder) {
  start({"--rate", "0", "--notice-limit", "0", "--history", "0"});
  std::vector<std::unique_ptr<WsClient>> browsers;
  std::vector<std::unique_ptr<LineClient>> terminals;
  for (int i = 0; i < 1000; ++i) browsers.push_back(ws_member(web_port_));
  for (int i = 0; i < 100; ++i) terminals.push_back(connect());
  ASSERT_TRUE(wait_for_members(*terminals.front(), 1100));
  // Two senders of each kind, interleaving as fast as they can.
  constexpr int per_sender = 50;
  std::thread line_a([&] { for (int i = 0; i < per_sender; ++i) terminals[1]->send("la " + std::to_string(i) + "\n"); });
  std::thread line_b([&] { for (int i = 0; i < per_sender; ++i) terminals[2]->send("lb " + std::to_string(i) + "\n"); });
  std::thread web_a([&] { for (int i = 0; i < per_sender; ++i) browsers[1]->send("wa " + std::to_string(i)); });
  std::thread web_b([&] {
    for (int i = 0; i < per_sender; ++i)
      browsers[2]->send(R"({"type":"say","text":"wb )" + std::to_string(i) + "\"}");
  });
  for (auto* sender : {&line_a, &line_b, &web_a, &web_b}) sender->join();
  constexpr int total = 4 * per_sender;
  // The first terminal's order is the room's; everyone must have exactly that, names and all.
  std::vector<std::string> order;
  for (int i = 0; i < total; ++i) {
    const auto line = terminals.front()->read_line(read_timeout);
    ASSERT_TRUE(line) << "line " << i;
    order.push_back(*line);
  }
  for (std::size_t t = 1; t < terminals.size(); ++t) {
    for (int i = 0; i < total; ++i) {
      const auto line = terminals[t]->read_line(read_timeout);
      ASSERT_TRUE(line) << terminals[t]->name() << " at " << i;
      ASSERT_EQ(*line, order[static_cast<std::size_t>(i)]) << terminals[t]->name() << " at " << i;
    }
  }
  for (const auto& browser : browsers) {
    for (int i = 0; i < total; ++i) {
      const auto frame = browser->read(read_timeout);
      ASSERT_TRUE(frame) << browser->name() << " at " << i;
      ASSERT_EQ(text_of(*frame, "from") + ":" + text_of(*frame, "text"),
                order[static_cast<std::size_t>(i)])
          << browser->name() << " at " << i;
    }
  }
  EXPECT_TRUE(fresh_client_can_chat());
}

TEST_F(HostileClients, SlowHttpClientsAreCutOffAtTheDeadlineAndServiceGoesOn) {
  start({});
  // A hundred slowloris connections: each sends part of a request and then a byte at a time.
  std::vector<std::unique_ptr<LineClient>> slow;
  for (int i = 0; i < 100; ++i) {
    slow.push_back(std::make_unique<LineClient>(web_port_));
    slow.back()->send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  }
  EXPECT_EQ(http_get(web_port_, "/healthz").status_line, "HTTP/1.1 200 OK") << "still serving";
  EXPECT_TRUE(fresh_client_can_chat());
  const auto started = Clock::now();
  for (int second = 0; second < 4; ++second) {
    for (auto& client : slow) client->send("X");
    std::this_thread::sleep_for(1s);
  }
  for (auto& client : slow) EXPECT_TRUE(client->wait_closed(20s * slowdown));
  const auto took = Clock::now() - started;
  EXPECT_GE(took, 5s) << "not before the 10 s deadline, counted from the connection";
  EXPECT_LE(took, 20s * slowdown);
  EXPECT_TRUE(fresh_client_can_chat());
}

TEST_F(HostileClients, GarbageOnTheWebPortGetsA400AndChangesNothing) {
  start({});
  std::string garbage;
  for (int i = 0; i < 4096; ++i) garbage += static_cast<char>((i * 7919) % 256);
  const HttpAnswer answer = http_exchange(web_port_, garbage + "\r\n\r\n", read_timeout);
  EXPECT_TRUE(answer.status_line.empty() || answer.status_line.starts_with("HTTP/1.1 4"))
      << answer.status_line;
  EXPECT_EQ(http_get(web_port_, "/healthz").status_line, "HTTP/1.1 200 OK");
  EXPECT_TRUE(fresh_client_can_chat());
}

TEST_F(HostileClients, AFullServerRefusesHttpWith503) {
  start({"--max-clients", "2"});
  auto first = connect();
  auto second = connect();
  ASSERT_TRUE(wait_for_members(*first, 2));
  const HttpAnswer refused = http_get(web_port_, "/");
  EXPECT_EQ(refused.status_line, "HTTP/1.1 503 Service Unavailable");
  EXPECT_EQ(refused.body, "server full");
}

TEST_F(HostileClients, AnIdleWebSocketMemberIsClosedWithItsReason) {
  start({"--idle-timeout", "1"});
  auto idle = ws_member(web_port_);
  EXPECT_TRUE(idle->wait_closed(10s * slowdown));
  EXPECT_EQ(idle->close_code(), 1008);
  EXPECT_EQ(idle->close_reason(), "idle for too long");
}

TEST_F(HostileClients, HealthzSays503WhileTheServerDrains) {
  start({});
  // A kept-alive HTTP connection waiting for its next request holds the drain open (until the
  // request deadline or the drain deadline, whichever comes first).
  LineClient kept_alive(web_port_);
  ASSERT_TRUE(kept_alive.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  ASSERT_EQ(kept_alive.read_line(read_timeout), "HTTP/1.1 200 OK\r");
  chatd_->signal(SIGTERM);
  HttpAnswer draining;
  for (int attempt = 0; attempt < 50 && draining.status_line != "HTTP/1.1 503 Service Unavailable";
       ++attempt) {
    draining = http_get(web_port_, "/healthz");
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(draining.status_line, "HTTP/1.1 503 Service Unavailable");
  EXPECT_EQ(draining.body, "draining");
  EXPECT_EQ(wait_for_exit(10s * slowdown), 0);
  stopped_ = true;
  EXPECT_EQ(chatd_->error_output(), "");
}

}  // namespace
}  // namespace chatd::test
