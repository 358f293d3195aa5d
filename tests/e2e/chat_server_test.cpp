// End to end: the real server in-process on an ephemeral loopback port, real sockets, blocking
// POSIX clients. Each test runs with 1, 2 and 4 server threads.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <map>
#include <memory>
#include <random>
#include <thread>

#include "support/line_client.hpp"
#include "net/line/line_door.hpp"
#include "support/test_server.hpp"

namespace chatd::test {
namespace {

using namespace std::chrono_literals;

class ChatServer : public ::testing::TestWithParam<unsigned> {
 protected:
  // Tutorial parity: no join/leave notices, no history replay, no flood control (each tested on
  // its own elsewhere).
  net::ServerOptions options = [] {
    net::ServerOptions plain;
    plain.room.history = 0;
    plain.room.notice_limit = 0;
    plain.session.rate = 0;  // these tests send faster than a person
    return plain;
  }();
  std::unique_ptr<TestServer> server;

  void start() { server = std::make_unique<TestServer>(GetParam(), options); }

  std::vector<std::unique_ptr<LineClient>> connect(std::size_t count, int receive_buffer = 0) {
    std::vector<std::unique_ptr<LineClient>> clients;
    for (std::size_t i = 0; i < count; ++i)
      clients.push_back(std::make_unique<LineClient>(server->port(), receive_buffer));
    return clients;
  }
  // Joins are asynchronous: wait until the room has them all before anyone speaks.
  void wait_for_members(std::size_t count) {
    ASSERT_TRUE(eventually([&] { return server->server().lobby_counters().members.load() == count; }))
        << "members: " << server->server().lobby_counters().members.load();
  }
};

TEST_P(ChatServer, RelaysALineToEveryClientAsIpPortText) {
  start();
  auto clients = connect(2);
  wait_for_members(2);
  ASSERT_TRUE(clients[0]->send("hello, wide world\n"));
  const std::string expected = clients[0]->name() + ":hello, wide world";
  EXPECT_EQ(clients[0]->read_line(), expected);
  EXPECT_EQ(clients[1]->read_line(), expected);
}

TEST_P(ChatServer, TwentyClientsFiftyMessagesEachAllArriveEverywhereInOneOrder) {
  start();
  auto clients = connect(20);
  wait_for_members(20);
  std::vector<std::thread> senders;
  for (std::size_t c = 0; c < clients.size(); ++c) {
    senders.emplace_back([&client = *clients[c], c] {
      for (int i = 0; i < 50; ++i) client.send("c" + std::to_string(c) + " m" + std::to_string(i) + "\n");
    });
  }
  for (auto& sender : senders) sender.join();

  std::vector<std::string> first_order;
  for (std::size_t c = 0; c < clients.size(); ++c) {
    std::vector<std::string> order;
    std::map<std::string, int> next_from;  // per-sender order
    for (int i = 0; i < 1000; ++i) {
      auto line = clients[c]->read_line();
      ASSERT_TRUE(line) << "client " << c << " got only " << i << " lines";
      const auto text = line->substr(line->rfind(':') + 1);
      const auto space = text.find(' ');
      const std::string sender = text.substr(0, space);
      EXPECT_EQ(text.substr(space + 2), std::to_string(next_from[sender]++)) << *line;
      order.push_back(*line);
    }
    if (c == 0) first_order = order;
    else EXPECT_EQ(order, first_order) << "client " << c << " saw another order";
  }
}

TEST_P(ChatServer, RefusesAnOverLongLineAndKeepsTheConnectionUsable) {
  start();
  auto clients = connect(2);
  wait_for_members(2);
  ASSERT_TRUE(clients[0]->send(std::string(5000, 'x') + "\nstill here\n"));
  EXPECT_EQ(clients[0]->read_line(), "! line too long (max 4096 bytes)");
  EXPECT_EQ(clients[0]->read_line(), clients[0]->name() + ":still here");
  EXPECT_EQ(clients[1]->read_line(), clients[0]->name() + ":still here") << "the error is private";
}

TEST_P(ChatServer, AcceptsALineOfExactlyTheLimitWithCarriageReturn) {
  start();
  auto clients = connect(1);
  wait_for_members(1);
  const std::string longest(4096, 'y');
  ASSERT_TRUE(clients[0]->send(longest + "\r\n"));
  EXPECT_EQ(clients[0]->read_line(), clients[0]->name() + ":" + longest);
}

TEST_P(ChatServer, IgnoresEmptyLines) {
  start();
  auto clients = connect(1);
  wait_for_members(1);
  ASSERT_TRUE(clients[0]->send("\n\r\n\nreal\n"));
  EXPECT_EQ(clients[0]->read_line(), clients[0]->name() + ":real");
}

TEST_P(ChatServer, NeverRelaysTerminalControlSequencesRaw) {
  start();
  auto clients = connect(2);
  wait_for_members(2);
  ASSERT_TRUE(clients[0]->send("\x1b]52;c;aGk=\x07 \x1b[2J\xff bye\n"));
  const auto line = clients[1]->read_line();
  ASSERT_TRUE(line);
  EXPECT_EQ(line->find('\x1b'), std::string::npos);
  EXPECT_EQ(line->find('\x07'), std::string::npos);
  EXPECT_EQ(*line, clients[0]->name() + ":\xEF\xBF\xBD]52;c;aGk=\xEF\xBF\xBD \xEF\xBF\xBD[2J\xEF\xBF\xBD bye");
}

TEST_P(ChatServer, SurvivesGarbageBytesAndOthersKeepChatting) {
  start();
  auto clients = connect(2);
  wait_for_members(2);
  std::mt19937 random(42);
  std::string garbage(1 << 20, '\0');
  for (char& byte : garbage) byte = static_cast<char>(random() % 256);
  ASSERT_TRUE(clients[0]->send(garbage));
  ASSERT_TRUE(clients[1]->send("after the storm\n"));
  const std::string expected = clients[1]->name() + ":after the storm";
  for (;;) {  // the garbage's own "lines" may arrive first
    auto line = clients[1]->read_line();
    ASSERT_TRUE(line);
    if (*line == expected) break;
  }
}

TEST_P(ChatServer, ForgetsAResetClientAndTheRestKeepChatting) {
  start();
  auto clients = connect(3);
  wait_for_members(3);
  clients[2]->reset();
  wait_for_members(2);
  ASSERT_TRUE(clients[0]->send("anyone?\n"));
  EXPECT_EQ(clients[1]->read_line(), clients[0]->name() + ":anyone?");
  EXPECT_TRUE(eventually([&] { return server->server().live_sessions() == 2; }));
}

TEST_P(ChatServer, HalfClosedClientStillGetsItsEchoThenTheServerCloses) {
  start();
  auto clients = connect(2);
  wait_for_members(2);
  ASSERT_TRUE(clients[0]->send("goodbye\n"));
  clients[0]->shutdown_send();
  EXPECT_EQ(clients[0]->read_line(), clients[0]->name() + ":goodbye");
  EXPECT_TRUE(clients[0]->wait_closed());
  wait_for_members(1);
  ASSERT_TRUE(clients[1]->send("still on\n"));
  EXPECT_EQ(clients[1]->read_line(), clients[0]->name() + ":goodbye");
  EXPECT_EQ(clients[1]->read_line(), clients[1]->name() + ":still on");
}

TEST_P(ChatServer, EvictsAClientThatNeverReadsWhileOthersReceiveEverything) {
  options.room.outbox_bytes = 1024 * 1024;
  start();
  auto readers = connect(2);
  LineClient sleeper(server->port(), 4096);  // tiny receive window, and it never reads
  wait_for_members(3);

  constexpr int lines = 20000;
  // The sender stays at most this many lines ahead of the slower reader (≈ 400 KB, well inside
  // the outbox bound), as people who keep reading would; only the sleeper falls behind. Lines
  // are long so that the total (8 MB) beats what the kernel buffers for the sleeper.
  constexpr int window = 1000;
  const std::string padding(400, 'p');
  std::array<std::atomic<int>, 2> received{};
  std::vector<std::thread> reading;
  for (std::size_t r = 0; r < readers.size(); ++r) {
    reading.emplace_back([&client = *readers[r], &count = received[r]] {
      while (count < lines && client.read_line()) ++count;
    });
  }
  for (int i = 0; i < lines; ++i) {
    while (i - std::min(received[0].load(), received[1].load()) > window)
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    ASSERT_TRUE(readers[0]->send(std::to_string(i) + padding + "\n")) << "line " << i;
  }
  for (auto& thread : reading) thread.join();

  EXPECT_EQ(received[0].load(), lines);
  EXPECT_EQ(received[1].load(), lines);
  EXPECT_EQ(server->server().lobby_counters().evicted_slow.load(), 1u);
  EXPECT_TRUE(sleeper.wait_closed()) << "the slow client must be disconnected";
  wait_for_members(2);
}

TEST_P(ChatServer, StopFlushesQueuedLinesToClientsThenClosesThem) {
  start();
  auto clients = connect(2);
  wait_for_members(2);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(clients[0]->send("queued " + std::to_string(i) + "\n"));
  ASSERT_TRUE(eventually([&] { return server->server().lobby_counters().messages.load() == 100; }));
  server->stop();
  for (int i = 0; i < 100; ++i)
    ASSERT_EQ(clients[1]->read_line(), clients[0]->name() + ":queued " + std::to_string(i));
  EXPECT_TRUE(clients[1]->wait_closed());
}

std::string thread_count_name(const ::testing::TestParamInfo<unsigned>& threads) {
  return std::to_string(threads.param) + "threads";
}
INSTANTIATE_TEST_SUITE_P(Threads, ChatServer, ::testing::Values(1u, 2u, 4u), thread_count_name);

TEST(ServerStartup, RefusesAPortAlreadyInUse) {
  TestServer first(1);
  boost::asio::io_context io;
  std::vector<net::Door> doors;
  doors.push_back(net::line::line_door({boost::asio::ip::address_v4::loopback(), first.port()}));
  try {
    net::Server second(io, net::ServerOptions{}, std::move(doors));
    FAIL() << "bound a port that is in use";
  } catch (const net::DoorError& e) {
    EXPECT_EQ(e.code(), boost::asio::error::address_in_use);
    EXPECT_EQ(e.door_name, "line");
  }
}

}  // namespace
}  // namespace chatd::test
