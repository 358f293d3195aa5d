// Redis dies mid-chat (SIGKILL by PID) and comes back, with its data (append-only file) or
// without it: the members are told once each way, chat goes on at each node meanwhile, and
// afterwards the cluster is whole again with nothing lost or repeated.
#include <gtest/gtest.h>

#include <iostream>
#include <sstream>
#include <thread>

#include "cluster_e2e/cluster_support.hpp"
#include "support/redis_server.hpp"

namespace chatd::test {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view link_lost = "* link to other nodes lost: ";
constexpr auto link_back_bound = scaled(15s);  // reconnect backoff, then the room's notice

bool is_link_lost(const std::string& line) {
  return line.starts_with(link_lost);
}

// Redis with an append-only file, fsynced at every write: a restart finds everything again.
RedisServerOptions persistent() {
  RedisServerOptions options;
  options.append_only = true;
  return options;
}

// `from`'s messages in the lobby's stream, in stream order, as a line client shows them: what
// the store sequenced. A batch is a header line, then a line per record; a message's is
// M\x1fFROM\x1fTEXT.
Lines stored_messages_from(const RedisServer& redis, const std::string& from) {
  const auto range = redis.command({"XRANGE", "chatd:{lobby}:log", "-", "+"});
  EXPECT_FALSE(range.is_error()) << range.text;
  Lines messages;
  for (const auto& entry : range.elements) {
    if (entry.elements.size() != 2) continue;
    const auto& fields = entry.elements[1].elements;
    for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
      if (fields[i].text != "b") continue;
      std::istringstream batch(fields[i + 1].text);
      std::string line;
      std::getline(batch, line);  // the header: origin and batch number
      const std::string prefix = "M\x1f" + from + "\x1f";
      while (std::getline(batch, line))
        if (line.starts_with(prefix)) messages.push_back(from + ":" + line.substr(prefix.size()));
    }
  }
  return messages;
}

// What `client` has shown of `from` in `seen`, then more until there are `count`, then whatever
// else comes within a quiet moment (a repeat would).
Lines messages_from(LineClient& client, const std::string& from, Lines seen, std::size_t count) {
  const std::string prefix = from + ":";
  Lines got = starting_with(seen, prefix);
  const auto deadline = Clock::now() + read_timeout;
  while (got.size() < count && Clock::now() < deadline) {
    const auto line = client.read_line(read_timeout);
    if (!line) break;
    if (line->starts_with(prefix)) got.push_back(*line);
  }
  for (const auto& line : read_for(client, scaled(500ms)))
    if (line.starts_with(prefix)) got.push_back(line);
  return got;
}

TEST(ClusterRedisLoss, MembersAreToldOnceWhenRedisDiesAndOnceWhenItIsBack) {
  RedisServer redis(persistent());
  AliceAndBob chat(redis.url());
  ASSERT_TRUE(chat.alice->send("before\n"));
  ASSERT_TRUE(reads_line(*chat.bob, "alice:before"));

  redis.stop_kill();
  Lines alice_saw;
  Lines bob_saw;
  const auto alice_told = read_until(*chat.alice, is_link_lost, read_timeout, &alice_saw);
  const auto bob_told = read_until(*chat.bob, is_link_lost, read_timeout, &bob_saw);
  ASSERT_TRUE(alice_told) << joined(alice_saw);
  ASSERT_TRUE(bob_told) << joined(bob_saw);
  EXPECT_NE(alice_told->find("; chat here goes on"), std::string::npos) << *alice_told;
  // Alone, alice's node still shows her what she says.
  ASSERT_TRUE(chat.alice->send("alone\n"));
  EXPECT_TRUE(reads_line(*chat.alice, "alice:alone", read_timeout, &alice_saw));

  redis.restart();
  EXPECT_TRUE(
      reads_line(*chat.alice, "* link to other nodes is back", link_back_bound, &alice_saw));
  EXPECT_TRUE(reads_line(*chat.bob, "* link to other nodes is back", link_back_bound, &bob_saw));
  EXPECT_TRUE(chat.node_a.wait_for_log("cluster: linked", read_timeout, 2)) << chat.node_a.log();
  ASSERT_TRUE(chat.alice->send("after\n"));
  EXPECT_TRUE(reads_line(*chat.bob, "alice:after", read_timeout, &bob_saw));
  ASSERT_TRUE(chat.bob->send("back\n"));
  EXPECT_TRUE(reads_line(*chat.alice, "bob:back", read_timeout, &alice_saw));

  EXPECT_EQ(count_prefixed(alice_saw, link_lost), 1u) << joined(alice_saw);
  EXPECT_EQ(count_prefixed(bob_saw, link_lost), 1u) << joined(bob_saw);
  // Said while the link was down: shown on alice's node only, never sent later.
  EXPECT_EQ(count_lines(bob_saw, "alice:alone"), 0u) << joined(bob_saw);
  EXPECT_NE(chat.node_a.log().find("cluster: link to redis://127.0.0.1:"), std::string::npos)
      << chat.node_a.log();
}

TEST(ClusterRedisLoss, RedisBackWithItsDataDeliversWhatItHadStoredOnceAndInOrder) {
  RedisServer redis(persistent());
  AliceAndBob chat(redis.url());
  Lines said;
  for (int i = 0; i < 50; ++i) said.push_back("bob:b-" + std::to_string(i));
  // One line per batch, so that the store can die with a part of them.
  const auto say = [&](int from, int to) {
    for (int i = from; i < to; ++i) {
      chat.bob->send("b-" + std::to_string(i) + "\n");
      std::this_thread::sleep_for(2ms);
    }
  };
  Lines bob_saw;
  say(0, 25);
  ASSERT_TRUE(reads_line(*chat.bob, "bob:b-24", read_timeout, &bob_saw));
  // Alice's node freezes, so that what the store takes from now on waits there for it; and the
  // store dies while bob is still talking: a part of the second half is in its file, the rest
  // only on bob's node.
  chat.node_a.pause();
  {
    std::jthread sending([&] { say(25, 50); });
    EXPECT_TRUE(reads_line(*chat.bob, "bob:b-34", read_timeout, &bob_saw));
    redis.stop_kill();
  }
  redis.restart();
  chat.node_a.resume();
  Lines alice_saw;
  EXPECT_TRUE(
      reads_line(*chat.alice, "* link to other nodes is back", link_back_bound, &alice_saw));
  EXPECT_TRUE(reads_line(*chat.bob, "* link to other nodes is back", link_back_bound, &bob_saw));

  const Lines stored = stored_messages_from(redis, "bob");
  std::cout << "[ figures  ] " << stored.size()
            << " of bob's 50 lines were in the store when it died\n";
  EXPECT_GE(stored.size(), 35u) << "bob had seen 35 come back from the store";
  // What alice read before her node froze, and since the store came back: each once, in order.
  EXPECT_EQ(messages_from(*chat.alice, "bob", alice_saw, stored.size()), stored);
  // bob's own node applied what had not come back when the link died, and skips any of them
  // the store delivers after all.
  EXPECT_EQ(messages_from(*chat.bob, "bob", bob_saw, said.size()), said);
}

TEST(ClusterRedisLoss, RedisBackWithoutItsDataHasTheNodesRegisterEveryoneAgain) {
  RedisServer redis;  // nothing persisted: a restart is an empty store
  AliceAndBob chat(redis.url());
  redis.stop_kill();
  redis.restart();
  const std::string store_lost =
      "* link to other nodes is back, but the cluster's store had lost its data: ";
  const auto is_store_lost = [&](const std::string& line) { return line.starts_with(store_lost); };
  Lines alice_saw;
  Lines bob_saw;
  EXPECT_TRUE(read_until(*chat.alice, is_store_lost, link_back_bound, &alice_saw))
      << joined(alice_saw);
  EXPECT_TRUE(read_until(*chat.bob, is_store_lost, link_back_bound, &bob_saw)) << joined(bob_saw);

  const std::string both = "* 2 in lobby: alice bob";
  EXPECT_EQ(ask_who_until(*chat.alice, [&](const std::string& reply) { return reply == both; }),
            both);
  // Nicknames are whole again too: alice's is hers on the other node as well.
  auto carol = chat.node_b.connect();
  ASSERT_TRUE(carol->send("/nick alice\n"));
  EXPECT_TRUE(reads_line(*carol, "! nickname alice is taken"));
  ASSERT_TRUE(chat.bob->send("still here\n"));
  EXPECT_TRUE(reads_line(*chat.alice, "bob:still here"));
}

}  // namespace
}  // namespace chatd::test
