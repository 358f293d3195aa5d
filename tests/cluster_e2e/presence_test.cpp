// Who is where, cluster-wide: /who and /rooms count every node's members, and a nickname is
// unique across the nodes even when two of them claim it at the same moment.
#include <gtest/gtest.h>

#include <array>

#include "cluster_e2e/cluster_support.hpp"
#include "support/redis_server.hpp"

namespace chatd::test {
namespace {

using namespace std::chrono_literals;

TEST(ClusterPresence, WhoAndRoomsCountTheMembersOfEveryNode) {
  RedisServer redis;
  ChatdNode node_a(redis.url(), "node-a");
  ChatdNode node_b(redis.url(), "node-b");
  auto alice = node_a.connect();
  auto bob = node_b.connect();
  ASSERT_TRUE(set_nick(*alice, "alice"));
  ASSERT_TRUE(set_nick(*bob, "bob"));

  const std::string both = "* 2 in lobby: alice bob";
  EXPECT_EQ(ask_who_until(*alice, [&](const std::string& reply) { return reply == both; }), both);

  ASSERT_TRUE(bob->send("/join kitchen\n"));
  const std::string rooms = "* rooms: kitchen (1), lobby (1)";
  std::optional<std::string> listed;
  const auto deadline = Clock::now() + read_timeout;
  while (listed != rooms && Clock::now() < deadline) {
    ASSERT_TRUE(alice->send("/rooms\n"));
    listed =
        read_until(*alice, [](const std::string& line) { return line.starts_with("* rooms:"); });
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(listed, rooms);
  // The kitchen's /who, asked on the other node, is the same question to the same store.
  EXPECT_EQ(ask_who_until(*bob, [](const std::string& reply) { return reply.starts_with("* 1 "); }),
            "* 1 in kitchen: bob");
}

// What one client reads after both sent `/nick NICK`: its own result, and the rename notice the
// room shows (the winner's, whichever client that is).
struct NickRound {
  bool renamed = false;  // its own rename notice came
  bool refused = false;  // "! nickname NICK is taken" came
  std::string notice;    // the "* OLD is now known as NICK" line it saw
};

NickRound read_nick_round(LineClient& client, const std::string& own_name,
                          const std::string& nick) {
  const std::string taken = "! nickname " + nick + " is taken";
  const std::string renamed_to = " is now known as " + nick;
  NickRound round;
  while (!(round.renamed || round.refused) || round.notice.empty()) {
    const auto line = read_until(
        client,
        [&](const std::string& each) {
          return each == taken || (each.starts_with("* ") && each.ends_with(renamed_to));
        },
        scaled(5s));
    if (!line) break;
    if (*line == taken) {
      round.refused = true;
    } else {
      round.notice = *line;
      round.renamed = round.renamed || *line == "* " + own_name + renamed_to;
    }
  }
  return round;
}

TEST(ClusterPresence, TwoNodesClaimingOneNicknameAtOnceHaveExactlyOneWinner) {
  RedisServer redis;
  ChatdNode node_a(redis.url(), "node-a");
  ChatdNode node_b(redis.url(), "node-b");
  std::array<std::unique_ptr<LineClient>, 2> clients{node_a.connect(), node_b.connect()};
  // Names of their own first: "IP:PORT" names of clients of two nodes may be the same.
  std::array<std::string, 2> names{"ann", "ben"};
  ASSERT_TRUE(set_nick(*clients[0], names[0]));
  ASSERT_TRUE(set_nick(*clients[1], names[1]));
  // Both in the lobby cluster-wide, so that each sees the other's rename.
  ASSERT_TRUE(ask_who_until(*clients[0], [](const std::string& reply) {
                return reply.starts_with("* 2 in lobby:");
              }).starts_with("* 2 in lobby:"));

  for (int round = 1; round <= 5; ++round) {
    const std::string nick = "zed" + std::to_string(round);
    ASSERT_TRUE(clients[0]->send("/nick " + nick + "\n"));
    ASSERT_TRUE(clients[1]->send("/nick " + nick + "\n"));
    std::array<NickRound, 2> seen;
    for (std::size_t c = 0; c < 2; ++c) seen[c] = read_nick_round(*clients[c], names[c], nick);

    SCOPED_TRACE("round " + std::to_string(round));
    ASSERT_NE(seen[0].renamed, seen[1].renamed) << "both or neither got " << nick;
    const std::size_t winner = seen[0].renamed ? 0 : 1;
    const std::size_t loser = 1 - winner;
    EXPECT_FALSE(seen[winner].refused);
    EXPECT_TRUE(seen[loser].refused) << "the loser was not told " << nick << " is taken";
    const std::string notice = "* " + names[winner] + " is now known as " + nick;
    EXPECT_EQ(seen[winner].notice, notice);
    EXPECT_EQ(seen[loser].notice, notice) << "the loser did not see the winner's rename";
    names[winner] = nick;
  }
}

}  // namespace
}  // namespace chatd::test
