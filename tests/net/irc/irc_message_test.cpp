// parse_irc_message and irc_line: tags, sources, commands and params as modern.ircdocs.horse
// describes them, the 512-byte limit on what the server writes, and no CR, LF or NUL in it.
#include "net/irc/irc_message.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace chatd::net::irc {
namespace {

using Params = std::vector<std::string>;

IrcMessage parsed(std::string_view line) {
  const std::optional<IrcMessage> message = parse_irc_message(line);
  EXPECT_TRUE(message.has_value()) << line;
  return message.value_or(IrcMessage{});
}

TEST(IrcMessage, ParsesACommandWithMiddleAndTrailingParams) {
  const IrcMessage message = parsed("PRIVMSG #lobby :hello there");
  EXPECT_TRUE(message.tags.empty());
  EXPECT_EQ(message.source, "");
  EXPECT_EQ(message.command, "PRIVMSG");
  EXPECT_EQ(message.params, (Params{"#lobby", "hello there"}));
}

TEST(IrcMessage, NormalisesTheCommandToUpperCase) {
  EXPECT_EQ(parsed("privMsg #a b").command, "PRIVMSG");
}

TEST(IrcMessage, KeepsANumericCommand) {
  const IrcMessage message = parsed(":irc.example 001 alice :Welcome");
  EXPECT_EQ(message.source, "irc.example");
  EXPECT_EQ(message.command, "001");
  EXPECT_EQ(message.params, (Params{"alice", "Welcome"}));
}

TEST(IrcMessage, KeepsTheSourceWithoutItsColon) {
  EXPECT_EQ(parsed(":alice!al@host NICK bob").source, "alice!al@host");
}

TEST(IrcMessage, ParsesACommandWithoutParams) {
  const IrcMessage message = parsed("QUIT");
  EXPECT_EQ(message.command, "QUIT");
  EXPECT_TRUE(message.params.empty());
}

TEST(IrcMessage, KeepsAnEmptyTrailingParam) {
  EXPECT_EQ(parsed("TOPIC #a :").params, (Params{"#a", ""}));
}

TEST(IrcMessage, KeepsColonsInsideTheTrailingParam) {
  EXPECT_EQ(parsed("PRIVMSG #a ::) a:b").params, (Params{"#a", ":) a:b"}));
}

TEST(IrcMessage, TakesALastParamWithoutColonAsAWord) {
  EXPECT_EQ(parsed("NICK alice").params, Params{"alice"});
}

TEST(IrcMessage, ToleratesRepeatedAndTrailingSpaces) {
  const IrcMessage message = parsed("  :src   JOIN   #a   #b  ");
  EXPECT_EQ(message.source, "src");
  EXPECT_EQ(message.command, "JOIN");
  EXPECT_EQ(message.params, (Params{"#a", "#b"}));
}

TEST(IrcMessage, KeepsSpacesInsideTheTrailingParam) {
  EXPECT_EQ(parsed("PRIVMSG #a :  two  spaces ").params, (Params{"#a", "  two  spaces "}));
}

TEST(IrcMessage, TakesTheRestOfTheLineAsTheFifteenthParam) {
  const IrcMessage message = parsed("CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 and more");
  ASSERT_EQ(message.params.size(), 15u);
  EXPECT_EQ(message.params[13], "14");
  EXPECT_EQ(message.params[14], "15 and more");
}

TEST(IrcMessage, TakesAColonFifteenthParamWithoutItsColon) {
  const IrcMessage message = parsed("CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 :last one");
  ASSERT_EQ(message.params.size(), 15u);
  EXPECT_EQ(message.params[14], "last one");
}

TEST(IrcMessage, ParsesTagsAsKeysAndValues) {
  const IrcMessage message = parsed("@id=123;+example.com/x=y;flag :nick PRIVMSG #a :hi");
  ASSERT_EQ(message.tags.size(), 3u);
  EXPECT_EQ(message.tags[0].key, "id");
  EXPECT_EQ(message.tags[0].value, "123");
  EXPECT_EQ(message.tags[1].key, "+example.com/x");
  EXPECT_EQ(message.tags[1].value, "y");
  EXPECT_EQ(message.tags[2].key, "flag");
  EXPECT_EQ(message.tags[2].value, "");
  EXPECT_EQ(message.source, "nick");
  EXPECT_EQ(message.command, "PRIVMSG");
  EXPECT_EQ(message.params, (Params{"#a", "hi"}));
}

TEST(IrcMessage, UnescapesTagValues) {
  const IrcMessage message = parsed(R"(@a=semi\:space\sback\\cr\rlf\n;b=\x\;c=end\ PING)");
  EXPECT_EQ(message.tag("a"), "semi;space back\\cr\rlf\n");
  EXPECT_EQ(message.tag("b"), "x");    // an unknown escape is the character itself
  EXPECT_EQ(message.tag("c"), "end");  // a lone trailing backslash is dropped
}

TEST(IrcMessage, TreatsAnEmptyTagValueAsNoValue) {
  const IrcMessage message = parsed("@a=;b PING");
  EXPECT_EQ(message.tag("a"), "");
  EXPECT_EQ(message.tag("b"), "");
}

TEST(IrcMessage, LooksUpTheLastOfARepeatedTag) {
  const IrcMessage message = parsed("@k=1;k=2 PING");
  EXPECT_EQ(message.tag("k"), "2");
  EXPECT_EQ(message.tag("missing"), std::nullopt);
}

TEST(IrcMessage, SkipsEmptyTagsAndTagsWithoutAKey) {
  const IrcMessage message = parsed("@;=x;;a=1 PING");
  ASSERT_EQ(message.tags.size(), 1u);
  EXPECT_EQ(message.tags[0].key, "a");
}

TEST(IrcMessage, RefusesLinesWithoutACommand) {
  EXPECT_EQ(parse_irc_message(""), std::nullopt);
  EXPECT_EQ(parse_irc_message("   "), std::nullopt);
  EXPECT_EQ(parse_irc_message(":only.a.source"), std::nullopt);
  EXPECT_EQ(parse_irc_message(":source   "), std::nullopt);
  EXPECT_EQ(parse_irc_message("@a=b"), std::nullopt);
  EXPECT_EQ(parse_irc_message("@a=b :source"), std::nullopt);
}

TEST(IrcMessage, KeepsAnUnknownCommandForA421) {
  EXPECT_EQ(parsed("fr0b!z x").command, "FR0B!Z");
}

TEST(IrcLine, WritesSourceCommandAndParams) {
  EXPECT_EQ(irc_line("alice!a@h", "PRIVMSG", {"#lobby", "hello there"}),
            ":alice!a@h PRIVMSG #lobby :hello there\r\n");
}

TEST(IrcLine, LeavesOutTheSourceWhenThereIsNone) {
  EXPECT_EQ(irc_line("", "PING", {"chatd"}), "PING chatd\r\n");
  EXPECT_EQ(irc_line("", "QUIT", {}), "QUIT\r\n");
}

TEST(IrcLine, WritesALastWordWithoutAColon) {
  EXPECT_EQ(irc_line("srv", "NICK", {"bob"}), ":srv NICK bob\r\n");
}

TEST(IrcLine, ColonsALastParamThatIsEmptyHasASpaceOrStartsWithAColon) {
  EXPECT_EQ(irc_line("s", "TOPIC", {"#a", ""}), ":s TOPIC #a :\r\n");
  EXPECT_EQ(irc_line("s", "PRIVMSG", {"#a", "a b"}), ":s PRIVMSG #a :a b\r\n");
  EXPECT_EQ(irc_line("s", "PRIVMSG", {"#a", ":)"}), ":s PRIVMSG #a ::)\r\n");
}

TEST(IrcLine, ReplacesCarriageReturnLineFeedAndNulWithSpaces) {
  using namespace std::string_view_literals;
  EXPECT_EQ(irc_line("s", "PRIVMSG", {"#a", "one\r\nQUIT\0x"sv}), ":s PRIVMSG #a :one  QUIT x\r\n");
  // A last param that was a single word is colon'd once its line break became a space.
  EXPECT_EQ(irc_line("s", "NICK", {"a\nb"}), ":s NICK :a b\r\n");
}

TEST(IrcLine, KeepsALineOfExactly512BytesWhole) {
  const std::string prefix = ":s PRIVMSG #a :";
  const std::string text = "a " + std::string(512 - 2 - prefix.size() - 2, 'x');
  const std::string line = irc_line("s", "PRIVMSG", {"#a", text});
  EXPECT_EQ(line.size(), 512u);
  EXPECT_EQ(line, prefix + text + "\r\n");
}

TEST(IrcLine, KeepsALastWordOfExactly512BytesWithoutAColon) {
  const std::string prefix = ":s PRIVMSG #a ";
  const std::string word(512 - 2 - prefix.size(), 'x');
  EXPECT_EQ(irc_line("s", "PRIVMSG", {"#a", word}), prefix + word + "\r\n");
}

TEST(IrcLine, CutsTheLastParamSoTheLineFitsIn512Bytes) {
  const std::string prefix = ":s PRIVMSG #a :";
  const std::string line = irc_line("s", "PRIVMSG", {"#a", std::string(600, 'x')});
  EXPECT_EQ(line, prefix + std::string(512 - 2 - prefix.size(), 'x') + "\r\n");
}

TEST(IrcLine, ColonsALastWordItHadToCut) {
  const std::string prefix = ":s NICK :";
  const std::string line = irc_line("s", "NICK", {std::string(600, 'n')});
  EXPECT_EQ(line, prefix + std::string(512 - 2 - prefix.size(), 'n') + "\r\n");
}

TEST(IrcLine, CutsOnAUtf8CharacterBoundary) {
  const std::string prefix = ":s PRIVMSG #a :";  // 15 bytes: 495 are left for the text
  // "é" is two bytes: 247 of them are 494 bytes, and half of the 248th would be the 495th.
  std::string text;
  for (int i = 0; i < 300; ++i) text += "\xC3\xA9";
  const std::string line = irc_line("s", "PRIVMSG", {"#a", text});
  EXPECT_EQ(line, prefix + text.substr(0, 494) + "\r\n");
  // A four-byte character straddling the limit goes whole.
  const std::string emoji_text = std::string(493, 'a') + "\xF0\x9F\x98\x80" + "tail";
  EXPECT_EQ(irc_line("s", "PRIVMSG", {"#a", emoji_text}), prefix + std::string(493, 'a') + "\r\n");
}

TEST(IrcLine, CutsALineWhoseFixedPartsAloneAreTooLong) {
  const std::string source(600, 's');
  const std::string line = irc_line(source, "PRIVMSG", {"#a", "text"});
  EXPECT_EQ(line, ":" + source.substr(0, 509) + "\r\n");
}

TEST(IrcLine, AppendsToWhatIsThere) {
  std::string out = "X\r\n";
  const std::string_view params[] = {"#a"};
  append_irc_line(out, "s", "JOIN", params);
  EXPECT_EQ(out, "X\r\n:s JOIN #a\r\n");
}

TEST(IrcLine, RoundTripsThroughTheParser) {
  const std::string line = irc_line("alice!a@h", "PRIVMSG", {"#lobby", ":) hi"});
  const IrcMessage message = parsed(std::string_view(line).substr(0, line.size() - 2));
  EXPECT_EQ(message.source, "alice!a@h");
  EXPECT_EQ(message.command, "PRIVMSG");
  EXPECT_EQ(message.params, (Params{"#lobby", ":) hi"}));
}

}  // namespace
}  // namespace chatd::net::irc
