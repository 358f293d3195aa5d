// A room's topic and private messages told through a room, embedded without sockets.
#include <gtest/gtest.h>

#include "actors/room.hpp"
#include "support/room_harness.hpp"

namespace chatd::actors {
namespace {

using test::RoomHarness;
using test::take_output;

void set_topic(RoomHarness& room, std::uint64_t id, std::string_view text) {
  room.send(SetTopic{MemberId{id}, SafeText(text)});
}

TEST(RoomTopic, ASetTopicIsAnnouncedToEveryMemberAndToldToANewcomerAloneOnJoining) {
  RoomHarness room;
  auto alice = room.join(1, "alice");
  auto bob = room.join(2, "bob");
  set_topic(room, 1, "rust and coffee");
  EXPECT_EQ(take_output(*alice), "* alice set the topic: rust and coffee\n");
  EXPECT_EQ(take_output(*bob), "* alice set the topic: rust and coffee\n");
  auto carol = room.join(3, "carol");
  EXPECT_EQ(take_output(*carol), "* topic of lobby: rust and coffee (set by alice)\n");
  EXPECT_EQ(take_output(*alice), "") << "the newcomer's topic is for the newcomer alone";
}

TEST(RoomTopic, TheTopicOutlivesItsSetterWhileTheRoomLives) {
  RoomHarness room;
  auto alice = room.join(1, "alice");
  set_topic(room, 1, "first");
  set_topic(room, 1, "second");
  room.leave(1);
  auto bob = room.join(2, "bob");
  room.leave(2);
  auto carol = room.join(3, "carol");
  EXPECT_EQ(take_output(*bob), "* topic of lobby: second (set by alice)\n");
  EXPECT_EQ(take_output(*carol), "* topic of lobby: second (set by alice)\n");
}

TEST(RoomTopic, AskingForTheTopicAnswersTheAskerAloneEvenWithoutOne) {
  RoomHarness room;
  auto alice = room.join(1, "alice");
  auto bob = room.join(2, "bob");
  room.send(AskTopic{MemberId{1}});
  EXPECT_EQ(take_output(*alice), "* lobby has no topic\n");
  set_topic(room, 2, "set");
  room.send(AskTopic{MemberId{1}});
  EXPECT_EQ(take_output(*alice), "* bob set the topic: set\n* topic of lobby: set (set by bob)\n");
  EXPECT_EQ(take_output(*bob), "* bob set the topic: set\n");
}

TEST(RoomTopic, AClearedTopicIsAnnouncedAndNewcomersAreToldNothing) {
  RoomHarness room;
  auto alice = room.join(1, "alice");
  set_topic(room, 1, "soon gone");
  set_topic(room, 1, "");
  EXPECT_EQ(take_output(*alice), "* alice set the topic: soon gone\n* alice cleared the topic\n");
  auto bob = room.join(2, "bob");
  EXPECT_EQ(take_output(*bob), "");
}

TEST(RoomTopic, ATopicSetBySomeoneNotInTheRoomIsIgnored) {
  RoomHarness room;
  auto alice = room.join(1, "alice");
  set_topic(room, 99, "ghost");
  room.send(AskTopic{MemberId{1}});
  EXPECT_EQ(take_output(*alice), "* lobby has no topic\n");
}

TEST(RoomPrivate, APrivateMessageReachesOnlyItsReaderAfterWhatItWasSentBefore) {
  RoomHarness room;
  auto alice = room.join(1, "alice");
  auto bob = room.join(2, "bob");
  room.say(1, "public");
  room.send(Private{MemberId{2}, "alice", "bob", SafeText("psst")});
  room.say(1, "again");
  EXPECT_EQ(take_output(*bob), "alice:public\nalice -> bob:psst\nalice:again\n");
  EXPECT_EQ(take_output(*alice), "alice:public\nalice:again\n");
  room.send(Private{MemberId{7}, "alice", "gone", SafeText("lost")});
  EXPECT_EQ(take_output(*alice), "") << "a reader no longer here gets nothing, nor anyone else";
}

}  // namespace
}  // namespace chatd::actors
