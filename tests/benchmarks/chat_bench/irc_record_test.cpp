// The IRC door's lines as chat-bench writes and reads them.
#include "chat_bench/irc_record.hpp"

#include <gtest/gtest.h>

#include <string>

namespace chatd::chat_bench {
namespace {

TEST(IrcRecord, RegistrationAsksForEchoMessageAndEndsTheNegotiation) {
  EXPECT_EQ(irc_registration("m7"),
            "CAP REQ :echo-message\r\nNICK m7\r\nUSER m7 0 * :m7\r\nCAP END\r\n");
}

TEST(IrcRecord, RegistrationRepliesAreTheWelcomeARefusalOrAnythingElse) {
  EXPECT_EQ(classify_registration_reply(":chatd 001 m7 :Welcome to chatd, m7\r"),
            IrcReply::welcome);
  EXPECT_EQ(classify_registration_reply(":chatd 433 * m7 :Nickname is already in use\r"),
            IrcReply::refused);
  EXPECT_EQ(classify_registration_reply("ERROR :Closing Link: server full\r"), IrcReply::refused);
  EXPECT_EQ(classify_registration_reply(":chatd CAP * ACK :echo-message\r"), IrcReply::other);
  EXPECT_EQ(classify_registration_reply(":chatd 005 m7 NICKLEN=32 :are supported\r"),
            IrcReply::other);
  EXPECT_EQ(classify_registration_reply("PING :chatd"), IrcReply::other);
}

TEST(IrcRecord, APublisherLineBecomesAPrivmsgToTheLobby) {
  std::string out;
  append_irc_privmsg(out, "p1 s2 t3 xx");
  append_irc_privmsg(out, "w0");
  EXPECT_EQ(out, "PRIVMSG #lobby :p1 s2 t3 xx\r\nPRIVMSG #lobby :w0\r\n");
}

TEST(IrcRecord, TakesTheNickAndTextOutOfAChannelPrivmsg) {
  const auto message = parse_irc_privmsg(":m12!m12@chatd PRIVMSG #lobby :p1 s2 t3 x:x :y\r");
  ASSERT_TRUE(message);
  EXPECT_EQ(message->from, "m12");
  EXPECT_EQ(message->text, "p1 s2 t3 x:x :y");
  const auto one_word = parse_irc_privmsg(":m1!m1@chatd PRIVMSG #lobby w0\r");
  ASSERT_TRUE(one_word);
  EXPECT_EQ(one_word->text, "w0");
  const auto tagged = parse_irc_privmsg("@time=2024-01-01T00:00:00.000Z :a!a@h PRIVMSG #x :hi");
  ASSERT_TRUE(tagged);
  EXPECT_EQ(tagged->from, "a");
  EXPECT_EQ(tagged->text, "hi");
}

TEST(IrcRecord, IgnoresEverythingButAChannelPrivmsg) {
  for (const char* other : {":m1!m1@chatd JOIN :#lobby\r", ":chatd 353 m1 = #lobby :m1 m2\r",
                            ":m1!m1@chatd PRIVMSG m2 :private\r", ":m1!m1@chatd NOTICE #lobby :n",
                            "PRIVMSG #lobby :no source", ":m1!m1@chatd PRIVMSG #lobby", "",
                            "PING :chatd"}) {
    EXPECT_FALSE(parse_irc_privmsg(other)) << other;
  }
}

TEST(IrcRecord, APingsPayloadIsWhatThePongReturns) {
  EXPECT_EQ(parse_irc_ping("PING :chatd\r"), "chatd");
  EXPECT_EQ(parse_irc_ping("PING token"), "token");
  EXPECT_FALSE(parse_irc_ping(":chatd PONG chatd :x"));
}

}  // namespace
}  // namespace chatd::chat_bench
