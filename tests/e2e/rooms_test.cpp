// End to end, rooms: /join moves a client and announces it in both rooms, messages stay in their
// room, /rooms counts members, emptied rooms go away (the lobby stays), and hopping loses nothing.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <string>
#include <thread>
#include <utility>

#include "support/chat_features.hpp"

namespace chatd::test {
namespace {

using namespace std::chrono_literals;

TEST_F(ChatFeatures, JoinMovesAClientAndAnnouncesTheMoveInBothRooms) {
  auto options = plain_options();
  options.room.notice_limit = 100;
  start(options);
  auto mover = connect();
  wait_for_members(1);
  EXPECT_EQ(next(*mover), "* " + mover->name() + " joined") << "everybody starts in the lobby";
  auto stayer = connect();
  wait_for_members(2);
  EXPECT_EQ(next(*mover), "* " + stayer->name() + " joined");
  EXPECT_EQ(next(*stayer), "* " + stayer->name() + " joined");
  const std::string mover_name = mover->name();
  const std::string stayer_name = stayer->name();

  say(*mover, "/join rust");
  EXPECT_EQ(next(*stayer), "* " + mover_name + " left (moved to rust)");
  EXPECT_EQ(next(*mover), "* " + mover_name + " joined") << "the mover sees its arrival only";
  say(*mover, "/who");
  EXPECT_EQ(next(*mover), "* 1 in rust: " + mover_name);
  say(*stayer, "/who");
  EXPECT_EQ(next(*stayer), "* 1 in lobby: " + stayer_name);

  say(*mover, "/join Lobby");  // room names ignore case; the room keeps its own spelling
  EXPECT_EQ(next(*stayer), "* " + mover_name + " joined");
  EXPECT_EQ(next(*mover), "* " + mover_name + " joined");
  say(*mover, "/who");
  EXPECT_EQ(next(*mover), "* 2 in lobby: " + std::min(mover_name, stayer_name) + " " +
                              std::max(mover_name, stayer_name));
}

TEST_F(ChatFeatures, MessagesStayWithinTheirRoom) {
  start(plain_options());
  auto roomer = connect();
  auto talker = connect();
  auto listener = connect();
  wait_for_members(3);
  const std::string roomer_name = roomer->name();
  const std::string talker_name = talker->name();
  const std::string listener_name = listener->name();

  say(*roomer, "/join x");
  say(*roomer, "/who");
  EXPECT_EQ(next(*roomer), "* 1 in x: " + roomer_name);
  wait_for_members(2);

  say(*talker, "in the lobby");
  EXPECT_EQ(next(*talker), talker_name + ":in the lobby");
  EXPECT_EQ(next(*listener), talker_name + ":in the lobby");
  say(*roomer, "in x");
  EXPECT_EQ(next(*roomer), roomer_name + ":in x") << "the lobby's message did not follow it";
  say(*listener, "lobby again");
  EXPECT_EQ(next(*talker), listener_name + ":lobby again") << "x's message stayed in x";
  EXPECT_EQ(next(*listener), listener_name + ":lobby again") << "x's message stayed in x";

  say(*talker, "/join X");
  say(*talker, "/who");
  EXPECT_EQ(next(*talker), "* 2 in x: " + std::min(roomer_name, talker_name) + " " +
                               std::max(roomer_name, talker_name));
  say(*listener, "alone now");
  EXPECT_EQ(next(*listener), listener_name + ":alone now");
  say(*roomer, "both in x");
  EXPECT_EQ(next(*roomer), roomer_name + ":both in x");
  EXPECT_EQ(next(*talker), roomer_name + ":both in x") << "the lobby's message stayed there";
}

TEST_F(ChatFeatures, RoomsListsEveryRoomWithItsMemberCount) {
  start(plain_options());
  auto rustacean = connect();
  auto gopher = connect();
  auto asker = connect();
  wait_for_members(3);

  say(*asker, "/rooms");
  EXPECT_EQ(next(*asker), "* rooms: lobby (3)");

  say(*rustacean, "/join rust");
  say(*rustacean, "/who");
  EXPECT_EQ(next(*rustacean), "* 1 in rust: " + rustacean->name());
  say(*gopher, "/join Go");
  say(*gopher, "/who");
  EXPECT_EQ(next(*gopher), "* 1 in Go: " + gopher->name());
  say(*asker, "/rooms");
  EXPECT_EQ(next(*asker), "* rooms: Go (1), lobby (1), rust (1)") << "sorted ignoring case";

  say(*gopher, "/join rust");
  say(*gopher, "/who");
  EXPECT_EQ(next(*gopher), "* 2 in rust: " + std::min(rustacean->name(), gopher->name()) + " " +
                               std::max(rustacean->name(), gopher->name()));
  say(*asker, "/rooms");
  EXPECT_EQ(next(*asker), "* rooms: lobby (1), rust (2)");
}

TEST_F(ChatFeatures, AnEmptiedRoomGoesAwayWithItsHistoryButTheLobbyStays) {
  auto options = plain_options();
  options.room.history = 10;
  start(options);
  auto wanderer = connect();
  wait_for_members(1);
  const std::string name = wanderer->name();

  say(*wanderer, "/join attic");
  say(*wanderer, "said in the first attic");
  EXPECT_EQ(next(*wanderer), name + ":said in the first attic");
  say(*wanderer, "/rooms");
  auto listing = next(*wanderer);
  ASSERT_TRUE(listing);
  EXPECT_TRUE(listing->starts_with("* rooms: attic (1), lobby (")) << *listing;

  say(*wanderer, "/join lobby");
  say(*wanderer, "/rooms");
  listing = next(*wanderer);
  ASSERT_TRUE(listing);
  EXPECT_TRUE(listing->starts_with("* rooms: lobby (")) << *listing;
  EXPECT_EQ(listing->find("attic"), std::string::npos) << *listing;

  // A room of the same name later is a new room: no history from the old one.
  say(*wanderer, "/join attic");
  say(*wanderer, "/who");
  EXPECT_EQ(next(*wanderer), "* 1 in attic: " + name);
  say(*wanderer, "fresh");
  EXPECT_EQ(next(*wanderer), name + ":fresh");

  // The lobby is never forgotten, and keeps its history while empty.
  say(*wanderer, "/join lobby");
  say(*wanderer, "said in the lobby");
  EXPECT_EQ(next(*wanderer), name + ":said in the lobby");
  say(*wanderer, "/join attic");
  say(*wanderer, "/who");
  EXPECT_EQ(next(*wanderer), "* 1 in attic: " + name);
  say(*wanderer, "/join lobby");
  EXPECT_EQ(next(*wanderer), "* last 1 message:");
  EXPECT_EQ(next(*wanderer), name + ":said in the lobby");
}

TEST_F(ChatFeatures, JoinRefusesTheCurrentRoomAndInvalidRoomNames) {
  start(plain_options());
  auto client = connect();
  auto watcher = connect();
  wait_for_members(2);

  say(*client, "/join lobby");
  EXPECT_EQ(next(*client), "! you are already in lobby");
  say(*client, "/join LOBBY");
  EXPECT_EQ(next(*client), "! you are already in lobby");
  const std::string rules = "': use 1-32 letters, digits or _-[]{}|^`";
  for (const std::string& room :
       {std::string("two words"), std::string("1st"), std::string(33, 'r'), std::string("a.b")}) {
    say(*client, "/join " + room);
    EXPECT_EQ(next(*client), "! invalid room name '" + room + rules);
  }
  say(*client, "/join x");
  say(*client, "/join X");
  EXPECT_EQ(next(*client), "! you are already in x");

  wait_for_members(1);
  say(*watcher, "after");
  EXPECT_EQ(next(*watcher), watcher->name() + ":after") << "errors are private";
}

// Each room passed through owes the client its arrival notice and the replies given there, even
// when the next /join comes before the writer has caught up with the previous one.
TEST_F(ChatFeatures, AClientMovingThroughSeveralRoomsAtOnceGetsEveryReplyAndNotice) {
  auto options = plain_options();
  options.room.notice_limit = 100;
  start(options);
  auto mover = connect();
  wait_for_members(1);
  const std::string name = mover->name();
  EXPECT_EQ(next(*mover), "* " + name + " joined");

  constexpr int rooms = 4;
  std::string commands;
  for (int room = 0; room < rooms; ++room)
    commands += "/join r" + std::to_string(room) + "\n/who\n";
  ASSERT_TRUE(mover->send(commands + "done\n"));

  Lines replies;
  std::size_t arrivals = 0;
  for (const std::string& line : lines_before(*mover, name + ":done")) {
    if (line == "* " + name + " joined") {
      ++arrivals;
    } else {
      replies.push_back(line);
    }
  }
  Lines expected;
  for (int room = 0; room < rooms; ++room)
    expected.push_back("* 1 in r" + std::to_string(room) + ": " + name);
  EXPECT_EQ(replies, expected);
  EXPECT_EQ(arrivals, static_cast<std::size_t>(rooms)) << "one arrival notice per room";
}

// While one member sends numbered messages into a room, another who stays receives each exactly
// once and in order, while a third hops out and back in again and again.
TEST_F(ChatFeatures, AMemberWhoStaysGetsEveryMessageOnceInOrderWhileAnotherHopsRooms) {
  auto options = plain_options();
  options.room.notice_limit = 100;  // the hops are announced: they interleave with the messages
  start(options, 4);
  auto sender = connect();
  auto stayer = connect();
  auto hopper = connect();
  wait_for_members(3);
  for (auto [client, nick] : {std::pair{sender.get(), "sender"}, std::pair{stayer.get(), "stayer"},
                              std::pair{hopper.get(), "hopper"}}) {
    say(*client, std::string("/nick ") + nick);
    say(*client, "/join alpha");
    lines_before(*client, std::string("* ") + nick + " joined");
  }
  say(*stayer, "ready");
  for (auto* client : {sender.get(), stayer.get(), hopper.get()})
    lines_before(*client, "stayer:ready");

  constexpr int messages = 2000;
  constexpr int hops = 40;
  std::thread sending([&client = *sender] {
    for (int i = 0; i < messages; i += 20) {
      std::string batch;
      for (int j = i; j < i + 20; ++j) batch += std::to_string(j) + "\n";
      if (!client.send(batch)) return;
      std::this_thread::sleep_for(1ms);
    }
  });
  std::thread hopping([&client = *hopper] {
    for (int hop = 0; hop < hops; ++hop) {
      if (!client.send("/join c\n")) return;
      std::this_thread::sleep_for(1ms);
      if (!client.send("/join alpha\n")) return;
      std::this_thread::sleep_for(1ms);
    }
    client.send("done\n");
  });
  sending.join();
  hopping.join();
  EXPECT_EQ(server->server().live_sessions(), 3u) << "nobody may be disconnected by the hops";

  // The hopper never sees a message twice or out of order, whichever room it was in.
  int last_seen = -1;
  const auto check_hopper_line = [&](const std::string& line) {
    if (!line.starts_with("sender:")) return;
    const int number = std::stoi(line.substr(7));
    EXPECT_GT(number, last_seen) << "the hopper saw a message again or out of order";
    last_seen = number;
  };
  for (const auto& line : lines_before(*hopper, "hopper:done")) check_hopper_line(line);
  say(*sender, "end");
  for (const auto& line : lines_before(*hopper, "sender:end")) check_hopper_line(line);

  Lines messages_seen;
  Lines hops_seen;
  std::size_t done_seen = 0;
  for (auto& line : lines_before(*stayer, "sender:end")) {
    if (line.starts_with("sender:")) {
      messages_seen.push_back(line);
    } else if (line == "hopper:done") {
      ++done_seen;
    } else {
      hops_seen.push_back(line);
    }
  }
  Lines expected_messages;
  for (int i = 0; i < messages; ++i) expected_messages.push_back("sender:" + std::to_string(i));
  EXPECT_EQ(messages_seen, expected_messages);
  Lines expected_hops;
  for (int hop = 0; hop < hops; ++hop) {
    expected_hops.push_back("* hopper left (moved to c)");
    expected_hops.push_back("* hopper joined");
  }
  EXPECT_EQ(hops_seen, expected_hops);
  EXPECT_EQ(done_seen, 1u);
}

}  // namespace
}  // namespace chatd::test
