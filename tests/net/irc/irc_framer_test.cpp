// IrcFramer: terminators, reads split anywhere, IRC's two-part limit (512 bytes with "\r\n" for
// the message, 4096 more for a client's tags) at and around its edges, one too_long per long
// line with the next line intact, and the memory bound under a line that never ends.
#include "net/irc/irc_framer.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace chatd::net::irc {
namespace {

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

void feed_into(IrcFramer& framer, std::string_view bytes, std::vector<Frame>& frames) {
  const std::size_t consumed = framer.feed(bytes, [&](FrameKind kind, std::string_view text) {
    frames.push_back({kind, std::string(text)});
  });
  EXPECT_EQ(consumed, bytes.size());
}

std::vector<Frame> frames_of(std::string_view bytes) {
  IrcFramer framer;
  std::vector<Frame> frames;
  feed_into(framer, bytes, frames);
  return frames;
}

// The same bytes, one byte per read.
std::vector<Frame> frames_byte_by_byte(std::string_view bytes) {
  IrcFramer framer;
  std::vector<Frame> frames;
  for (std::size_t i = 0; i < bytes.size(); ++i) feed_into(framer, bytes.substr(i, 1), frames);
  return frames;
}

const std::string longest_message(510, 'm');                          // 512 bytes with its "\r\n"
const std::string longest_tags = "@" + std::string(4094, 't') + " ";  // 4096 bytes

TEST(IrcFramer, SplitsLinesOnCrLfAndOnBareLf) {
  EXPECT_EQ(frames_of("NICK a\r\nUSER u 0 * :r\nPING x\r\n"),
            (std::vector{line("NICK a"), line("USER u 0 * :r"), line("PING x")}));
}

TEST(IrcFramer, HandsOutEmptyLines) {
  EXPECT_EQ(frames_of("\r\n\n"), (std::vector{line(""), line("")}));
}

TEST(IrcFramer, HoldsAnUnfinishedLineUntilItsNewlineArrives) {
  IrcFramer framer;
  std::vector<Frame> frames;
  feed_into(framer, "PRIV", frames);
  EXPECT_TRUE(frames.empty());
  EXPECT_EQ(framer.buffered(), 4u);
  feed_into(framer, "MSG #a :hi\r", frames);
  EXPECT_TRUE(frames.empty());
  feed_into(framer, "\nPI", frames);
  EXPECT_EQ(frames, std::vector{line("PRIVMSG #a :hi")});
  EXPECT_EQ(framer.buffered(), 2u);
}

TEST(IrcFramer, AcceptsAMessageOfExactly512BytesWithItsCrLf) {
  const std::string bytes = longest_message + "\r\n";
  EXPECT_EQ(frames_of(bytes), std::vector{line(longest_message)});
  EXPECT_EQ(frames_byte_by_byte(bytes), std::vector{line(longest_message)});
}

TEST(IrcFramer, ReportsALineOver512BytesOnceAndResumesAfterIt) {
  const std::string bytes = longest_message + "m\r\nPING after\r\n";
  EXPECT_EQ(frames_of(bytes), (std::vector{too_long, line("PING after")}));
  EXPECT_EQ(frames_byte_by_byte(bytes), (std::vector{too_long, line("PING after")}));
}

TEST(IrcFramer, CountsABareLfLineAgainstTheSameLimit) {
  // 511 bytes before a bare "\n" would be 513 with a "\r\n".
  EXPECT_EQ(frames_of(longest_message + "m\n"), std::vector{too_long});
  EXPECT_EQ(frames_of(longest_message + "\n"), std::vector{line(longest_message)});
}

TEST(IrcFramer, RefusesALongLineAsSoonAsItCanNoLongerFit) {
  IrcFramer framer;
  std::vector<Frame> frames;
  feed_into(framer, longest_message, frames);
  feed_into(framer, "\r", frames);  // may still be the end of a "\r\n"
  EXPECT_TRUE(frames.empty());
  feed_into(framer, "x", frames);  // it was not
  EXPECT_EQ(frames, std::vector{too_long});
  EXPECT_EQ(framer.buffered(), 0u);
  feed_into(framer, std::string(10000, 'y'), frames);  // the rest of it is skipped, not held
  EXPECT_EQ(framer.buffered(), 0u);
  feed_into(framer, "z\r\nPING ok\r\n", frames);
  EXPECT_EQ(frames, (std::vector{too_long, line("PING ok")}));
}

TEST(IrcFramer, AllowsTagsOfUpTo4096BytesBeforeAFullMessage) {
  const std::string bytes = longest_tags + longest_message + "\r\n";
  EXPECT_EQ(frames_of(bytes), std::vector{line(longest_tags + longest_message)});
  EXPECT_EQ(frames_byte_by_byte(bytes), std::vector{line(longest_tags + longest_message)});
}

TEST(IrcFramer, RefusesTagsOver4096Bytes) {
  const std::string tags = "@" + std::string(4095, 't') + " ";
  EXPECT_EQ(frames_of(tags + "PING x\r\nPING y\r\n"), (std::vector{too_long, line("PING y")}));
  EXPECT_EQ(frames_byte_by_byte(tags + "PING x\r\nPING y\r\n"),
            (std::vector{too_long, line("PING y")}));
}

TEST(IrcFramer, RefusesAMessageOver512BytesAfterTags) {
  const std::string bytes = longest_tags + longest_message + "m\r\nPING y\r\n";
  EXPECT_EQ(frames_of(bytes), (std::vector{too_long, line("PING y")}));
  EXPECT_EQ(frames_byte_by_byte(bytes), (std::vector{too_long, line("PING y")}));
}

TEST(IrcFramer, DoesNotLetTagsLengthenALineWithoutThem) {
  // 600 bytes with no '@' in front: the 4096 bytes for tags do not apply.
  EXPECT_EQ(frames_of(std::string(600, 'x') + "\r\n"), std::vector{too_long});
}

TEST(IrcFramer, HoldsNoMoreThanItsBoundWhateverTheClientSends) {
  IrcFramer framer;
  std::vector<Frame> frames;
  // The longest line it may hold: full tags, a full message and the '\r' of its "\r\n".
  feed_into(framer, longest_tags + longest_message + "\r", frames);
  EXPECT_TRUE(frames.empty());
  EXPECT_EQ(framer.buffered(), IrcFramer::max_held());
  EXPECT_EQ(IrcFramer::max_held(), 4607u);
  feed_into(framer, "more", frames);
  EXPECT_EQ(frames, std::vector{too_long});
  EXPECT_EQ(framer.buffered(), 0u);
  for (int i = 0; i < 100; ++i) feed_into(framer, std::string(4096, '@'), frames);
  EXPECT_EQ(framer.buffered(), 0u);
  EXPECT_EQ(frames, std::vector{too_long});
}

TEST(IrcFramer, StopsRightAfterAFrameWhenOnFrameReturnsFalse) {
  IrcFramer framer;
  const std::string_view bytes = "A\r\nB\r\nC\r\n";
  std::vector<std::string> seen;
  const std::size_t consumed = framer.feed(bytes, [&](FrameKind, std::string_view text) {
    seen.emplace_back(text);
    return false;
  });
  EXPECT_EQ(consumed, 3u);
  EXPECT_EQ(seen, std::vector<std::string>{"A"});
  const std::size_t rest =
      framer.feed(bytes.substr(consumed), [&](FrameKind, std::string_view text) {
        seen.emplace_back(text);
        return true;
      });
  EXPECT_EQ(rest, bytes.size() - consumed);
  EXPECT_EQ(seen, (std::vector<std::string>{"A", "B", "C"}));
}

TEST(IrcFramer, ChecksLinesAgainstTheLimitItDocuments) {
  EXPECT_TRUE(within_irc_limits(""));
  EXPECT_TRUE(within_irc_limits(longest_message));
  EXPECT_FALSE(within_irc_limits(longest_message + "m"));
  EXPECT_TRUE(within_irc_limits(longest_tags + longest_message));
  EXPECT_FALSE(within_irc_limits(longest_tags + longest_message + "m"));
  EXPECT_TRUE(within_irc_limits("@" + std::string(4094, 't')));  // its space may still come
  EXPECT_FALSE(within_irc_limits("@" + std::string(4095, 't')));
}

}  // namespace
}  // namespace chatd::net::irc
