// How the room's lines look on a terminal: the exact bytes, since a terminal obeys every one.
#include "app/console/terminal_style.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

namespace chatd::app::console {
namespace {

std::string styled(std::string_view line, std::string_view own_name = "me") {
  std::string out;
  append_styled_line(out, line, own_name);
  return out;
}

TEST(TerminalStyle, ColoursTheSendersNameOnlyAndTheSameWayEveryTime) {
  const std::string colour(name_style("bob"));
  EXPECT_EQ(styled("bob:hello"), colour + "bob\x1b[0m:hello\n");
  EXPECT_EQ(name_style("bob"), name_style("bob"));
}

TEST(TerminalStyle, NamesGetSeveralColoursAndNeverTheRedOfErrors) {
  std::set<std::string_view> colours;
  for (int i = 0; i < 200; ++i) colours.insert(name_style("user" + std::to_string(i)));
  EXPECT_EQ(colours.size(), 10u);
  for (const std::string_view colour : colours) {
    EXPECT_TRUE(std::regex_match(std::string(colour), std::regex("\x1b\\[(3[2-6]|9[2-6])m")))
        << colour;
  }
}

TEST(TerminalStyle, OurOwnLinesHaveOurNameInBold) {
  EXPECT_EQ(styled("me:hello", "me"), "\x1b[1mme\x1b[0m:hello\n");
}

TEST(TerminalStyle, AMessageThatMentionsUsIsBold) {
  EXPECT_EQ(styled("bob:hey Alice, look", "alice"),
            std::string(name_style("bob")) + "bob\x1b[0m:\x1b[1mhey Alice, look\x1b[0m\n");
  EXPECT_EQ(styled("bob:malice aforethought", "alice"),
            std::string(name_style("bob")) + "bob\x1b[0m:malice aforethought\n");
}

TEST(TerminalStyle, MentionsAreWholeNamesIgnoringCase) {
  EXPECT_TRUE(mentions("alice: ping", "alice"));
  EXPECT_TRUE(mentions("ping @ALICE", "alice"));
  EXPECT_FALSE(mentions("alice_2 is someone else", "alice"));
  EXPECT_FALSE(mentions("[alice]x", "alice"));  // brackets belong to names
  EXPECT_FALSE(mentions("anything", ""));
}

TEST(TerminalStyle, APrivateMessageIsColouredBySenderAndBoldWhenItIsForUs) {
  EXPECT_EQ(styled("bob -> carol:psst"),
            std::string(name_style("bob")) + "bob -> carol\x1b[0m:psst\n");
  EXPECT_EQ(styled("bob -> me:psst"),
            std::string(name_style("bob")) + "bob -> me\x1b[0m:\x1b[1mpsst\x1b[0m\n");
}

TEST(TerminalStyle, NoticesAreDimAndErrorsBoldRed) {
  EXPECT_EQ(styled("* bob joined"), "\x1b[2m* bob joined\x1b[0m\n");
  EXPECT_EQ(styled("! no such nickname: x"), "\x1b[1;31m! no such nickname: x\x1b[0m\n");
}

TEST(TerminalStyle, EscapeSequencesFromTheLineAreNeutralisedBeforeStyling) {
  EXPECT_EQ(styled("x\x1b[31mred"), "x\xEF\xBF\xBD[31mred\n");
  EXPECT_EQ(styled("bob:\x1b]0;title\x07"),
            std::string(name_style("bob")) + "bob\x1b[0m:\xEF\xBF\xBD]0;title\xEF\xBF\xBD\n");
}

TEST(TerminalStyle, TheClockPrefixIsHoursAndMinutes) {
  EXPECT_TRUE(std::regex_match(clock_prefix(), std::regex("([01][0-9]|2[0-3]):[0-5][0-9] ")));
}

}  // namespace
}  // namespace chatd::app::console
