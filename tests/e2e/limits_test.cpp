// End to end, the session limits: the idle timeout and the client limit.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "support/chat_features.hpp"

namespace chatd::test {
namespace {

using namespace std::chrono_literals;

// ---------------------------------------------------------------------------------------------
// Idle timeout

TEST_F(ChatFeatures, TheIdleTimeoutDisconnectsASilentClientButNotATalkingOne) {
  auto options = plain_options();
  options.room.notice_limit = 100;
  options.session.idle_timeout = 1s;
  start(options);
  auto talker = connect();
  auto silent = connect();
  wait_for_members(2);
  const std::string talker_name = talker->name();
  const std::string silent_name = silent->name();

  std::atomic<bool> stop{false};
  std::thread talking([&] {
    while (!stop && talker->send("tick\n")) std::this_thread::sleep_for(200ms);
  });
  const auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(lines_before(*talker, "* " + silent_name + " left (timed out)").empty());
  const Lines silent_saw = lines_through(*silent, "! disconnected: idle for too long");
  EXPECT_EQ(silent_saw.empty() ? "" : silent_saw.back(), "! disconnected: idle for too long");
  EXPECT_TRUE(silent->wait_closed());

  // The talker outlives twice the timeout.
  std::this_thread::sleep_until(started + 2s);
  stop = true;
  talking.join();
  say(*talker, "still here");
  EXPECT_FALSE(lines_before(*talker, talker_name + ":still here").empty());
  EXPECT_EQ(server->server().lobby_counters().members.load(), 1u);
}

// ---------------------------------------------------------------------------------------------
// Client limit

TEST_F(ChatFeatures, AClientBeyondMaxClientsIsToldTheServerIsFullAndTheOthersKeepChatting) {
  auto options = plain_options();
  options.max_clients = 2;
  start(options);
  auto first = connect();
  auto second = connect();
  wait_for_members(2);

  auto third = connect();
  EXPECT_EQ(next(*third), "! server full");
  EXPECT_TRUE(third->wait_closed());

  say(*first, "still chatting");
  EXPECT_EQ(next(*first), first->name() + ":still chatting");
  EXPECT_EQ(next(*second), first->name() + ":still chatting");

  // A place that frees up is taken by the next client.
  second.reset();
  ASSERT_TRUE(eventually([&] { return server->server().live_sessions() == 1; }));
  auto fourth = connect();
  wait_for_members(2);
  say(*fourth, "made it");
  EXPECT_EQ(next(*fourth), fourth->name() + ":made it");
  EXPECT_EQ(next(*first), fourth->name() + ":made it");
}

}  // namespace
}  // namespace chatd::test
