// End to end, private messages (/msg) and room topics (/topic) on the line and WebSocket doors:
// who gets what, the errors, the topic on joining, and the throttle on a flood of /msg.
#include <gtest/gtest.h>

#include <string>

#include "support/chat_features.hpp"
#include "support/ws_client.hpp"

namespace chatd::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A line client named `name`, whose rename every client in `seen_by` has read.
void name_it(LineClient& client, const std::string& name, std::vector<LineClient*> seen_by) {
  const std::string was = client.name();
  ASSERT_TRUE(client.send("/nick " + name + "\n"));
  for (LineClient* other : seen_by) EXPECT_EQ(next(*other), renamed(was, name));
}

TEST_F(ChatFeatures, MsgReachesItsRecipientAloneAndTheSenderSeesItsOwnCopy) {
  start(plain_options());
  auto alice = connect();
  auto bob = connect();
  auto carol = connect();
  wait_for_members(3);
  std::vector<LineClient*> all{alice.get(), bob.get(), carol.get()};
  name_it(*alice, "alice", all);
  name_it(*bob, "Bob", all);

  say(*alice, "/msg bob  psst, bob");
  EXPECT_EQ(next(*bob), "alice -> Bob:psst, bob") << "the recipient's name as it holds it";
  EXPECT_EQ(next(*alice), "alice -> Bob:psst, bob");
  say(*bob, "/msg ALICE back at you");
  EXPECT_EQ(next(*alice), "Bob -> alice:back at you");
  EXPECT_EQ(next(*bob), "Bob -> alice:back at you");

  say(*alice, "after");
  for (auto* client : all) EXPECT_EQ(next(*client), "alice:after") << "nobody else got them";
}

TEST_F(ChatFeatures, MsgToAnUnknownNickOrFromAnUnnamedMemberIsAClearError) {
  start(plain_options());
  auto alice = connect();
  auto stranger = connect();
  wait_for_members(2);
  name_it(*alice, "alice", {alice.get(), stranger.get()});

  say(*alice, "/msg nobody hello?");
  EXPECT_EQ(next(*alice), "! no such nickname: nobody");
  say(*alice, "/msg " + stranger->name() + " hello?");
  EXPECT_EQ(next(*alice), "! no such nickname: " + stranger->name())
      << "an unnamed member cannot be messaged";
  say(*stranger, "/msg alice hi");
  EXPECT_EQ(next(*stranger),
            "! choose a nickname first (/nick NAME): private messages need one to answer");
  say(*alice, "/msg alice");
  EXPECT_EQ(next(*alice), "! usage: /msg NICK TEXT");
  say(*alice, "/msg alice note to self");
  EXPECT_EQ(next(*alice), "alice -> alice:note to self") << "one copy, not two";

  say(*alice, "after");
  EXPECT_EQ(next(*stranger), "alice:after") << "the errors were the sender's alone";
  EXPECT_EQ(next(*alice), "alice:after");
}

TEST_F(ChatFeatures, TopicIsSetForTheRoomShownOnAskingAndToldToANewcomer) {
  start(plain_options());
  auto alice = connect();
  auto bob = connect();
  wait_for_members(2);
  say(*bob, "/topic");
  EXPECT_EQ(next(*bob), "* lobby has no topic");
  name_it(*alice, "alice", {alice.get(), bob.get()});

  say(*alice, "/topic  rust and coffee ");
  EXPECT_EQ(next(*alice), "* alice set the topic: rust and coffee");
  EXPECT_EQ(next(*bob), "* alice set the topic: rust and coffee");
  say(*bob, "/topic");
  EXPECT_EQ(next(*bob), "* topic of lobby: rust and coffee (set by alice)");
  say(*bob, "/topic " + std::string(301, 't'));
  EXPECT_EQ(next(*bob), "! topic too long (max 300 bytes)");

  auto carol = connect();
  EXPECT_EQ(next(*carol), "* topic of lobby: rust and coffee (set by alice)");
  // Another room has a topic of its own; the lobby keeps its own.
  say(*carol, "/join kitchen");
  say(*carol, "/topic");
  EXPECT_EQ(next(*carol), "* kitchen has no topic");
  say(*alice, "/topic -");
  EXPECT_EQ(next(*bob), "* alice cleared the topic");
  say(*bob, "/topic");
  EXPECT_EQ(next(*bob), "* lobby has no topic");
}

TEST_F(ChatFeatures, AFloodOfMsgIsDelayedByTheThrottleNotDropped) {
  auto options = plain_options();
  options.session.rate = 20;
  options.session.burst = 10;
  start(options);
  auto flooder = connect();
  auto bob = connect();
  wait_for_members(2);
  name_it(*flooder, "flood", {flooder.get(), bob.get()});
  name_it(*bob, "bob", {flooder.get(), bob.get()});

  std::string lines;
  for (int i = 0; i < 40; ++i) lines += "/msg bob p " + std::to_string(i) + "\n";
  const auto sent = Clock::now();
  ASSERT_TRUE(flooder->send(lines));
  for (int i = 0; i < 40; ++i) ASSERT_EQ(next(*bob), "flood -> bob:p " + std::to_string(i));
  // 10 at once, then 30 at 20 per second.
  EXPECT_GE(Clock::now() - sent, 1400ms) << "the /msg lines beyond the burst were not paced";
}

class PrivateAcrossDoors : public ChatFeatures {
 protected:
  std::unique_ptr<WsClient> member() {
    auto client = std::make_unique<WsClient>(server->web_port());
    EXPECT_TRUE(client->read_type("welcome"));
    return client;
  }
};

TEST_F(PrivateAcrossDoors, LineAndWebSocketMembersMessageEachOtherInTheirOwnFormats) {
  start(plain_options());
  auto terminal = connect();
  auto browser = member();
  auto watcher = connect();
  wait_for_members(3);
  name_it(*terminal, "alice", {terminal.get(), watcher.get()});
  browser->send(R"({"type":"nick","name":"bob"})");
  EXPECT_TRUE(browser->read_type("renamed"));
  EXPECT_EQ(next(*terminal), renamed(browser->name(), "bob"));
  EXPECT_EQ(next(*watcher), renamed(browser->name(), "bob"));

  say(*terminal, "/msg bob hello browser");
  auto frame = browser->read_type("private");
  ASSERT_TRUE(frame);
  EXPECT_EQ(text_of(*frame, "from"), "alice");
  EXPECT_EQ(text_of(*frame, "to"), "bob");
  EXPECT_EQ(text_of(*frame, "text"), "hello browser");
  EXPECT_FALSE(frame->contains("room")) << "not room traffic";
  EXPECT_EQ(next(*terminal), "alice -> bob:hello browser");

  browser->send(R"({"type":"msg","to":"alice","text":"hello terminal"})");
  EXPECT_EQ(next(*terminal), "bob -> alice:hello terminal");
  frame = browser->read_type("private");
  ASSERT_TRUE(frame) << "the sender's own copy";
  EXPECT_EQ(text_of(*frame, "from"), "bob");
  EXPECT_EQ(text_of(*frame, "to"), "alice");

  browser->send(R"({"type":"msg","to":"nobody","text":"x"})");
  frame = browser->read_type("error");
  ASSERT_TRUE(frame);
  EXPECT_EQ(text_of(*frame, "text"), "no such nickname: nobody");
  browser->send(R"({"type":"msg","to":"alice"})");
  frame = browser->read_type("error");
  ASSERT_TRUE(frame);
  EXPECT_EQ(text_of(*frame, "text"), R"("msg" needs a string "to" and a string "text")");

  say(*terminal, "after");
  EXPECT_EQ(next(*watcher), "alice:after") << "the watcher got none of the private messages";
}

TEST_F(PrivateAcrossDoors, AWebSocketMemberSetsAndReadsTheTopicAsJson) {
  start(plain_options());
  auto terminal = connect();
  wait_for_members(1);
  say(*terminal, "/topic from the terminal");
  EXPECT_EQ(next(*terminal), "* " + terminal->name() + " set the topic: from the terminal");

  auto browser = member();
  auto frame = browser->read_type("topic");
  ASSERT_TRUE(frame) << "told on joining";
  EXPECT_EQ(text_of(*frame, "room"), "lobby");
  EXPECT_EQ(text_of(*frame, "text"), "from the terminal");
  EXPECT_EQ(text_of(*frame, "by"), terminal->name());

  browser->send(R"({"type":"topic","text":"from the browser"})");
  frame = browser->read_type("topic_changed");
  ASSERT_TRUE(frame);
  EXPECT_EQ(text_of(*frame, "by"), browser->name());
  EXPECT_EQ(text_of(*frame, "text"), "from the browser");
  EXPECT_EQ(next(*terminal), "* " + browser->name() + " set the topic: from the browser");
  browser->send(R"({"type":"topic"})");
  frame = browser->read_type("topic");
  ASSERT_TRUE(frame);
  EXPECT_EQ(text_of(*frame, "text"), "from the browser");
}

}  // namespace
}  // namespace chatd::test
