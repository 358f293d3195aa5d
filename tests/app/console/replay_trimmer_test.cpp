// ReplayTrimmer: after a reconnect, only the part of the room's replay the user has not seen.
#include "app/console/replay_trimmer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace chatd::app::console {
namespace {

using Lines = std::vector<std::string>;

ReplayTrimmer::Released replay(ReplayTrimmer& trimmer, const Lines& lines) {
  trimmer.begin_replay("* last " + std::to_string(lines.size()) + " messages:");
  for (const std::string& line : lines) EXPECT_TRUE(trimmer.hold(line));
  return trimmer.release();
}

TEST(ReplayMarker, IsTheLineAReplayStartsWith) {
  EXPECT_TRUE(is_replay_marker("* last 100 messages:"));
  EXPECT_TRUE(is_replay_marker("* last 1 message:"));
  EXPECT_FALSE(is_replay_marker("* last words"));
  EXPECT_FALSE(is_replay_marker("* last x messages:"));
  EXPECT_FALSE(is_replay_marker("alice:* last 3 messages:"));
}

TEST(ReplayTrimmer, ShowsOnlyWhatCameAfterTheLastMessageSeen) {
  ReplayTrimmer trimmer;
  for (const char* line : {"a:one", "* c joined", "b:two", "a:three"}) trimmer.shown(line);
  const auto released = replay(trimmer, {"a:one", "* c joined", "b:two", "a:three", "* d joined",
                                         "b:while you were away"});
  EXPECT_EQ(released.lines, (Lines{"* d joined", "b:while you were away"}));
  EXPECT_EQ(released.skipped, 4u);
}

TEST(ReplayTrimmer, ShowsNothingWhenEverythingWasSeen) {
  ReplayTrimmer trimmer;
  for (const char* line : {"a:one", "b:two"}) trimmer.shown(line);
  const auto released = replay(trimmer, {"a:one", "b:two"});
  EXPECT_TRUE(released.lines.empty());
  EXPECT_EQ(released.skipped, 2u);
}

TEST(ReplayTrimmer, ALineSaidAgainWhileAwayIsNotTakenForTheOneSeen) {
  ReplayTrimmer trimmer;
  for (const char* line : {"a:x", "b:y", "a:ok"}) trimmer.shown(line);
  const auto released = replay(trimmer, {"a:x", "b:y", "a:ok", "c:new", "a:ok"});
  EXPECT_EQ(released.lines, (Lines{"c:new", "a:ok"}));
}

TEST(ReplayTrimmer, ShowsAllOfAReplayThatDoesNotHoldWhatWasSeen) {
  ReplayTrimmer trimmer;
  trimmer.shown("a:before a restart");
  const auto released = replay(trimmer, {"b:another history"});
  EXPECT_EQ(released.lines, (Lines{"* last 1 messages:", "b:another history"}));
  EXPECT_EQ(released.skipped, 0u);
}

TEST(ReplayTrimmer, RemembersMessagesNotNoticesOrReplies) {
  ReplayTrimmer trimmer;
  trimmer.shown("a:the last message");
  trimmer.shown("* 3 in lobby: a b c");
  trimmer.shown("! unknown command /x (try /help)");
  const auto released = replay(trimmer, {"a:the last message", "b:new"});
  EXPECT_EQ(released.lines, (Lines{"b:new"}));
}

TEST(ReplayTrimmer, HoldsAtMostItsLimit) {
  ReplayTrimmer trimmer;
  trimmer.begin_replay("* last 5000 messages:");
  for (std::size_t i = 1; i < ReplayTrimmer::max_held; ++i) ASSERT_TRUE(trimmer.hold("a:x"));
  EXPECT_FALSE(trimmer.hold("a:one too many"));
  EXPECT_EQ(trimmer.release().lines.size(), ReplayTrimmer::max_held);
}

}  // namespace
}  // namespace chatd::app::console
