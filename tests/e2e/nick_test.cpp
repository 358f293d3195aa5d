// End to end, /nick: renames seen by the whole room, invalid names refused, names unique ignoring
// case across rooms, one winner among simultaneous claimants, and names freed on rename or leave.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <latch>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/chat_features.hpp"

namespace chatd::test {
namespace {

TEST_F(ChatFeatures, NickRenamesAClientForEveryoneInTheRoomAndLaterMessagesCarryTheName) {
  start(plain_options());
  auto alice = connect();
  auto bob = connect();
  wait_for_members(2);
  const std::string old_name = alice->name();

  say(*alice, "/nick alice");
  EXPECT_EQ(next(*alice), renamed(old_name, "alice"));
  EXPECT_EQ(next(*bob), renamed(old_name, "alice"));

  say(*alice, "hello");
  EXPECT_EQ(next(*alice), "alice:hello");
  EXPECT_EQ(next(*bob), "alice:hello");
}

TEST_F(ChatFeatures, NickRefusesInvalidNamesToTheSenderOnlyAndKeepsTheOldName) {
  start(plain_options());
  auto alice = connect();
  auto bob = connect();
  wait_for_members(2);

  const std::string rules =
      "': use 1-32 letters, digits or _-[]{}|^` and do not start with a digit or -";
  const std::vector<std::string> invalid = {"9lives",    "-dash",  std::string(33, 'n'), "dot.name",
                                            "has space", "colon:", "caf\xC3\xA9"};
  for (const std::string& name : invalid) {
    say(*alice, "/nick " + name);
    EXPECT_EQ(next(*alice), "! invalid nickname '" + name + rules);
  }
  // The name is echoed cut to 64 bytes and with control characters neutralised.
  say(*alice, "/nick " + std::string(100, 'x'));
  EXPECT_EQ(next(*alice), "! invalid nickname '" + std::string(64, 'x') + rules);
  say(*alice, "/nick esc\x1b[2J");
  EXPECT_EQ(next(*alice), "! invalid nickname 'esc\xEF\xBF\xBD[2J" + rules);

  say(*alice, "still me");
  EXPECT_EQ(next(*alice), alice->name() + ":still me");
  EXPECT_EQ(next(*bob), alice->name() + ":still me") << "errors go to the sender only";
}

TEST_F(ChatFeatures, NickRefusesANameTakenIgnoringCaseEvenByAClientInAnotherRoom) {
  start(plain_options());
  auto holder = connect();
  auto other = connect();
  wait_for_members(2);
  const std::string other_name = other->name();

  say(*holder, "/nick alice");
  EXPECT_EQ(next(*holder), renamed(holder->name(), "alice"));
  EXPECT_EQ(next(*other), renamed(holder->name(), "alice"));
  say(*other, "/nick Alice");
  EXPECT_EQ(next(*other), "! nickname Alice is taken");

  say(*holder, "/join elsewhere");
  say(*holder, "/who");
  EXPECT_EQ(next(*holder), "* 1 in elsewhere: alice");
  wait_for_members(1);
  say(*other, "/nick ALICE");
  EXPECT_EQ(next(*other), "! nickname ALICE is taken");

  // The holder may change the case of its own name; the name stays taken.
  say(*holder, "/nick ALICE");
  EXPECT_EQ(next(*holder), renamed("alice", "ALICE"));
  say(*other, "/nick alice");
  EXPECT_EQ(next(*other), "! nickname alice is taken");

  say(*other, "/nick bob");
  EXPECT_EQ(next(*other), renamed(other_name, "bob"));
  say(*other, "lobby line");
  EXPECT_EQ(next(*other), "bob:lobby line") << "nothing else was sent to the lobby";
  say(*holder, "elsewhere line");
  EXPECT_EQ(next(*holder), "ALICE:elsewhere line") << "the lobby's rename is not seen elsewhere";
}

TEST_F(ChatFeatures, NickGivesAContestedNameToExactlyOneOfEightSimultaneousClaimants) {
  start(plain_options(), 4);
  constexpr std::size_t claimants = 8;
  std::vector<std::unique_ptr<LineClient>> clients;
  for (std::size_t i = 0; i < claimants; ++i) clients.push_back(connect());
  wait_for_members(claimants);

  std::latch ready(claimants);
  std::vector<std::thread> threads;
  for (auto& client : clients) {
    threads.emplace_back([&ready, &client = *client] {
      ready.arrive_and_wait();
      client.send("/nick winner\n");
    });
  }
  for (auto& thread : threads) thread.join();

  // Everybody is in the lobby, so everybody sees the one rename; it names the winner.
  std::vector<Lines> seen(claimants);
  std::optional<std::string> notice;
  for (std::size_t i = 0; i < claimants; ++i) {
    for (;;) {
      auto line = next(*clients[i]);
      ASSERT_TRUE(line) << "client " << i << " saw no rename; it saw "
                        << ::testing::PrintToString(seen[i]);
      seen[i].push_back(*line);
      if (line->starts_with("* ")) break;
    }
    if (!notice) notice = seen[i].back();
    EXPECT_EQ(seen[i].back(), *notice) << "client " << i;
  }
  std::optional<std::size_t> winner;
  for (std::size_t i = 0; i < claimants; ++i)
    if (*notice == renamed(clients[i]->name(), "winner")) winner = i;
  ASSERT_TRUE(winner) << "the notice names none of the claimants: " << *notice;

  const std::string taken = "! nickname winner is taken";
  for (std::size_t i = 0; i < claimants; ++i) {
    if (i == *winner || count(seen[i], taken) > 0) continue;
    auto line = next(*clients[i]);
    ASSERT_TRUE(line) << "loser " << i << " was never told the name is taken";
    seen[i].push_back(*line);
  }
  // Nothing else may follow: no second rename, no error for the winner, no second error.
  say(*clients[*winner], "done");
  for (std::size_t i = 0; i < claimants; ++i) {
    for (auto& line : lines_through(*clients[i], "winner:done")) seen[i].push_back(line);
    Lines expected = {*notice, "winner:done"};
    if (i != *winner) expected.push_back(taken);
    std::sort(expected.begin(), expected.end());
    std::sort(seen[i].begin(), seen[i].end());
    EXPECT_EQ(seen[i], expected) << "client " << i << (i == *winner ? " (the winner)" : "");
  }
}

TEST_F(ChatFeatures, NickFreesANameWhenItsHolderRenamesOrDisconnects) {
  start(plain_options());
  auto first = connect();
  auto second = connect();
  wait_for_members(2);
  const std::string second_name = second->name();

  say(*first, "/nick alice");
  EXPECT_EQ(next(*first), renamed(first->name(), "alice"));
  EXPECT_EQ(next(*second), renamed(first->name(), "alice"));
  say(*first, "/nick alicia");
  EXPECT_EQ(next(*first), renamed("alice", "alicia"));
  EXPECT_EQ(next(*second), renamed("alice", "alicia"));

  say(*second, "/nick alice");
  EXPECT_EQ(next(*second), renamed(second_name, "alice")) << "a rename lets go of the old name";

  first.reset();  // orderly close
  ASSERT_TRUE(eventually([&] { return server->server().live_sessions() == 1; }));
  say(*second, "/nick alicia");
  EXPECT_EQ(next(*second), renamed("alice", "alicia")) << "a disconnect lets go of the name";
}

// Whoever reads "* alice left" may take the name at once; a few rounds make a late release show.
TEST_F(ChatFeatures, NickFreesANameByTheTimeItsHoldersLeaveIsAnnounced) {
  auto options = plain_options();
  options.room.notice_limit = 100;
  start(options);
  auto claimer = connect();
  wait_for_members(1);
  std::string claimer_name = claimer->name();
  EXPECT_EQ(next(*claimer), "* " + claimer_name + " joined");

  for (int round = 0; round < 10; ++round) {
    const std::string nick = "holder" + std::to_string(round);
    auto holder = connect();
    wait_for_members(2);
    EXPECT_EQ(next(*claimer), "* " + holder->name() + " joined");
    say(*holder, "/nick " + nick);
    EXPECT_EQ(next(*claimer), renamed(holder->name(), nick));
    holder.reset();
    EXPECT_EQ(next(*claimer), "* " + nick + " left (closed)");
    say(*claimer, "/nick " + nick);
    ASSERT_EQ(next(*claimer), renamed(claimer_name, nick))
        << "round " << round << ": the name was announced as gone but is still taken";
    claimer_name = nick;
  }
}

}  // namespace
}  // namespace chatd::test
