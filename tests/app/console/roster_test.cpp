// Roster reads the server's lines back into the client's own name, room and the names around it.
#include "app/console/roster.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace chatd::app::console {
namespace {

using Names = std::vector<std::string>;

TEST(SplitMessage, SplitsNicknamesAtTheFirstColonAndAddressesAtTheSecond) {
  const auto nick = split_message("alice:hello: world");
  ASSERT_TRUE(nick);
  EXPECT_EQ(nick->sender, "alice");
  EXPECT_EQ(nick->text, "hello: world");
  const auto address = split_message("127.0.0.1:40312:hi:there");
  ASSERT_TRUE(address);
  EXPECT_EQ(address->sender, "127.0.0.1:40312");
  EXPECT_EQ(address->text, "hi:there");
  const auto v6 = split_message("[::1]:40312:hi");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->sender, "[::1]:40312");
  EXPECT_EQ(v6->text, "hi");
}

TEST(SplitMessage, APrivateMessageIsSentByTheNameBeforeTheArrow) {
  const auto message = split_message("alice -> bob:psst");
  ASSERT_TRUE(message);
  EXPECT_EQ(message->sender, "alice");
  EXPECT_EQ(message->name_part, "alice -> bob");
  EXPECT_EQ(message->text, "psst");
}

TEST(SplitMessage, NoticesErrorsAndLinesWithoutAColonAreNotMessages) {
  EXPECT_FALSE(split_message("* alice joined"));
  EXPECT_FALSE(split_message("! nickname alice is taken"));
  EXPECT_FALSE(split_message("no colon here"));
  EXPECT_FALSE(split_message("127.0.0.1 without port"));
}

TEST(Roster, TheWhoReplyNamesTheRoomAndItsMembers) {
  Roster roster;
  roster.connected_as("127.0.0.1:5000");
  roster.observe("* 4 in Rust: 127.0.0.1:5000 alice bob carol (and 1 more)");
  EXPECT_EQ(roster.room(), "Rust");
  EXPECT_FALSE(roster.in_lobby());
  EXPECT_EQ(roster.names_starting_with(""), (Names{"alice", "bob", "carol"}));
}

TEST(Roster, JoinsLeavesRenamesAndSpeakersKeepTheNamesCurrent) {
  Roster roster;
  roster.connected_as("127.0.0.1:5000");
  roster.observe("* 2 in lobby: 127.0.0.1:5000 alice");
  roster.observe("* bob joined");
  roster.observe("* alice left (quit)");
  roster.observe("* bob is now known as robert");
  roster.observe("dave:hello");
  roster.observe("erin -> 127.0.0.1:5000:psst");
  EXPECT_EQ(roster.names_starting_with(""), (Names{"dave", "erin", "robert"}));
  EXPECT_EQ(roster.names_starting_with("R"), (Names{"robert"}));
}

TEST(Roster, OurOwnRenameTakesOnlyWhenWeAskedForIt) {
  Roster roster;
  roster.connected_as("127.0.0.1:5000");
  roster.observe("* 127.0.0.1:5000 is now known as mallory");  // an action, not our /nick
  EXPECT_EQ(roster.own_name(), "127.0.0.1:5000");
  EXPECT_FALSE(roster.nickname());
  roster.nick_requested("Alice");
  roster.observe("* 127.0.0.1:5000 is now known as alice");
  EXPECT_EQ(roster.own_name(), "alice");
  EXPECT_EQ(roster.nickname(), "alice");
}

TEST(Roster, CompletionLeavesOurselvesOutAndIgnoresCase) {
  Roster roster;
  roster.connected_as("alice");
  roster.observe("* 3 in lobby: Alex alice alfred");
  EXPECT_EQ(roster.names_starting_with("al"), (Names{"Alex", "alfred"}));
}

TEST(Roster, AReconnectKeepsTheRoomAndNicknameButForgetsTheNames) {
  Roster roster;
  roster.connected_as("127.0.0.1:5000");
  roster.nick_requested("alice");
  roster.observe("* 127.0.0.1:5000 is now known as alice");
  roster.observe("* 2 in den: alice bob");
  roster.connected_as("127.0.0.1:6000");
  EXPECT_EQ(roster.own_name(), "127.0.0.1:6000");
  EXPECT_EQ(roster.nickname(), "alice");
  EXPECT_EQ(roster.room(), "den");
  EXPECT_TRUE(roster.names_starting_with("").empty());
}

TEST(Roster, RoomsComeFromTheRoomsListAndWhoAnswersLeavingOutTheCurrentOne) {
  Roster roster;
  roster.connected_as("me");
  roster.observe("* rooms: Go (1), lobby (3), Rust (2), rust-lang (1)");
  roster.observe("* 1 in den: me");
  EXPECT_EQ(roster.rooms_starting_with(""), (Names{"Go", "Rust", "lobby", "rust-lang"}));
  EXPECT_EQ(roster.rooms_starting_with("RU"), (Names{"Rust", "rust-lang"}));
  roster.observe("* 1 in Rust: me");
  EXPECT_EQ(roster.rooms_starting_with("ru"), (Names{"rust-lang"}));
  EXPECT_EQ(roster.rooms_starting_with(""), (Names{"Go", "den", "lobby", "rust-lang"}));
}

TEST(Roster, RemembersAtMostItsLimitOfNames) {
  Roster roster;
  roster.connected_as("me");
  for (std::size_t i = 0; i < Roster::max_names + 10; ++i)
    roster.observe("n" + std::to_string(i) + ":hi");
  EXPECT_EQ(roster.names_starting_with("").size(), Roster::max_names);
}

}  // namespace
}  // namespace chatd::app::console
