// What an IRC client's writer leaves out of its rooms' traffic (net/irc/irc_filter.hpp).
#include "net/irc/irc_filter.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace chatd::net::irc {
namespace {

// The bytes `filter` lets through of `buffers`, written one after another.
std::string written(IrcFilter& filter, std::vector<std::string> chunks) {
  std::vector<boost::asio::const_buffer> buffers;
  for (const std::string& chunk : chunks) buffers.emplace_back(chunk.data(), chunk.size());
  filter(buffers);
  std::string out;
  for (const auto& buffer : buffers) out.append(static_cast<const char*>(buffer.data()), buffer.size());
  return out;
}

TEST(IrcFilter, LeavesOutTheClientsOwnMessagesUnlessItAskedForEchoMessage) {
  bool echo = false;
  const std::string own = "alice!alice@chatd";
  IrcFilter filter(echo, own);
  const std::string room =
      ":bob!bob@chatd PRIVMSG #lobby :hi\r\n"
      ":alice!alice@chatd PRIVMSG #lobby :mine\r\n"
      "@time=2026-12-02T16:00:00.000Z :alice!alice@chatd NOTICE #lobby :also mine\r\n"
      ":bob!bob@chatd PRIVMSG #lobby :bye\r\n";
  EXPECT_EQ(written(filter, {room}),
            ":bob!bob@chatd PRIVMSG #lobby :hi\r\n:bob!bob@chatd PRIVMSG #lobby :bye\r\n");
  echo = true;
  EXPECT_EQ(written(filter, {room}), room);
}

TEST(IrcFilter, KeepsTheSessionsOwnJoinAndNickAndLeavesOutTheRoomsCopies) {
  const bool echo = true;
  const std::string own = "alice!alice@chatd";
  IrcFilter filter(echo, own);
  EXPECT_EQ(written(filter, {":alice!alice@chatd JOIN #lobby\r\n",
                             ":alice!alice@chatd JOIN :#lobby\r\n",
                             ":alice!alice@chatd PART #lobby :bye\r\n"}),
            ":alice!alice@chatd JOIN :#lobby\r\n:alice!alice@chatd PART #lobby :bye\r\n");
}

TEST(IrcFilter, PassesAnotherMembersNickOrQuitOnceHoweverManyChannelsRelayIt) {
  const bool echo = false;
  const std::string own = "alice!alice@chatd";
  IrcFilter filter(echo, own);
  EXPECT_EQ(written(filter, {":bob!bob@chatd NICK bob2\r\n:bob!bob@chatd NICK bob2\r\n",
                             ":carol!carol@chatd QUIT :Quit: lunch\r\n",
                             ":carol!carol@chatd QUIT :Quit: lunch\r\n"}),
            ":bob!bob@chatd NICK bob2\r\n:carol!carol@chatd QUIT :Quit: lunch\r\n");
}

TEST(IrcFilter, ANameThatComesBackByRenameOrJoinIsPassedOnAgain) {
  const bool echo = false;
  const std::string own = "alice!alice@chatd";
  IrcFilter filter(echo, own);
  written(filter, {":bob!bob@chatd NICK bob2\r\n"});
  EXPECT_EQ(written(filter, {":bob2!bob2@chatd NICK bob\r\n"}), ":bob2!bob2@chatd NICK bob\r\n");
  EXPECT_EQ(written(filter, {":bob!bob@chatd NICK carol\r\n"}), ":bob!bob@chatd NICK carol\r\n");
  written(filter, {":dave!dave@chatd QUIT :Connection closed\r\n"});
  EXPECT_EQ(written(filter, {":dave!dave@chatd JOIN #lobby\r\n:dave!dave@chatd QUIT :gone\r\n"}),
            ":dave!dave@chatd JOIN #lobby\r\n:dave!dave@chatd QUIT :gone\r\n");
}

TEST(IrcFilter, ServerLinesAndNumericsAlwaysPass) {
  const bool echo = false;
  const std::string own = "alice!alice@chatd";
  IrcFilter filter(echo, own);
  const std::string lines =
      ":chatd 353 alice = #lobby :alice bob\r\nPING chatd\r\n:chatd NOTICE #lobby :last 2 messages:\r\n";
  EXPECT_EQ(written(filter, {lines}), lines);
}

}  // namespace
}  // namespace chatd::net::irc
