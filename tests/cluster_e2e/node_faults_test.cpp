// A node dies (SIGKILL), stops (SIGTERM) or freezes (SIGSTOP): the others see its members leave
// for the right reason within the right time, its nicknames come free, and a frozen node that
// wakes up before its timeout catches up on everything it missed.
#include <gtest/gtest.h>

#include <iostream>
#include <thread>

#include "cluster_e2e/cluster_support.hpp"
#include "support/redis_server.hpp"

namespace chatd::test {
namespace {

using namespace std::chrono_literals;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

TEST(ClusterNodeFaults, AKilledNodesMembersLeaveAsNodeLostWithinItsTimeout) {
  RedisServer redis;
  AliceAndBob chat(redis.url(), {"--node-timeout", "3"});
  chat.node_b.kill();
  const auto killed_at = Clock::now();
  // Its last heartbeat was at most a second before; the others reap it at their next one
  // after the timeout.
  Lines alice_saw;
  EXPECT_TRUE(reads_line(*chat.alice, "* bob left (node lost)", scaled(10s), &alice_saw));
  const double after = seconds_since(killed_at);
  std::cout << "[ figures  ] bob left (node lost) " << after << " s after node-b was killed\n";
  EXPECT_GE(after, 1.5) << "taken for dead before its 3 s timeout";
  EXPECT_LE(after, 10.0 * slowdown);
  EXPECT_EQ(count_prefixed(alice_saw, "* bob left"), 1u) << joined(alice_saw);

  EXPECT_EQ(ask_who_until(*chat.alice,
                          [](const std::string& reply) { return reply == "* 1 in lobby: alice"; }),
            "* 1 in lobby: alice");
  auto newcomer = chat.node_a.connect();
  EXPECT_TRUE(set_nick(*newcomer, "bob")) << "the dead node's nickname is still held";
}

TEST(ClusterNodeFaults, AStoppedNodesMembersLeaveAsShuttingDownAtOnce) {
  RedisServer redis;
  AliceAndBob chat(redis.url(), {"--node-timeout", "3"});
  std::optional<int> status;
  const auto stopped_at = Clock::now();
  {
    std::jthread stopping([&] { status = chat.node_b.stop(); });
    EXPECT_TRUE(reads_line(*chat.alice, "* bob left (server shutting down)", scaled(3s)));
    std::cout << "[ figures  ] bob left (server shutting down) " << seconds_since(stopped_at)
              << " s after SIGTERM\n";
  }
  EXPECT_EQ(status, 0) << chat.node_b.log();
  // The node removed itself from the store on its way out: its nickname is free at once.
  auto newcomer = chat.node_a.connect();
  EXPECT_TRUE(set_nick(*newcomer, "bob"));
}

TEST(ClusterNodeFaults, ANodeFrozenForThreeSecondsCatchesUpOnEverythingInOrder) {
  RedisServer redis;
  AliceAndBob chat(redis.url(), {"--node-timeout", "10"});
  ASSERT_TRUE(chat.bob->send("ready\n"));
  ASSERT_TRUE(reads_line(*chat.alice, "bob:ready"));
  ASSERT_TRUE(reads_line(*chat.bob, "bob:ready"));

  chat.node_a.pause();
  const auto paused_at = Clock::now();
  Lines said;
  for (int i = 0; i < 20; ++i) {
    said.push_back("bob:b-" + std::to_string(i));
    ASSERT_TRUE(chat.bob->send("b-" + std::to_string(i) + "\n"));
    std::this_thread::sleep_for(100ms);
  }
  // bob's node is not held up by the frozen one.
  Lines bob_saw;
  EXPECT_EQ(read_messages(*chat.bob, said.size(), read_timeout, &bob_saw), said);
  std::this_thread::sleep_until(paused_at + 3s);
  chat.node_a.resume();

  Lines alice_saw;
  EXPECT_EQ(read_messages(*chat.alice, said.size(), read_timeout, &alice_saw), said);
  for (const auto& line : read_for(*chat.alice, scaled(500ms))) alice_saw.push_back(line);
  EXPECT_EQ(count_prefixed(alice_saw, "* bob left"), 0u) << joined(alice_saw);
  for (const auto& line : alice_saw) EXPECT_FALSE(is_message(line)) << "a repeat: " << line;
}

}  // namespace
}  // namespace chatd::test
