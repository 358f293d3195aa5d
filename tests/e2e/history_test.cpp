// End to end, history: a newcomer gets the last messages in order before live traffic, and
// --history 0 replays nothing.
#include <gtest/gtest.h>

#include <string>

#include "support/chat_features.hpp"

namespace chatd::test {
namespace {

TEST_F(ChatFeatures, ANewcomerGetsTheLastMessagesInOrderThenLiveTraffic) {
  auto options = plain_options();
  options.room.history = 3;
  start(options);
  auto old_timer = connect();
  wait_for_members(1);
  const std::string name = old_timer->name();
  ASSERT_TRUE(old_timer->send("m0\nm1\nm2\nm3\n"));
  say(*old_timer, "/me waves");  // an action is a message too
  EXPECT_EQ(
      lines_through(*old_timer, "* " + name + " waves"),
      (Lines{name + ":m0", name + ":m1", name + ":m2", name + ":m3", "* " + name + " waves"}));

  auto newcomer = connect();
  wait_for_members(2);
  say(*old_timer, "live");
  EXPECT_EQ(next(*newcomer), "* last 3 messages:");
  EXPECT_EQ(next(*newcomer), name + ":m2");
  EXPECT_EQ(next(*newcomer), name + ":m3");
  EXPECT_EQ(next(*newcomer), "* " + name + " waves");
  EXPECT_EQ(next(*newcomer), name + ":live");
}

TEST_F(ChatFeatures, HistoryZeroReplaysNothing) {
  auto options = plain_options();
  options.room.history = 0;
  start(options);
  auto old_timer = connect();
  wait_for_members(1);
  say(*old_timer, "before");
  EXPECT_EQ(next(*old_timer), old_timer->name() + ":before");

  auto newcomer = connect();
  wait_for_members(2);
  say(*old_timer, "after");
  EXPECT_EQ(next(*newcomer), old_timer->name() + ":after");
}

}  // namespace
}  // namespace chatd::test
