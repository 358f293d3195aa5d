// LineFramer: terminators, reads split anywhere, the line limit at and around its edge, and the
// memory bound under a line that never ends.
#include "net/line/line_framer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace chatd::net::line {
namespace {

using namespace std::string_literals;

struct Frame {
  FrameKind kind;
  std::string text;
  friend bool operator==(const Frame&, const Frame&) = default;
};

void PrintTo(const Frame& frame, std::ostream* os) {
  if (frame.kind == FrameKind::too_long) {
    *os << "too_long";
  } else {
    *os << "line(" << ::testing::PrintToString(frame.text) << ")";
  }
}

Frame line(std::string text) {
  return {FrameKind::line, std::move(text)};
}
const Frame too_long{FrameKind::too_long, ""};

void feed_into(LineFramer& framer, std::string_view bytes, std::vector<Frame>& frames) {
  framer.feed(bytes, [&](FrameKind kind, std::string_view text) {
    frames.push_back({kind, std::string(text)});
  });
}

std::vector<Frame> frames_of(std::string_view bytes, std::size_t max_line) {
  LineFramer framer(max_line);
  std::vector<Frame> frames;
  feed_into(framer, bytes, frames);
  return frames;
}

TEST(LineFramer, SplitsLinesOnNewline) {
  EXPECT_EQ(frames_of("hello\nworld\n", 64), (std::vector{line("hello"), line("world")}));
}

TEST(LineFramer, DropsCarriageReturnBeforeNewline) {
  EXPECT_EQ(frames_of("hello\r\nworld\r\n", 64), (std::vector{line("hello"), line("world")}));
}

TEST(LineFramer, DropsOnlyOneCarriageReturnBeforeNewline) {
  EXPECT_EQ(frames_of("a\r\r\n", 64), std::vector{line("a\r")});
}

TEST(LineFramer, HoldsAnUnfinishedLineUntilItsNewlineArrives) {
  LineFramer framer(64);
  std::vector<Frame> frames;
  feed_into(framer, "hel", frames);
  EXPECT_TRUE(frames.empty());
  EXPECT_EQ(framer.buffered(), 3u);
  feed_into(framer, "lo\r", frames);
  EXPECT_TRUE(frames.empty());
  EXPECT_EQ(framer.buffered(), 6u);
  feed_into(framer, "\nnext", frames);
  EXPECT_EQ(frames, std::vector{line("hello")});
  EXPECT_EQ(framer.buffered(), 4u);
}

TEST(LineFramer, HandsOutALineInPlaceWhenItLiesWithinOneRead) {
  const std::string bytes = "first\nsecond\n";
  LineFramer framer(64);
  std::vector<const char*> starts;
  framer.feed(bytes, [&](FrameKind, std::string_view text) { starts.push_back(text.data()); });
  EXPECT_EQ(starts, (std::vector{bytes.data(), bytes.data() + 6}));
  EXPECT_EQ(framer.buffered(), 0u);
}

TEST(LineFramer, ReportsEmptyLinesAsEmptyText) {
  EXPECT_EQ(frames_of("\n\r\n\nx\n", 64), (std::vector{line(""), line(""), line(""), line("x")}));
}

TEST(LineFramer, IgnoresAnEmptyRead) {
  LineFramer framer(64);
  std::vector<Frame> frames;
  feed_into(framer, "", frames);
  feed_into(framer, std::string_view(), frames);
  EXPECT_TRUE(frames.empty());
  EXPECT_EQ(framer.buffered(), 0u);
}

TEST(LineFramer, PassesGarbageBytesThroughAsContent) {
  const std::string garbage = "a\0b\xFF\rc\x1B"s;
  ASSERT_EQ(garbage.size(), 7u);
  EXPECT_EQ(frames_of(garbage + "\r\n", 64), std::vector{line(garbage)});
  EXPECT_EQ(frames_of("\r\rx\r\n", 64), std::vector{line("\r\rx")});
}

TEST(LineFramer, AcceptsALineOfExactlyMaxLineBytesEndedByNewline) {
  const std::string text(4096, 'a');
  EXPECT_EQ(frames_of(text + "\n", 4096), std::vector{line(text)});
}

TEST(LineFramer, AcceptsALineOfExactlyMaxLineBytesEndedByCarriageReturnNewline) {
  const std::string text(4096, 'a');
  EXPECT_EQ(frames_of(text + "\r\n", 4096), std::vector{line(text)});
}

TEST(LineFramer, HoldsMaxLinePlusOneBytesWhenTheLastMightStartACarriageReturnNewline) {
  const std::string text(4096, 'a');
  LineFramer framer(4096);
  std::vector<Frame> frames;
  feed_into(framer, text + "\r", frames);
  EXPECT_TRUE(frames.empty());
  EXPECT_EQ(framer.buffered(), 4097u);
  feed_into(framer, "\n", frames);
  EXPECT_EQ(frames, std::vector{line(text)});
  EXPECT_EQ(framer.buffered(), 0u);
}

TEST(LineFramer, RefusesALineOfMaxLinePlusOneBytes) {
  const std::string text(4097, 'a');
  EXPECT_EQ(frames_of(text + "\n", 4096), std::vector{too_long});
  EXPECT_EQ(frames_of(text + "\r\n", 4096), std::vector{too_long});
  // A "\r" that turns out not to end the line counts as content.
  EXPECT_EQ(frames_of(std::string(4096, 'a') + "\r\r\n", 4096), std::vector{too_long});
}

TEST(LineFramer, ReportsAnOverLongLineOnceAsSoonAsTheLimitIsCrossed) {
  LineFramer framer(16);
  std::vector<Frame> frames;
  feed_into(framer, std::string(16, 'a'), frames);
  EXPECT_TRUE(frames.empty());
  EXPECT_EQ(framer.buffered(), 16u);
  feed_into(framer, "b", frames);
  EXPECT_EQ(frames, std::vector{too_long});
  EXPECT_EQ(framer.buffered(), 0u);
  for (int read = 0; read < 10; ++read) feed_into(framer, std::string(100, 'c'), frames);
  feed_into(framer, "rest of the long line\r\nnext\n", frames);
  EXPECT_EQ(frames, (std::vector{too_long, line("next")}));
  EXPECT_EQ(framer.buffered(), 0u);
}

TEST(LineFramer, FramesTheLineAfterAnOverLongLineInTheSameRead) {
  EXPECT_EQ(frames_of("ok\n0123456789\nafter\n", 8),
            (std::vector{line("ok"), too_long, line("after")}));
}

TEST(LineFramer, NeverBuffersMoreThanMaxLinePlusOneOfATenMebibyteLine) {
  constexpr std::size_t max_line = 4096;
  // All "\r": every held prefix could still be a line followed by "\r\n", the worst case.
  for (const char filler : {'x', '\r'}) {
    SCOPED_TRACE(filler == 'x' ? "filler x" : "filler \\r");
    const std::string read(4093, filler);  // odd-sized, so the limit is crossed mid-read
    LineFramer framer(max_line);
    std::vector<Frame> frames;
    std::size_t most_buffered = 0;
    for (std::size_t fed = 0; fed < 10 * 1024 * 1024; fed += read.size()) {
      feed_into(framer, read, frames);
      most_buffered = std::max(most_buffered, framer.buffered());
    }
    EXPECT_LE(most_buffered, max_line + 1);
    feed_into(framer, "\nafter\n", frames);
    EXPECT_EQ(frames, (std::vector{too_long, line("after")}));
  }
}

TEST(LineFramer, NeverBuffersMoreThanMaxLinePlusOneWhenFedOneByteAtATime) {
  constexpr std::size_t max_line = 32;
  LineFramer framer(max_line);
  std::vector<Frame> frames;
  std::size_t most_buffered = 0;
  for (int i = 0; i < 1000; ++i) {
    feed_into(framer, "\r", frames);
    most_buffered = std::max(most_buffered, framer.buffered());
  }
  EXPECT_EQ(most_buffered, max_line + 1);
  EXPECT_EQ(frames, std::vector{too_long});
}

// Lines around the limit of 8, with "\r\n" and with lone "\r" near the edge.
const std::string mixed_input =
    "abc\r\n"
    "\n"
    "12345678\r\n"    // exactly the limit
    "1234567\r\r\n"   // the limit, its last byte a "\r"
    "123456789\n"     // one over
    "12345678\r\r\n"  // one over, which is known only at the second "\r"
    "\r\n"
    "much too long for eight\r\n"
    "x\0\xFF\n"s
    "end\n";

const std::vector<Frame> mixed_frames{
    line("abc"), line(""), line("12345678"), line("1234567\r"), too_long,
    too_long,    line(""), too_long,         line("x\0\xFF"s),  line("end")};

TEST(LineFramer, FramesAMixedInputInOneRead) {
  EXPECT_EQ(frames_of(mixed_input, 8), mixed_frames);
}

TEST(LineFramer, GivesTheSameFramesWhenFedOneByteAtATime) {
  LineFramer framer(8);
  std::vector<Frame> frames;
  for (const char c : mixed_input) {
    feed_into(framer, std::string_view(&c, 1), frames);
    EXPECT_LE(framer.buffered(), 9u);
  }
  EXPECT_EQ(frames, mixed_frames);
  EXPECT_EQ(framer.buffered(), 0u);
}

TEST(LineFramer, GivesTheSameFramesWhereverTheReadsAreSplit) {
  const std::string_view input = mixed_input;
  for (std::size_t first = 0; first <= input.size(); ++first) {
    for (std::size_t second = first; second <= input.size(); ++second) {
      SCOPED_TRACE("reads split at " + std::to_string(first) + " and " + std::to_string(second));
      LineFramer framer(8);
      std::vector<Frame> frames;
      feed_into(framer, input.substr(0, first), frames);
      feed_into(framer, input.substr(first, second - first), frames);
      feed_into(framer, input.substr(second), frames);
      ASSERT_EQ(frames, mixed_frames);
      ASSERT_EQ(framer.buffered(), 0u);
    }
  }
}

}  // namespace
}  // namespace chatd::net::line
