// The line protocol's syntax: which lines are messages, which are commands, and the name rules.
#include "net/line/line_parser.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace chatd::net::line {
namespace {

template <class T, class Variant>
constexpr bool is_alternative_of = false;
template <class T, class... Ts>
constexpr bool is_alternative_of<T, std::variant<Ts...>> = (std::is_same_v<T, Ts> || ...);

// The alternative of ParsedLine (or, for a command, of Command) that `line` parses as.
template <class T>
T parsed_as(std::string_view line) {
  ParsedLine parsed = parse_line(line);
  T* found = nullptr;
  if constexpr (is_alternative_of<T, Command>) {
    if (auto* command = std::get_if<Command>(&parsed)) found = std::get_if<T>(command);
  } else {
    found = std::get_if<T>(&parsed);
  }
  EXPECT_NE(found, nullptr) << line << " parsed as alternative " << parsed.index();
  return found != nullptr ? std::move(*found) : T{};
}

TEST(LineParser, APlainLineIsAMessageKeptWhole) {
  EXPECT_EQ(parsed_as<MessageLine>("hello  there ").text, "hello  there ");
}

TEST(LineParser, DoubleSlashEscapesAMessageThatStartsWithSlash) {
  EXPECT_EQ(parsed_as<MessageLine>("//nick is a command").text, "/nick is a command");
  EXPECT_EQ(parsed_as<MessageLine>("//").text, "/");
}

TEST(LineParser, ParsesEachCommandAndItsArgument) {
  EXPECT_EQ(parsed_as<command::Nick>("/nick  alice ").name, "alice");
  EXPECT_EQ(parsed_as<command::Join>("/join rust").room, "rust");
  EXPECT_EQ(parsed_as<command::Me>("/me waves at everyone").text.view(), "waves at everyone");
  EXPECT_EQ(parsed_as<command::Quit>("/quit gone fishing").reason.view(), "gone fishing");
  EXPECT_EQ(parsed_as<command::Quit>("/quit").reason.view(), "");
  parsed_as<command::Who>("/who");
  parsed_as<command::Rooms>("/rooms");
  parsed_as<command::Help>("/help");
}

TEST(LineParser, TextThatReachesOthersIsNeutralisedAndAQuitReasonIsCut) {
  EXPECT_EQ(parsed_as<command::Me>("/me rings \x07").text.view(), "rings \xEF\xBF\xBD");
  EXPECT_EQ(parsed_as<command::Quit>("/quit " + std::string(100, 'r')).reason.view(),
            std::string(64, 'r'));
}

TEST(LineParser, AnUnknownCommandKeepsItsName) {
  EXPECT_EQ(parsed_as<UnknownCommand>("/dance wildly").name, "dance");
  EXPECT_EQ(parsed_as<UnknownCommand>("/").name, "");
}

TEST(LineParser, CommandsMissingTheirArgumentAreMalformed) {
  EXPECT_EQ(parsed_as<MalformedCommand>("/nick").usage, "usage: /nick NAME");
  EXPECT_EQ(parsed_as<MalformedCommand>("/join   ").usage, "usage: /join ROOM");
  EXPECT_EQ(parsed_as<MalformedCommand>("/me").usage, "usage: /me TEXT");
}

TEST(LineParser, MsgTakesANickAndTheRestOfTheLineAsText) {
  const auto msg = parsed_as<command::Msg>("/msg  bob   hi there \x07 ");
  EXPECT_EQ(msg.nick, "bob");
  EXPECT_EQ(msg.text.view(), "hi there \xEF\xBF\xBD");
  EXPECT_EQ(parsed_as<MalformedCommand>("/msg").usage, "usage: /msg NICK TEXT");
  EXPECT_EQ(parsed_as<MalformedCommand>("/msg bob  ").usage, "usage: /msg NICK TEXT");
}

TEST(LineParser, TopicWithoutTextShowsItWithTextSetsItAndADashClearsIt) {
  EXPECT_FALSE(parsed_as<command::Topic>("/topic").text.has_value());
  EXPECT_FALSE(parsed_as<command::Topic>("/topic   ").text.has_value());
  const auto set = parsed_as<command::Topic>("/topic  Rust and \x1b coffee ");
  ASSERT_TRUE(set.text.has_value());
  EXPECT_EQ(set.text->view(), "Rust and \xEF\xBF\xBD coffee");
  const auto cleared = parsed_as<command::Topic>("/topic -");
  ASSERT_TRUE(cleared.text.has_value());
  EXPECT_TRUE(cleared.text->empty());
}

TEST(LineParser, NicknameRules) {
  const std::string longest(32, 'n');
  for (std::string_view good :
       {"a", "alice", "Bob_2", "[x]", "{y}", "a-b", "c|d", "e^f", "g`h", "_"})
    EXPECT_TRUE(is_valid_nickname(good)) << good;
  EXPECT_TRUE(is_valid_nickname(longest));
  for (const std::string& bad :
       {std::string(""), std::string(33, 'n'), std::string("1abc"), std::string("-abc"),
        std::string("has space"), std::string("colon:"), std::string("dot."),
        std::string("caf\xC3\xA9"), std::string("tab\t")})
    EXPECT_FALSE(is_valid_nickname(bad)) << bad;
}

TEST(LineParser, HelpListsEveryCommandOneLineEach) {
  const std::string_view help = help_text();
  for (const char* name :
       {"/nick", "/who", "/me", "/join", "/rooms", "/msg", "/topic", "/quit", "/help"})
    EXPECT_NE(help.find(name), std::string_view::npos) << name;
  EXPECT_EQ(std::count(help.begin(), help.end(), '\n'), 9);
}

}  // namespace
}  // namespace chatd::net::line
