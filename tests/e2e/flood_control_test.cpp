// End to end, flood control that loses nothing: over its budget a client is paced (its lines
// arrive complete, in order, at --rate after a --burst) with one notice per episode, is never
// disconnected for sending fast, and the others are relayed promptly meanwhile.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <string>
#include <thread>

#include "support/chat_features.hpp"

namespace chatd::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr std::string_view slow_down = "! slow down: your lines are being delayed";

std::string numbered_lines(std::string_view word, int count) {
  std::string text;
  for (int i = 0; i < count; ++i) text += std::string(word) + " " + std::to_string(i) + "\n";
  return text;
}

TEST_F(ChatFeatures, ABurstAboveTheBudgetArrivesCompleteInOrderAtTheRateWithOneNotice) {
  auto options = plain_options();
  options.session.rate = 20;
  options.session.burst = 10;
  start(options);
  auto flooder = connect();
  auto watcher = connect();
  wait_for_members(2);
  const std::string name = flooder->name();

  const auto sent = Clock::now();
  ASSERT_TRUE(flooder->send(numbered_lines("line", 40)));
  for (int i = 0; i < 40; ++i) ASSERT_EQ(next(*watcher), name + ":line " + std::to_string(i));
  // 10 at once, then 30 at 20 per second: at least 1.5 s, whatever the machine's speed.
  EXPECT_GE(Clock::now() - sent, 1400ms) << "the lines beyond the burst were not paced";

  const Lines flooder_saw = lines_through(*flooder, name + ":line 39");
  EXPECT_EQ(count(flooder_saw, std::string(slow_down)), 1u)
      << ::testing::PrintToString(flooder_saw);
  EXPECT_EQ(flooder_saw.size(), 41u) << "its own 40 lines and one notice";
  const std::string watcher_name = watcher->name();
  say(*watcher, "after");
  EXPECT_EQ(next(*flooder), watcher_name + ":after") << "still connected";
}

TEST_F(ChatFeatures, CommandsArePacedLikeLinesAndEveryOneIsAnswered) {
  auto options = plain_options();
  options.session.rate = 20;
  options.session.burst = 5;
  start(options);
  auto client = connect();
  wait_for_members(1);
  std::string whos;
  for (int i = 0; i < 15; ++i) whos += "/who\n";
  ASSERT_TRUE(client->send(whos + "done\n"));
  const Lines saw = lines_through(*client, client->name() + ":done");
  EXPECT_EQ(count(saw, "* 1 in lobby: " + client->name()), 15u) << ::testing::PrintToString(saw);
  EXPECT_EQ(count(saw, std::string(slow_down)), 1u);
}

TEST_F(ChatFeatures, AClientThatCalmsDownIsToldAgainOnlyInItsNextEpisode) {
  auto options = plain_options();
  options.session.rate = 50;
  options.session.burst = 5;
  start(options);
  auto client = connect();
  wait_for_members(1);
  const std::string name = client->name();
  ASSERT_TRUE(client->send(numbered_lines("first", 10)));
  Lines saw = lines_through(*client, name + ":first 9");
  EXPECT_EQ(count(saw, std::string(slow_down)), 1u);
  std::this_thread::sleep_for(300ms);  // 5 tokens refill in 0.1 s: the bucket is full again
  ASSERT_TRUE(client->send(numbered_lines("second", 10)));
  saw = lines_through(*client, name + ":second 9");
  EXPECT_EQ(count(saw, std::string(slow_down)), 1u) << ::testing::PrintToString(saw);
}

TEST_F(ChatFeatures, OthersAreRelayedPromptlyWhileAClientFloods) {
  auto options = plain_options();
  options.room.notice_limit = 100;
  options.session.rate = 50;
  options.session.burst = 50;
  start(options);
  auto watcher = connect();
  auto talker = connect();
  auto flooder = connect();
  wait_for_members(3);
  const std::string flooder_name = flooder->name();

  // Far more than the budget: 2 000 lines, sent at once.
  ASSERT_TRUE(flooder->send(numbered_lines("flood", 2000)));
  std::this_thread::sleep_for(200ms);
  const auto spoke = Clock::now();
  ASSERT_TRUE(talker->send("through the flood\n"));
  const Lines before = lines_before(*watcher, talker->name() + ":through the flood");
  const auto waited = std::chrono::duration<double>(Clock::now() - spoke).count();
  const auto flooded =
      static_cast<double>(std::count_if(before.begin(), before.end(), [&](const std::string& line) {
        return line.starts_with(flooder_name + ":");
      }));
  // The burst, plus the rate over the 0.2 s before the talker spoke and until it was heard.
  EXPECT_LE(flooded, 50 + 50 * (0.2 + waited) + 10)
      << "flood control let through more than burst + rate × time";
  EXPECT_EQ(count(before, "* " + flooder_name + " left (flooding)"), 0u) << "nobody is cut off";
}

}  // namespace
}  // namespace chatd::test
