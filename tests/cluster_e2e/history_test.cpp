// The room's history lives in the store: a node that starts after the messages were said still
// shows them to a newcomer, in the lobby (which a node opens as it starts) and in any other room.
#include <gtest/gtest.h>

#include "cluster_e2e/cluster_support.hpp"
#include "support/redis_server.hpp"

namespace chatd::test {
namespace {

// What a newcomer to a room is shown first: the history marker and the messages after it, or
// what it got instead up to its own join notice (which follows the history). Lines before the
// marker are the previous room's, or notices of a node that is still linking.
Lines history_shown_to(LineClient& newcomer, const std::string& own_join, std::size_t messages) {
  Lines seen;
  const auto first = read_until(
      newcomer,
      [&](const std::string& line) { return line.starts_with("* last ") || line == own_join; },
      read_timeout, &seen);
  if (!first || *first == own_join) return seen;
  Lines shown{*first};
  for (std::size_t i = 0; i < messages; ++i)
    shown.push_back(newcomer.read_line(read_timeout).value_or("(nothing)"));
  return shown;
}

const Lines three_said = {"* last 3 messages:", "alice:one", "alice:two", "alice:three"};

// Guards the lobby a node opens while it starts, before its link runs: it must wait for the
// first connection's outcome (not count itself alone at once), or it drops the shared history.
TEST(ClusterHistory, ANodeStartedLaterShowsALobbyNewcomerTheLastMessages) {
  RedisServer redis;
  ChatdNode node_a(redis.url(), "node-a");
  auto alice = node_a.connect();
  ASSERT_TRUE(set_nick(*alice, "alice"));
  ASSERT_TRUE(alice->send("one\ntwo\nthree\n"));
  // Back from the store: in the stream before node C starts.
  ASSERT_EQ(read_messages(*alice, 3), (Lines{"alice:one", "alice:two", "alice:three"}));

  ChatdNode node_c(redis.url(), "node-c");
  auto carol = node_c.connect();
  // Joins and renames are in the stream too, but history is what was said.
  EXPECT_EQ(history_shown_to(*carol, "* " + carol->name() + " joined", 3), three_said);
}

TEST(ClusterHistory, ANodeStartedLaterShowsANewcomerToAnotherRoomItsLastMessages) {
  RedisServer redis;
  ChatdNode node_a(redis.url(), "node-a");
  auto alice = node_a.connect();
  ASSERT_TRUE(set_nick(*alice, "alice"));
  ASSERT_TRUE(alice->send("/join kitchen\n"));
  ASSERT_TRUE(reads_line(*alice, "* alice joined"));
  ASSERT_TRUE(alice->send("one\ntwo\nthree\n"));
  ASSERT_EQ(read_messages(*alice, 3), (Lines{"alice:one", "alice:two", "alice:three"}));

  ChatdNode node_c(redis.url(), "node-c");
  auto carol = node_c.connect();
  ASSERT_TRUE(set_nick(*carol, "carol"));
  ASSERT_TRUE(carol->send("/join kitchen\n"));
  EXPECT_EQ(history_shown_to(*carol, "* carol joined", 3), three_said);
}

}  // namespace
}  // namespace chatd::test
