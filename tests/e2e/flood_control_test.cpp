// End to end, flood control: a burst is cut to the limit with one warning, a client that keeps
// flooding is disconnected, and the others are relayed promptly meanwhile.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <string>
#include <thread>

#include "support/chat_features.hpp"

namespace chatd::test {
namespace {

using namespace std::chrono_literals;

TEST_F(ChatFeatures, ABurstAboveTheLimitIsCutToTheBurstWithOneWarning) {
  auto options = plain_options();
  options.session.rate = 5;
  options.session.burst = 10;  // up to `burst` dropped lines are forgiven; this drops exactly 10
  start(options);
  auto flooder = connect();
  auto watcher = connect();
  wait_for_members(2);
  const std::string name = flooder->name();

  std::string twenty;
  for (int i = 0; i < 20; ++i) twenty += "line " + std::to_string(i) + "\n";
  ASSERT_TRUE(flooder->send(twenty));
  Lines relayed;
  for (int i = 0; i < 10; ++i) relayed.push_back(name + ":line " + std::to_string(i));
  for (int i = 0; i < 10; ++i) EXPECT_EQ(next(*watcher), relayed[static_cast<std::size_t>(i)]);

  Lines flooder_saw;
  for (int i = 0; i < 11; ++i) {
    auto line = next(*flooder);
    ASSERT_TRUE(line) << "the flooder got only " << ::testing::PrintToString(flooder_saw);
    flooder_saw.push_back(*line);
  }
  Lines expected = relayed;
  expected.push_back("! slow down: lines are being dropped");
  std::sort(expected.begin(), expected.end());
  std::sort(flooder_saw.begin(), flooder_saw.end());
  EXPECT_EQ(flooder_saw, expected) << "one warning, then the burst's lines (in any interleaving)";

  auto watcher_name = watcher->name();
  say(*watcher, "after");
  EXPECT_EQ(next(*watcher), watcher_name + ":after") << "nothing beyond the burst was relayed";
  EXPECT_EQ(next(*flooder), watcher_name + ":after") << "one warning only, and still connected";
}

TEST_F(ChatFeatures, AClientThatKeepsFloodingIsDisconnectedAndTheRoomIsTold) {
  auto options = plain_options();
  options.room.notice_limit = 100;
  options.session.rate = 5;
  options.session.burst = 5;
  start(options);
  auto watcher = connect();
  wait_for_members(1);
  EXPECT_EQ(next(*watcher), "* " + watcher->name() + " joined");
  auto flooder = connect();
  wait_for_members(2);
  const std::string name = flooder->name();
  EXPECT_EQ(next(*watcher), "* " + name + " joined");

  std::string twenty;
  for (int i = 0; i < 20; ++i) twenty += "line " + std::to_string(i) + "\n";
  ASSERT_TRUE(flooder->send(twenty));  // 5 pass, the 6th is warned about, the 11th is too many
  Lines expected;
  for (int i = 0; i < 5; ++i) expected.push_back(name + ":line " + std::to_string(i));
  expected.push_back("* " + name + " left (flooding)");
  EXPECT_EQ(lines_through(*watcher, "* " + name + " left (flooding)"), expected);

  const Lines flooder_saw = lines_through(*flooder, "! disconnected: flooding");
  EXPECT_EQ(count(flooder_saw, "! slow down: lines are being dropped"), 1u)
      << ::testing::PrintToString(flooder_saw);
  EXPECT_EQ(count(flooder_saw, "! disconnected: flooding"), 1u)
      << ::testing::PrintToString(flooder_saw);
  EXPECT_TRUE(flooder->wait_closed());
  wait_for_members(1);
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

  std::atomic<bool> stop{false};
  std::atomic<int> batches{0};
  std::thread flooding([&] {
    std::string batch;
    for (int i = 0; i < 100; ++i) batch += "flood " + std::to_string(i) + "\n";
    while (!stop && flooder->send(batch)) {
      ++batches;
      std::this_thread::sleep_for(1ms);
    }
  });
  EXPECT_TRUE(eventually([&] { return batches.load() > 0; }));
  EXPECT_TRUE(talker->send("through the flood\n"));
  const Lines before = lines_before(*watcher, talker->name() + ":through the flood");
  EXPECT_LE(
      std::count_if(before.begin(), before.end(),
                    [&](const std::string& line) { return line.starts_with(flooder_name + ":"); }),
      100)
      << "flood control let through far more than rate × time + burst";
  // Whether the flooder was cut off before or after the talker spoke, the room hears of it. The
  // flood goes on until then: on a slow (sanitizer) build one batch may not yet have been enough.
  const std::string left = "* " + flooder_name + " left (flooding)";
  if (std::find(before.begin(), before.end(), left) == before.end()) lines_before(*watcher, left);
  stop = true;
  flooding.join();
}

}  // namespace
}  // namespace chatd::test
