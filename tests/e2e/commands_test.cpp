// End to end, the small commands: /who, /me, //, unknown commands, /help and usage errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "support/chat_features.hpp"

namespace chatd::test {
namespace {

TEST_F(ChatFeatures, WhoAnswersTheSenderAloneWithTheSortedMembersOfItsRoom) {
  start(plain_options());
  auto carol = connect();
  auto asker = connect();
  auto alice = connect();
  wait_for_members(3);
  const std::string asker_name = asker->name();

  say(*carol, "/nick carol");
  for (auto* client : {carol.get(), asker.get(), alice.get()})
    EXPECT_EQ(next(*client), renamed(carol->name(), "carol"));
  say(*alice, "/nick alice");
  for (auto* client : {carol.get(), asker.get(), alice.get()})
    EXPECT_EQ(next(*client), renamed(alice->name(), "alice"));

  say(*asker, "/who");
  // Byte order: "127.0.0.1:..." sorts before letters.
  EXPECT_EQ(next(*asker), "* 3 in lobby: " + asker_name + " alice carol");

  say(*asker, "after");
  EXPECT_EQ(next(*alice), asker_name + ":after") << "the /who reply is private";
  EXPECT_EQ(next(*carol), asker_name + ":after") << "the /who reply is private";
  EXPECT_EQ(next(*asker), asker_name + ":after");
}

TEST_F(ChatFeatures, MeSendsAnActionToEveryoneAsStarNameText) {
  start(plain_options());
  auto actor = connect();
  auto watcher = connect();
  wait_for_members(2);

  say(*actor, "/me waves at everyone");
  EXPECT_EQ(next(*actor), "* " + actor->name() + " waves at everyone");
  EXPECT_EQ(next(*watcher), "* " + actor->name() + " waves at everyone");

  say(*actor, "/nick alice");
  EXPECT_EQ(next(*watcher), renamed(actor->name(), "alice"));
  say(*actor, "/me  bows ");
  EXPECT_EQ(next(*watcher), "* alice bows") << "the action is trimmed";
}

TEST_F(ChatFeatures, DoubleSlashSendsAMessageThatStartsWithASlash) {
  start(plain_options());
  auto sender = connect();
  auto watcher = connect();
  wait_for_members(2);

  say(*sender, "//etc/passwd is a path, /nick is a command");
  EXPECT_EQ(next(*sender), sender->name() + ":/etc/passwd is a path, /nick is a command");
  EXPECT_EQ(next(*watcher), sender->name() + ":/etc/passwd is a path, /nick is a command");
  say(*sender, "//");
  EXPECT_EQ(next(*watcher), sender->name() + ":/");
}

TEST_F(ChatFeatures, UnknownCommandsAreRefusedToTheSenderOnly) {
  start(plain_options());
  auto sender = connect();
  auto watcher = connect();
  wait_for_members(2);

  say(*sender, "/dance wildly");
  EXPECT_EQ(next(*sender), "! unknown command /dance (try /help)");
  say(*sender, "/NICK bob");
  EXPECT_EQ(next(*sender), "! unknown command /NICK (try /help)") << "commands are case-sensitive";
  say(*sender, "/");
  EXPECT_EQ(next(*sender), "! unknown command / (try /help)");

  say(*sender, "after");
  EXPECT_EQ(next(*watcher), sender->name() + ":after") << "errors are private";
  EXPECT_EQ(next(*sender), sender->name() + ":after");
}

TEST_F(ChatFeatures, HelpListsTheCommandsToTheSenderOnly) {
  start(plain_options());
  auto asker = connect();
  auto watcher = connect();
  wait_for_members(2);

  say(*asker, "/help");
  const Lines help = {
      "* /nick NAME    choose your name (letters, digits, _-[]{}|^`; up to 32)",
      "* /who          list the members of your room",
      "* /me TEXT      say TEXT as an action: * NAME TEXT",
      "* /join ROOM    move to ROOM (everybody starts in lobby)",
      "* /rooms        list rooms and how many are in each",
      "* /msg NICK TEXT send TEXT to NICK alone, wherever they are",
      "* /topic [TEXT] show the room's topic, or set it (/topic - clears it)",
      "* /quit [why]   leave, telling the room why",
      "* /help         this list; //text sends a message that starts with /",
  };
  for (const std::string& line : help) EXPECT_EQ(next(*asker), line);

  say(*asker, "after");
  EXPECT_EQ(next(*watcher), asker->name() + ":after") << "/help is private";
  EXPECT_EQ(next(*asker), asker->name() + ":after");
}

TEST_F(ChatFeatures, CommandsMissingTheirArgumentGetAUsageErrorAndChangeNothing) {
  start(plain_options());
  auto sender = connect();
  auto watcher = connect();
  wait_for_members(2);

  say(*sender, "/nick");
  EXPECT_EQ(next(*sender), "! usage: /nick NAME");
  say(*sender, "/nick   ");
  EXPECT_EQ(next(*sender), "! usage: /nick NAME");
  say(*sender, "/join");
  EXPECT_EQ(next(*sender), "! usage: /join ROOM");
  say(*sender, "/me");
  EXPECT_EQ(next(*sender), "! usage: /me TEXT");

  say(*sender, "/who");
  EXPECT_EQ(next(*sender), "* 2 in lobby: " + std::min(sender->name(), watcher->name()) + " " +
                               std::max(sender->name(), watcher->name()))
      << "still in the lobby";
  say(*sender, "after");
  EXPECT_EQ(next(*sender), sender->name() + ":after") << "still under its address";
  EXPECT_EQ(next(*watcher), sender->name() + ":after");
}

}  // namespace
}  // namespace chatd::test
