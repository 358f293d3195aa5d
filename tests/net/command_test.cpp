// Parsing client lines into commands.
#include "net/command.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace chatd::net {
namespace {

template <class T>
T parsed_as(std::string_view line) {
  const Command command = parse_command(line);
  EXPECT_TRUE(std::holds_alternative<T>(command)) << line << " parsed as alternative " << command.index();
  return std::holds_alternative<T>(command) ? std::get<T>(command) : T{};
}

TEST(Command, APlainLineIsAMessageKeptWhole) {
  EXPECT_EQ(parsed_as<command::Message>("hello  there ").text, "hello  there ");
}

TEST(Command, DoubleSlashEscapesAMessageThatStartsWithSlash) {
  EXPECT_EQ(parsed_as<command::Message>("//nick is a command").text, "/nick is a command");
  EXPECT_EQ(parsed_as<command::Message>("//").text, "/");
}

TEST(Command, ParsesEachCommandAndItsArgument) {
  EXPECT_EQ(parsed_as<command::Nick>("/nick  alice ").name, "alice");
  EXPECT_EQ(parsed_as<command::JoinRoom>("/join rust").room, "rust");
  EXPECT_EQ(parsed_as<command::Me>("/me waves at everyone").action, "waves at everyone");
  EXPECT_EQ(parsed_as<command::Quit>("/quit gone fishing").reason, "gone fishing");
  EXPECT_EQ(parsed_as<command::Quit>("/quit").reason, "");
  parsed_as<command::Who>("/who");
  parsed_as<command::Rooms>("/rooms");
  parsed_as<command::Help>("/help");
}

TEST(Command, AnUnknownCommandKeepsItsName) {
  EXPECT_EQ(parsed_as<command::Unknown>("/dance wildly").name, "dance");
  EXPECT_EQ(parsed_as<command::Unknown>("/").name, "");
}

TEST(Command, CommandsMissingTheirArgumentAreMalformed) {
  EXPECT_EQ(parsed_as<command::Malformed>("/nick").error, "usage: /nick NAME");
  EXPECT_EQ(parsed_as<command::Malformed>("/join   ").error, "usage: /join ROOM");
  EXPECT_EQ(parsed_as<command::Malformed>("/me").error, "usage: /me TEXT");
}

TEST(Command, NicknameRules) {
  const std::string longest(32, 'n');
  for (std::string_view good : {"a", "alice", "Bob_2", "[x]", "{y}", "a-b", "c|d", "e^f", "g`h", "_"})
    EXPECT_TRUE(is_valid_nickname(good)) << good;
  EXPECT_TRUE(is_valid_nickname(longest));
  for (const std::string& bad : {std::string(""), std::string(33, 'n'), std::string("1abc"), std::string("-abc"),
                                std::string("has space"), std::string("colon:"), std::string("dot."),
                                std::string("caf\xC3\xA9"), std::string("tab\t")})
    EXPECT_FALSE(is_valid_nickname(bad)) << bad;
}

TEST(Command, HelpListsEveryCommandOneLineEach) {
  const std::string_view help = help_text();
  for (const char* name : {"/nick", "/who", "/me", "/join", "/rooms", "/quit", "/help"})
    EXPECT_NE(help.find(name), std::string_view::npos) << name;
  EXPECT_EQ(std::count(help.begin(), help.end(), '\n'), 7);
}

}  // namespace
}  // namespace chatd::net
