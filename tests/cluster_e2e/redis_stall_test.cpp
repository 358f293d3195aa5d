// Redis stalls (SIGSTOP for five seconds, shorter than --node-timeout): nobody is told the link
// is lost, nobody leaves, the rooms keep taking events, and once Redis answers again every
// member sees everything said meanwhile, once, in one order.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "cluster_e2e/cluster_support.hpp"
#include "support/redis_server.hpp"

namespace chatd::test {
namespace {

using namespace std::chrono_literals;

constexpr auto stall = 5s;

TEST(ClusterRedisStall, ARedisPausedForFiveSecondsBlocksNobodyAndLosesNothing) {
  RedisServer redis;
  AliceAndBob chat(redis.url(), {"--node-timeout", "10"});
  // Everything before the stall is read, so that what follows is what the stall held back.
  ASSERT_TRUE(chat.alice->send("ready\n"));
  ASSERT_TRUE(reads_line(*chat.bob, "alice:ready"));
  ASSERT_TRUE(reads_line(*chat.alice, "alice:ready"));

  redis.pause();
  const auto paused_at = Clock::now();
  std::set<std::string> said;
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(chat.alice->send("a-" + std::to_string(i) + "\n"));
    ASSERT_TRUE(chat.bob->send("b-" + std::to_string(i) + "\n"));
    said.insert("alice:a-" + std::to_string(i));
    said.insert("bob:b-" + std::to_string(i));
    std::this_thread::sleep_for(100ms);
  }
  // The room is not blocked behind the store: a command's reply comes at once.
  ASSERT_TRUE(chat.alice->send("/help\n"));
  Lines alice_saw;
  Lines bob_saw;
  const auto stall_left =
      std::chrono::duration_cast<std::chrono::milliseconds>(paused_at + stall - Clock::now());
  EXPECT_TRUE(reads_line(*chat.alice, "* /who          list the members of your room", stall_left,
                         &alice_saw));
  EXPECT_LT(Clock::now() - paused_at, stall) << "the stall was over before the reply came";
  std::this_thread::sleep_until(paused_at + stall);
  redis.resume();

  Lines alice_messages;  // none should have come during the stall, but if some did, they count
  for (const auto& line : alice_saw)
    if (is_message(line)) alice_messages.push_back(line);
  auto more =
      read_messages(*chat.alice, said.size() - alice_messages.size(), read_timeout, &alice_saw);
  alice_messages.insert(alice_messages.end(), more.begin(), more.end());
  const Lines bob_messages = read_messages(*chat.bob, said.size(), read_timeout, &bob_saw);
  // Anything beyond the twenty would be a repeat.
  for (LineClient* client : {chat.alice.get(), chat.bob.get()}) {
    for (const auto& line : read_for(*client, scaled(500ms))) {
      EXPECT_FALSE(is_message(line)) << "more than the twenty: " << line;
      (client == chat.alice.get() ? alice_saw : bob_saw).push_back(line);
    }
  }

  EXPECT_EQ(alice_messages.size(), said.size()) << joined(alice_messages);
  EXPECT_EQ(std::set<std::string>(alice_messages.begin(), alice_messages.end()), said);
  EXPECT_EQ(alice_messages, bob_messages) << "alice and bob saw different orders";
  for (const Lines* lines : {&alice_saw, &bob_saw}) {
    for (const auto& line : *lines) {
      EXPECT_EQ(line.find(" left ("), std::string::npos) << line;
      EXPECT_FALSE(line.starts_with("* link to other nodes lost")) << line;
    }
  }
  // Each sender's lines in the order sent.
  for (const std::string prefix : {"alice:a-", "bob:b-"}) {
    const Lines own = starting_with(alice_messages, prefix);
    for (std::size_t i = 0; i < own.size(); ++i) EXPECT_EQ(own[i], prefix + std::to_string(i));
  }
}

// Guards the exit of a node stopped while Redis stalls: its last call to Redis (chatd_depart)
// is waited for only within the link's deadline.
TEST(ClusterRedisStall, ANodeStoppedWhileRedisStallsStillExitsInTime) {
  RedisServer redis;
  ChatdNode node(redis.url(), "node-a", {"--node-timeout", "3"});
  auto alice = node.connect();
  ASSERT_TRUE(set_nick(*alice, "alice"));
  redis.pause();
  // The drain (2.5 s at most) and the link's last words (1 s), with room to spare.
  const auto status = node.stop(scaled(6s));
  redis.resume();
  EXPECT_EQ(status, 0) << "SIGTERM did not end the node while Redis stalled; its log:\n"
                       << node.log();
}

}  // namespace
}  // namespace chatd::test
