// End to end, the WebSocket door's protocol (docs/protocol.md, "The WebSocket door") with a Beast
// WebSocket client: every client type, every server type, bad input that the connection
// survives, and WebSocket members in the same rooms as line clients.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "support/chat_features.hpp"
#include "support/ws_client.hpp"

namespace chatd::test {
namespace {

using boost::json::object;

class WebSocketDoor : public ChatFeatures {
 protected:
  std::unique_ptr<WsClient> connect_ws() { return std::make_unique<WsClient>(server->web_port()); }
  // Connects and reads the welcome; the member is in the lobby once wait_for_members says so.
  std::unique_ptr<WsClient> member() {
    auto client = connect_ws();
    const auto welcome = client->read();
    EXPECT_TRUE(welcome);
    if (welcome) {
      EXPECT_EQ(text_of(*welcome, "type"), "welcome");
      EXPECT_EQ(text_of(*welcome, "name"), client->name());
      EXPECT_EQ(text_of(*welcome, "room"), "lobby");
    }
    return client;
  }
  static std::string type_of(const std::optional<object>& frame) {
    return frame ? text_of(*frame, "type") : std::string("(nothing)");
  }
};

TEST_F(WebSocketDoor, WelcomesThenRelaysMessagesToEveryMemberAsJson) {
  start(plain_options());
  auto alice = member();
  auto bob = member();
  wait_for_members(2);
  alice->send(R"({"type":"say","text":"hello <b>bob</b>"})");
  for (auto* client : {alice.get(), bob.get()}) {
    const auto frame = client->read();
    ASSERT_TRUE(frame);
    EXPECT_EQ(text_of(*frame, "type"), "message");
    EXPECT_EQ(text_of(*frame, "room"), "lobby");
    EXPECT_EQ(text_of(*frame, "from"), alice->name());
    EXPECT_EQ(text_of(*frame, "text"), "hello <b>bob</b>");
  }
}

TEST_F(WebSocketDoor, LineAndWebSocketMembersShareOneRoom) {
  start(plain_options());
  auto browser = member();
  auto terminal = connect();
  wait_for_members(2);
  say(*terminal, "hi from nc");
  const auto heard = browser->read();
  ASSERT_TRUE(heard);
  EXPECT_EQ(text_of(*heard, "from"), terminal->name());
  EXPECT_EQ(text_of(*heard, "text"), "hi from nc");
  EXPECT_EQ(next(*terminal), terminal->name() + ":hi from nc");

  browser->send(R"({"type":"nick","name":"alice"})");
  EXPECT_EQ(next(*terminal), renamed(browser->name(), "alice"));
  browser->send(R"({"type":"say","text":"hi from the browser"})");
  EXPECT_EQ(next(*terminal), "alice:hi from the browser");
  browser->send(R"({"type":"me","text":"waves"})");
  EXPECT_EQ(next(*terminal), "* alice waves");

  say(*terminal, "/who");
  EXPECT_EQ(next(*terminal), "* 2 in lobby: " + terminal->name() + " alice");
  browser->send(R"({"type":"who"})");
  const auto members = browser->read_type("members");
  ASSERT_TRUE(members);
  EXPECT_EQ(members->at("total").as_int64(), 2);
  EXPECT_EQ(boost::json::serialize(members->at("names")),
            "[\"" + terminal->name() + "\",\"alice\"]");
}

TEST_F(WebSocketDoor, AnswersEveryClientType) {
  net::ServerOptions options = plain_options();
  options.room.notice_limit = 100;
  start(options);
  auto ws = member();
  auto watcher = connect();
  wait_for_members(2);
  EXPECT_EQ(next(*watcher), "* " + watcher->name() + " joined");

  ws->send(R"({"type":"nick","name":"carol"})");
  auto frame = ws->read_type("renamed");
  EXPECT_EQ(type_of(frame), "renamed");
  EXPECT_EQ(text_of(*frame, "from"), ws->name());
  EXPECT_EQ(text_of(*frame, "to"), "carol");

  EXPECT_EQ(next(*watcher), renamed(ws->name(), "carol"));
  ws->send(R"({"type":"me","text":"dances"})");
  frame = ws->read_type("action");
  EXPECT_EQ(type_of(frame), "action") << "an action is not a message";
  EXPECT_EQ(text_of(*frame, "from"), "carol");
  EXPECT_EQ(text_of(*frame, "text"), "dances");

  ws->send(R"({"type":"rooms"})");
  frame = ws->read_type("rooms");
  ASSERT_EQ(type_of(frame), "rooms");
  EXPECT_EQ(boost::json::serialize(frame->at("rooms")), R"([{"name":"lobby","members":2}])");

  ws->send(R"({"type":"help"})");
  frame = ws->read_type("help");
  ASSERT_EQ(type_of(frame), "help");
  EXPECT_NE(text_of(*frame, "text").find("/nick NAME"), std::string::npos);

  ws->send(R"({"type":"join","room":"dev"})");
  EXPECT_EQ(next(*watcher), "* carol dances");
  EXPECT_EQ(next(*watcher), "* carol left (moved to dev)");
  frame = ws->read_type("room");
  ASSERT_TRUE(frame);
  EXPECT_EQ(text_of(*frame, "room"), "dev");
  ws->send(R"({"type":"say","text":"in dev"})");
  frame = ws->read_type("message");
  ASSERT_TRUE(frame);
  EXPECT_EQ(text_of(*frame, "room"), "dev");

  ws->send(R"({"type":"join","room":"lobby"})");
  EXPECT_EQ(next(*watcher), "* carol joined");
  ws->send(R"({"type":"quit","reason":"see you"})");
  EXPECT_EQ(next(*watcher), "* carol left (see you)");
  EXPECT_TRUE(ws->wait_closed());
  EXPECT_EQ(ws->close_code(), 1000);
  EXPECT_EQ(ws->close_reason(), "bye");
}

TEST_F(WebSocketDoor, ReportsJoinsLeavesAndRenamesWithReasons) {
  net::ServerOptions options = plain_options();
  options.room.notice_limit = 100;
  start(options);
  auto ws = member();
  EXPECT_EQ(type_of(ws->read()), "joined") << "its own join";
  auto other = connect();
  auto joined = ws->read();
  ASSERT_EQ(type_of(joined), "joined");
  EXPECT_EQ(text_of(*joined, "who"), other->name());
  say(*other, "/quit gone fishing");
  auto left = ws->read();
  ASSERT_EQ(type_of(left), "left");
  EXPECT_EQ(text_of(*left, "who"), other->name());
  EXPECT_EQ(text_of(*left, "reason"), "quit");
  EXPECT_EQ(text_of(*left, "detail"), "gone fishing");
  auto closer = connect();
  EXPECT_EQ(type_of(ws->read()), "joined");
  closer.reset();
  left = ws->read();
  ASSERT_EQ(type_of(left), "left");
  EXPECT_EQ(text_of(*left, "reason"), "closed");
}

TEST_F(WebSocketDoor, MarksTheHistoryReplay) {
  net::ServerOptions options = plain_options();
  options.room.history = 10;
  start(options);
  auto talker = connect();
  wait_for_members(1);
  say(*talker, "one");
  say(*talker, "two");
  EXPECT_EQ(next(*talker), talker->name() + ":one");
  EXPECT_EQ(next(*talker), talker->name() + ":two");
  auto late = member();
  const auto marker = late->read();
  ASSERT_EQ(type_of(marker), "history");
  EXPECT_EQ(marker->at("count").as_int64(), 2);
  EXPECT_EQ(text_of(*late->read(), "text"), "one");
  EXPECT_EQ(text_of(*late->read(), "text"), "two");
}

TEST_F(WebSocketDoor, BadInputGetsAnErrorAndTheConnectionCarriesOn) {
  start(plain_options());
  auto ws = member();
  wait_for_members(1);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"type":"say","text":)", "invalid JSON"},
      {R"({not json at all)", "invalid JSON"},
      {R"({"type":"dance"})", "unknown type 'dance'"},
      {R"({"text":"hi"})", "missing \"type\""},
      {R"({"type":42})", "missing \"type\""},
      {R"({"type":"say"})", "\"say\" needs a string \"text\""},
      {R"({"type":"nick","name":7})", "\"nick\" needs a string \"name\""},
      {R"({"type":"nick","name":"9lives"})", "invalid nickname '9lives'"},
      {R"({"type":"join","room":"a b"})", "invalid room name"},
      {R"({"type":"nick","name":"a\nhello"})", "invalid nickname"},
      {"/dance", "unknown command /dance"},
      {std::string(R"({"type":"say","text":")") + std::string(4096 + 1, 'x') + "\"}",
       "line too long (max 4096 bytes)"},
      {std::string(R"({"type":"say","text":")") + std::string(5000, 'x') + "\"}",
       "frame too long (max 4608 bytes)"},
  };
  for (const auto& [input, error] : cases) {
    ws->send(input);
    const auto frame = ws->read();
    ASSERT_EQ(type_of(frame), "error") << input;
    EXPECT_NE(text_of(*frame, "text").find(error), std::string::npos)
        << input << " -> " << text_of(*frame, "text");
  }
  ws->send_binary(R"({"type":"say","text":"binary"})");
  const auto binary = ws->read();
  ASSERT_EQ(type_of(binary), "error");
  EXPECT_NE(text_of(*binary, "text").find("binary frames are not accepted"), std::string::npos);

  ws->send(R"({"type":"say","text":"still here"})");
  const auto frame = ws->read();
  ASSERT_EQ(type_of(frame), "message") << "nothing malformed was relayed before this";
  EXPECT_EQ(text_of(*frame, "text"), "still here");
}

TEST_F(WebSocketDoor, PlainTextFramesAreLinesOfTheLineProtocol) {
  start(plain_options());
  auto ws = member();
  auto terminal = connect();
  wait_for_members(2);
  ws->send("/nick dave");
  EXPECT_EQ(next(*terminal), renamed(ws->name(), "dave"));
  ws->send("hello by hand");
  EXPECT_EQ(next(*terminal), "dave:hello by hand");
  ws->send("//not a command\nsecond line");
  EXPECT_EQ(next(*terminal), "dave:/not a command");
  EXPECT_EQ(next(*terminal), "dave:second line");
}

TEST_F(WebSocketDoor, ASayWithSeveralLinesIsSeveralMessagesNeverACommand) {
  start(plain_options());
  auto ws = member();
  auto terminal = connect();
  wait_for_members(2);
  ws->send(R"({"type":"say","text":"first\r\n/nick evil\n\nthird"})");
  EXPECT_EQ(next(*terminal), ws->name() + ":first");
  EXPECT_EQ(next(*terminal), ws->name() + ":/nick evil");
  EXPECT_EQ(next(*terminal), ws->name() + ":third");
}

TEST_F(WebSocketDoor, FragmentedFramesMakeOneMessage) {
  start(plain_options());
  auto ws = member();
  auto terminal = connect();
  wait_for_members(2);
  ws->send_fragmented(R"({"type":"say","text":"put together from pieces"})", 7);
  EXPECT_EQ(next(*terminal), ws->name() + ":put together from pieces");
}

// A client text frame made by hand: FIN, text, masked with the key 0 (so the payload is as is).
std::string client_frame(std::string_view payload) {
  std::string frame = "\x81";
  frame += static_cast<char>(0x80 | payload.size());  // payloads under 126 bytes only
  frame += std::string(4, '\0');
  frame += payload;
  return frame;
}

TEST_F(WebSocketDoor, FramesArePutTogetherHoweverTheBytesArriveAndABurstIsRelayedWhole) {
  start(plain_options());
  auto ws = member();
  auto terminal = connect();
  wait_for_members(2);
  // One frame a byte at a time: its header arrives in pieces.
  for (const char byte : client_frame("trickled")) {
    ws->send_raw(std::string(1, byte));
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  EXPECT_EQ(next(*terminal), ws->name() + ":trickled");
  // Forty frames in one write, the last one cut in two: all of them, in order, once.
  std::string burst;
  for (int i = 0; i < 40; ++i) burst += client_frame("b" + std::to_string(i));
  const std::string last = client_frame("the last one");
  ws->send_raw(burst + last.substr(0, 3));
  for (int i = 0; i < 40; ++i) EXPECT_EQ(next(*terminal), ws->name() + ":b" + std::to_string(i));
  ws->send_raw(last.substr(3));
  EXPECT_EQ(next(*terminal), ws->name() + ":the last one");
}

TEST_F(WebSocketDoor, AMessageAboveTheHardCapClosesWith1009) {
  start(plain_options());
  auto ws = member();
  auto terminal = connect();
  wait_for_members(2);
  ws->send(std::string(16 * 4096 + 1, 'x'));
  EXPECT_TRUE(ws->wait_closed());
  EXPECT_EQ(ws->close_code(), 1009);
  say(*terminal, "unaffected");
  EXPECT_EQ(next(*terminal), terminal->name() + ":unaffected");
}

TEST_F(WebSocketDoor, ControlCharactersAreNeutralisedForLineClients) {
  start(plain_options());
  auto ws = member();
  auto terminal = connect();
  wait_for_members(2);
  ws->send(R"({"type":"say","text":"\u001b[31mred\u0007"})");
  EXPECT_EQ(next(*terminal), ws->name() + ":\xEF\xBF\xBD[31mred\xEF\xBF\xBD");
}

TEST_F(WebSocketDoor, OverItsBudgetAClientIsSlowedDownAndToldOnceLosingNothing) {
  net::ServerOptions options = plain_options();
  options.session.rate = 50;
  options.session.burst = 5;
  start(options);
  auto ws = member();
  auto terminal = connect();
  wait_for_members(2);
  for (int i = 0; i < 20; ++i) ws->send(R"({"type":"say","text":"m)" + std::to_string(i) + "\"}");
  for (int i = 0; i < 20; ++i) EXPECT_EQ(next(*terminal), ws->name() + ":m" + std::to_string(i));
  int notices = 0;
  int messages = 0;
  while (messages < 20) {
    const auto frame = ws->read();
    ASSERT_TRUE(frame);
    if (text_of(*frame, "type") == "notice") {
      ++notices;
      EXPECT_EQ(text_of(*frame, "text"), "slow down: your lines are being delayed");
    }
    if (text_of(*frame, "type") == "message") ++messages;
  }
  EXPECT_EQ(notices, 1);
}

}  // namespace
}  // namespace chatd::test
