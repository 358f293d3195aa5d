// The room log: whole lines, chunk boundaries, and chunks that free themselves.
#include "actors/room_log.hpp"

#include <gtest/gtest.h>

#include <string>

namespace chatd::actors {
namespace {

std::string read_all(LogCursor& cursor, std::size_t max_bytes = 1 << 20) {
  std::string text;
  const std::size_t n = cursor.visit_published(max_bytes, [&](std::string_view bytes) { text += bytes; });
  cursor.advance(n);
  return text;
}

TEST(RoomLog, ReaderSeesNothingUntilPublished) {
  RoomLog log;
  LogCursor cursor = log.end_cursor();
  log.append({"a:", "hello", "\n"});
  EXPECT_FALSE(cursor.has_published());
  log.publish();
  EXPECT_TRUE(cursor.has_published());
  EXPECT_EQ(read_all(cursor), "a:hello\n");
  EXPECT_FALSE(cursor.has_published());
}

TEST(RoomLog, CursorCrossesChunkBoundariesWithoutSplittingLines) {
  RoomLog log(32);  // a few lines per chunk
  LogCursor cursor = log.end_cursor();
  std::string expected;
  for (int i = 0; i < 100; ++i) {
    const std::string line = "member:" + std::to_string(i) + "\n";
    log.append({line});
    expected += line;
  }
  log.publish();
  EXPECT_EQ(read_all(cursor), expected);
  EXPECT_EQ(cursor.position(), expected.size());
}

TEST(RoomLog, VisitStopsAtTheLastWholeLineWithinTheLimit) {
  RoomLog log;
  LogCursor cursor = log.end_cursor();
  log.append({"aaaa\n"});
  log.append({"bbbb\n"});
  log.publish();
  EXPECT_EQ(read_all(cursor, 7), "aaaa\n");
  EXPECT_EQ(read_all(cursor, 7), "bbbb\n");
}

TEST(RoomLog, ALineLongerThanTheLimitIsStillHandedOutWhole) {
  RoomLog log;
  LogCursor cursor = log.end_cursor();
  log.append({std::string(100, 'x'), "\n"});
  log.publish();
  EXPECT_EQ(read_all(cursor, 10).size(), 101u);
}

TEST(RoomLog, ALineLargerThanAChunkGetsAChunkOfItsOwn) {
  RoomLog log(16);
  LogCursor cursor = log.end_cursor();
  const std::string big(100, 'y');
  log.append({"a\n"});
  log.append({big, "\n"});
  log.append({"b\n"});
  log.publish();
  EXPECT_EQ(read_all(cursor), "a\n" + big + "\nb\n");
}

TEST(RoomLog, NewcomerStartsAtTheEnd) {
  RoomLog log;
  log.append({"before\n"});
  log.publish();
  LogCursor cursor = log.end_cursor();
  log.append({"after\n"});
  log.publish();
  EXPECT_EQ(read_all(cursor), "after\n");
}

TEST(RoomLog, ALongChainPinnedByOneCursorIsFreedWithoutRecursion) {
  // 200 000 chunks: a recursive chain destructor would overflow the stack here.
  RoomLog log(8);
  auto cursor = std::make_unique<LogCursor>(log.end_cursor());
  for (int i = 0; i < 200000; ++i) log.append({"1234567\n"});
  log.publish();
  EXPECT_EQ(log.end_position(), 200000u * 8);
  cursor.reset();  // must return, not crash
}

}  // namespace
}  // namespace chatd::actors
