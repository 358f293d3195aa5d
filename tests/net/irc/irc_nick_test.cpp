// IRC nicks, the aliases of members whose chatd name is no IRC nick, and channels as rooms.
#include "net/irc/irc_nick.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "net/command.hpp"

namespace chatd::net::irc {
namespace {

TEST(IrcNick, AcceptsChatdNicknames) {
  for (const char* name : {"alice", "Bob", "a1", "_x", "[away]", "{x}", "a|b", "^_^", "`q", "x-y",
                           "abcdefghijklmnopqrstuvwxyz012345"})
    EXPECT_TRUE(is_valid_irc_nick(name)) << name;
}

TEST(IrcNick, RefusesWhatChatdOrIrcRefuse) {
  for (const char* name : {"", "1abc", "-abc", "a b", "a.b", "a:b", "a\\b", "a!b", "a@b", "#a",
                           "abcdefghijklmnopqrstuvwxyz0123456", "caf\xC3\xA9"})
    EXPECT_FALSE(is_valid_irc_nick(name)) << name;
}

TEST(IrcNick, AgreesWithChatdsNicknameRuleOnEveryShortName) {
  // Every name of one and two bytes, and a few of 32 and 33: chatd_irc cannot call the rule it
  // mirrors, so this is what keeps the two from drifting apart.
  for (int first = 0; first < 256; ++first) {
    const std::string one(1, static_cast<char>(first));
    ASSERT_EQ(is_valid_irc_nick(one), is_valid_nickname(one)) << first;
    for (int second = 0; second < 256; ++second) {
      const std::string two = one + static_cast<char>(second);
      ASSERT_EQ(is_valid_irc_nick(two), is_valid_nickname(two)) << first << " " << second;
    }
  }
  for (const std::string& name : {std::string(32, 'a'), std::string(33, 'a')})
    EXPECT_EQ(is_valid_irc_nick(name), is_valid_nickname(name));
}

TEST(IrcAlias, IsTheNameItselfWhenItIsAValidNick) {
  EXPECT_EQ(irc_alias("alice"), "alice");
  EXPECT_EQ(irc_alias("[x]_1"), "[x]_1");
}

TEST(IrcAlias, SpellsAnIpv4PeerNameWithDashesAndItsPortAfterAnUnderscore) {
  EXPECT_EQ(irc_alias("127.0.0.1:40312"), "ip-127-0-0-1_40312");
  EXPECT_EQ(irc_alias("255.255.255.255:65535"), "ip-255-255-255-255_65535");
}

TEST(IrcAlias, SpellsAShortIpv6PeerNameInItsBrackets) {
  EXPECT_EQ(irc_alias("[::1]:40312"), "[--1]_40312");
  EXPECT_EQ(irc_alias("[2001:db8::1]:6667"), "[2001-db8--1]_6667");
  EXPECT_EQ(irc_alias("[::ffff:127.0.0.1]:40312"), "[--ffff-127_0_0_1]_40312");
}

TEST(IrcAlias, HashesAnIpv6PeerNameTooLongToSpell) {
  // Pinned: every node, and every version of chatd, must give the same alias. The digits are
  // Python's uuid.uuid5(uuid.NAMESPACE_OID, name).bytes[0:6] + [9:11], in hex.
  EXPECT_EQ(irc_alias("[2001:db8:85a3::8a2e:370:7334]:40312"), "[ee437d4a742c7669]_40312");
}

TEST(IrcAlias, HashesAPeerNameWithAZone) {
  const std::string alias = irc_alias("[fe80::1%eth0]:40312");
  ASSERT_EQ(alias.size(), 24u);
  EXPECT_EQ(alias.front(), '[');
  EXPECT_EQ(alias.substr(17), "]_40312");
  EXPECT_EQ(alias.substr(1, 16).find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST(IrcAlias, HashesAnyOtherNameWithoutAPort) {
  const std::string alias = irc_alias("no such name!");
  ASSERT_EQ(alias.size(), 18u);
  EXPECT_EQ(alias.front(), '[');
  EXPECT_EQ(alias.back(), ']');
}

TEST(IrcAlias, IsAlwaysAValidNick) {
  for (const char* name : {"127.0.0.1:40312", "[::1]:1", "[fe80::1%eth0]:40312", "1.2.3.4:5",
                           "[2001:db8:85a3:1234:5678:8a2e:370:7334]:65535", "", " ", "x:y",
                           "1.2.3.4:99999999999999999999999999", "[::1]:123456789012345678901234"})
    EXPECT_TRUE(is_valid_irc_nick(irc_alias(name))) << name << " -> " << irc_alias(name);
}

TEST(IrcAlias, IsTheSameEveryTimeForTheSameName) {
  EXPECT_EQ(irc_alias("[fe80::1%eth0]:40312"), irc_alias("[fe80::1%eth0]:40312"));
}

TEST(IrcAlias, GivesDifferentPeersDifferentAliases) {
  std::set<std::string> aliases;
  int names = 0;
  for (int port = 40000; port < 40100; ++port) {
    const std::string p = std::to_string(port);
    for (const std::string& name :
         {"127.0.0.1:" + p, "127.0.0.11:" + p, "[::1]:" + p, "[::11]:" + p, "[fe80::1%eth0]:" + p,
          "[2001:db8:85a3:1234:5678:8a2e:370:7334]:" + p,
          "[2001:db8:85a3:1234:5678:8a2e:370:7335]:" + p}) {
      aliases.insert(irc_alias(name));
      ++names;
    }
  }
  EXPECT_EQ(aliases.size(), static_cast<std::size_t>(names));
}

TEST(IrcChannel, MapsAHashChannelToItsRoom) {
  EXPECT_EQ(room_of_channel("#lobby"), "lobby");
  EXPECT_EQ(room_of_channel("#Dev-Ops"), "Dev-Ops");
}

TEST(IrcChannel, RefusesChannelsThatAreNoRoom) {
  for (const char* channel : {"", "#", "lobby", "&lobby", "##lobby", "#a.b", "#a,b", "#1abc",
                              "#abcdefghijklmnopqrstuvwxyz0123456"})
    EXPECT_EQ(room_of_channel(channel), std::nullopt) << channel;
}

TEST(IrcChannel, NamesARoomsChannel) {
  EXPECT_EQ(channel_of_room("lobby"), "#lobby");
  EXPECT_EQ(room_of_channel(channel_of_room("x-y")), "x-y");
}

}  // namespace
}  // namespace chatd::net::irc
