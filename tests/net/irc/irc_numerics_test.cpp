// Numeric replies byte for byte: the fixed texts, the registration burst, MOTD and NAMES split
// so that no line passes 512 bytes.
#include "net/irc/irc_numerics.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace chatd::net::irc {
namespace {

std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> lines;
  while (!text.empty()) {
    const std::size_t end = text.find("\r\n");
    EXPECT_NE(end, std::string_view::npos) << "a line without its CRLF";
    if (end == std::string_view::npos) break;
    lines.emplace_back(text.substr(0, end + 2));
    text.remove_prefix(end + 2);
  }
  return lines;
}

TEST(IrcNumerics, RendersANumericWithItsFixedText) {
  EXPECT_EQ(numeric_line("chatd.example", Numeric::err_nicknameinuse, "*", {"alice"}),
            ":chatd.example 433 * alice :Nickname is already in use\r\n");
}

TEST(IrcNumerics, PadsTheNumericToThreeDigits) {
  EXPECT_EQ(numeric_line("s", Numeric::rpl_isupport, "bob", {"NICKLEN=32"}),
            ":s 005 bob NICKLEN=32 :are supported by this server\r\n");
}

TEST(IrcNumerics, LeavesTheLastParamToTheCallerWhenTheTextIsData) {
  EXPECT_EQ(numeric_line("s", Numeric::rpl_topic, "bob", {"#lobby", "the topic"}),
            ":s 332 bob #lobby :the topic\r\n");
  EXPECT_EQ(numeric_line("s", Numeric::rpl_list, "bob", {"#lobby", "3", ""}),
            ":s 322 bob #lobby 3 :\r\n");
  EXPECT_EQ(numeric_line("s", Numeric::rpl_umodeis, "bob", {"+i"}), ":s 221 bob +i\r\n");
}

TEST(IrcNumerics, RendersTheErrorsTheDoorNeeds) {
  const std::string s = "srv";
  EXPECT_EQ(numeric_line(s, Numeric::err_nosuchnick, "a", {"zed"}),
            ":srv 401 a zed :No such nick/channel\r\n");
  EXPECT_EQ(numeric_line(s, Numeric::err_nosuchchannel, "a", {"#x.y"}),
            ":srv 403 a #x.y :No such channel\r\n");
  EXPECT_EQ(numeric_line(s, Numeric::err_noorigin, "a", {}), ":srv 409 a :No origin specified\r\n");
  EXPECT_EQ(numeric_line(s, Numeric::err_norecipient, "a", {"No recipient given (PRIVMSG)"}),
            ":srv 411 a :No recipient given (PRIVMSG)\r\n");
  EXPECT_EQ(numeric_line(s, Numeric::err_notexttosend, "a", {}), ":srv 412 a :No text to send\r\n");
  EXPECT_EQ(numeric_line(s, Numeric::err_inputtoolong, "a", {}),
            ":srv 417 a :Input line was too long\r\n");
  EXPECT_EQ(numeric_line(s, Numeric::err_unknowncommand, "a", {"FROB"}),
            ":srv 421 a FROB :Unknown command\r\n");
  EXPECT_EQ(numeric_line(s, Numeric::err_nonicknamegiven, "*", {}),
            ":srv 431 * :No nickname given\r\n");
  EXPECT_EQ(numeric_line(s, Numeric::err_erroneusnickname, "*", {"1x"}),
            ":srv 432 * 1x :Erroneus nickname\r\n");
  EXPECT_EQ(numeric_line(s, Numeric::err_notonchannel, "a", {"#b"}),
            ":srv 442 a #b :You're not on that channel\r\n");
  EXPECT_EQ(numeric_line(s, Numeric::err_notregistered, "*", {}),
            ":srv 451 * :You have not registered\r\n");
  EXPECT_EQ(numeric_line(s, Numeric::err_needmoreparams, "a", {"JOIN"}),
            ":srv 461 a JOIN :Not enough parameters\r\n");
  EXPECT_EQ(numeric_line(s, Numeric::err_alreadyregistered, "a", {}),
            ":srv 462 a :You may not reregister\r\n");
  EXPECT_EQ(numeric_line(s, Numeric::err_chanoprivsneeded, "a", {"#b"}),
            ":srv 482 a #b :You're not channel operator\r\n");
}

TEST(IrcNumerics, RendersAwayWhoisWhoListAndTopicReplies) {
  const std::string s = "srv";
  EXPECT_EQ(numeric_line(s, Numeric::rpl_away, "a", {"bob", "gone"}), ":srv 301 a bob gone\r\n");
  EXPECT_EQ(numeric_line(s, Numeric::rpl_unaway, "a", {}),
            ":srv 305 a :You are no longer marked as being away\r\n");
  EXPECT_EQ(numeric_line(s, Numeric::rpl_nowaway, "a", {}),
            ":srv 306 a :You have been marked as being away\r\n");
  EXPECT_EQ(numeric_line(s, Numeric::rpl_whoisuser, "a", {"bob", "bob", "h", "*", "Bob B"}),
            ":srv 311 a bob bob h * :Bob B\r\n");
  EXPECT_EQ(numeric_line(s, Numeric::rpl_whoisserver, "a", {"bob", "srv", "chatd"}),
            ":srv 312 a bob srv chatd\r\n");
  EXPECT_EQ(numeric_line(s, Numeric::rpl_endofwhois, "a", {"bob"}),
            ":srv 318 a bob :End of /WHOIS list\r\n");
  EXPECT_EQ(
      numeric_line(s, Numeric::rpl_whoreply, "a", {"#l", "bob", "h", "srv", "bob", "H", "0 Bob"}),
      ":srv 352 a #l bob h srv bob H :0 Bob\r\n");
  EXPECT_EQ(numeric_line(s, Numeric::rpl_endofwho, "a", {"#l"}),
            ":srv 315 a #l :End of WHO list\r\n");
  EXPECT_EQ(numeric_line(s, Numeric::rpl_liststart, "a", {"Channel"}),
            ":srv 321 a Channel :Users  Name\r\n");
  EXPECT_EQ(numeric_line(s, Numeric::rpl_listend, "a", {}), ":srv 323 a :End of /LIST\r\n");
  EXPECT_EQ(numeric_line(s, Numeric::rpl_channelmodeis, "a", {"#l", "+n"}), ":srv 324 a #l +n\r\n");
  EXPECT_EQ(numeric_line(s, Numeric::rpl_creationtime, "a", {"#l", "1700000000"}),
            ":srv 329 a #l 1700000000\r\n");
  EXPECT_EQ(numeric_line(s, Numeric::rpl_notopic, "a", {"#l"}),
            ":srv 331 a #l :No topic is set\r\n");
  EXPECT_EQ(numeric_line(s, Numeric::rpl_topicwhotime, "a", {"#l", "bob", "1700000000"}),
            ":srv 333 a #l bob 1700000000\r\n");
}

TEST(IrcNumerics, WelcomesWith001To005) {
  const ServerInfo info{"irc.example", "chatd", "1.2.3", "Mon Dec 1 2026 at 10:00:00 UTC"};
  EXPECT_EQ(
      lines_of(welcome_lines(info, "alice", "al", "127.0.0.1")),
      (std::vector<std::string>{
          ":irc.example 001 alice :Welcome to the chatd Network, alice!al@127.0.0.1\r\n",
          ":irc.example 002 alice :Your host is irc.example, running version 1.2.3\r\n",
          ":irc.example 003 alice :This server was created Mon Dec 1 2026 at 10:00:00 UTC\r\n",
          ":irc.example 004 alice irc.example 1.2.3 i n\r\n",
          ":irc.example 005 alice CASEMAPPING=ascii CHANMODES=,,,n CHANNELLEN=33 CHANTYPES=# "
          "NETWORK=chatd NICKLEN=32 PREFIX= :are supported by this server\r\n"}));
}

TEST(IrcNumerics, SendsTheMotdBetweenItsStartAndEnd) {
  const std::string_view motd[] = {"Hello.", "Be kind."};
  EXPECT_EQ(lines_of(motd_lines("s", "a", motd)),
            (std::vector<std::string>{":s 375 a :- s Message of the day - \r\n",
                                      ":s 372 a :- Hello.\r\n", ":s 372 a :- Be kind.\r\n",
                                      ":s 376 a :End of /MOTD command.\r\n"}));
}

TEST(IrcNumerics, SendsNoMotdAs422) {
  EXPECT_EQ(motd_lines("s", "a", {}), ":s 422 a :MOTD File is missing\r\n");
}

TEST(IrcNumerics, ListsNamesThenEndsTheList) {
  const std::string_view names[] = {"alice", "bob", "ip-127-0-0-1_40312"};
  EXPECT_EQ(lines_of(names_lines("s", "alice", "#lobby", names)),
            (std::vector<std::string>{":s 353 alice = #lobby :alice bob ip-127-0-0-1_40312\r\n",
                                      ":s 366 alice #lobby :End of /NAMES list\r\n"}));
}

TEST(IrcNumerics, SendsOnlyTheEndOfAnEmptyNamesList) {
  EXPECT_EQ(names_lines("s", "a", "#x", {}), ":s 366 a #x :End of /NAMES list\r\n");
}

TEST(IrcNumerics, SplitsALongNamesListIntoLinesOfAtMost512Bytes) {
  std::vector<std::string> storage;
  for (int i = 0; i < 200; ++i)
    storage.push_back("member" + std::string(26 - 6, 'x') + std::to_string(1000 + i));
  const std::vector<std::string_view> names(storage.begin(), storage.end());
  const std::string server = "irc.example.org";
  const std::vector<std::string> lines = lines_of(names_lines(server, "alice", "#lobby", names));
  ASSERT_GE(lines.size(), 3u);
  std::vector<std::string> seen;
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
    const std::string& line = lines[i];
    EXPECT_LE(line.size(), 512u);
    const std::string prefix = ":irc.example.org 353 alice = #lobby :";
    ASSERT_EQ(line.substr(0, prefix.size()), prefix);
    std::string_view rest =
        std::string_view(line).substr(prefix.size(), line.size() - prefix.size() - 2);
    while (!rest.empty()) {
      const std::size_t space = std::min(rest.find(' '), rest.size());
      seen.emplace_back(rest.substr(0, space));
      rest.remove_prefix(std::min(space + 1, rest.size()));
    }
    // Full lines: the next name would not have fitted.
    if (i + 2 < lines.size()) {
      EXPECT_GT(line.size() + 1 + storage[seen.size()].size(), 512u);
    }
  }
  EXPECT_EQ(seen, storage);
  EXPECT_EQ(lines.back(), ":irc.example.org 366 alice #lobby :End of /NAMES list\r\n");
}

}  // namespace
}  // namespace chatd::net::irc
