// A client flooding the real chatd process under default flood control: it is warned, cut off
// and disconnected, while the others' lines all get through.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <string>
#include <thread>

#include "hostile/hostile_support.hpp"
#include "support/proc_stats.hpp"

namespace chatd::test {
namespace {

using namespace std::chrono_literals;

TEST_F(HostileClients, DefaultFloodControlDisconnectsAFlooderAndOthersAreUnaffected) {
  start({"--history", "0"});  // --rate 20 --burst 60 by default; notices on
  auto watcher = connect();
  ASSERT_TRUE(next_is(*watcher, "* " + watcher->name() + " joined"));
  auto talker = connect();
  ASSERT_TRUE(next_is(*watcher, "* " + talker->name() + " joined"));
  ASSERT_TRUE(next_is(*talker, "* " + talker->name() + " joined"));
  auto flooder = connect();
  const std::string flooder_name = flooder->name();
  for (LineClient* client : {watcher.get(), talker.get(), flooder.get()})
    ASSERT_TRUE(next_is(*client, "* " + flooder_name + " joined"));
  const ProcessStats baseline = stats();
  const auto started = Clock::now();

  std::jthread flooding([&] {
    std::string flood;
    for (int i = 0; i < 10000; ++i) flood += "flood " + std::to_string(i) + "\n";
    flooder->send(flood);  // fails part-way once the server has had enough
  });
  Lines talk;
  for (int i = 0; i < 10; ++i) {
    talk.push_back(talker->name() + ":talk " + std::to_string(i));
    ASSERT_TRUE(talker->send("talk " + std::to_string(i) + "\n"));
    std::this_thread::sleep_for(50ms);
  }

  // The watcher sees the flooder's first lines in order, the room told that it left, and every
  // line of the talker; nothing else.
  const std::string left = "* " + flooder_name + " left (flooding)";
  long flood_relayed = 0;
  int left_seen = 0;
  Lines talk_seen;
  Lines unexpected;
  while (left_seen == 0 || talk_seen.size() < talk.size()) {
    const auto line = watcher->read_line(read_timeout);
    ASSERT_TRUE(line) << "relayed " << flood_relayed << " flood lines, left seen " << left_seen
                      << ", talk seen " << talk_seen.size();
    if (number_after(*line, flooder_name + ":flood ") == flood_relayed) {
      ++flood_relayed;
    } else if (*line == left) {
      ++left_seen;
    } else if (line->starts_with(talker->name() + ":")) {
      talk_seen.push_back(*line);
    } else {
      unexpected.push_back(*line);
    }
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  EXPECT_EQ(talk_seen, talk);
  EXPECT_EQ(left_seen, 1);
  EXPECT_EQ(unexpected, Lines{});
  // The burst, plus what the bucket refilled (20/s) while the flooder was being cut off.
  EXPECT_GE(flood_relayed, 60);
  EXPECT_LE(static_cast<double>(flood_relayed), 60 + 20 * seconds + 1);
  std::cout << "[ figures  ] flood control relayed " << flood_relayed << " of 10000 flood lines\n";

  Lines flooder_saw;
  while (const auto line = flooder->read_line(read_timeout)) flooder_saw.push_back(*line);
  EXPECT_EQ(
      std::count(flooder_saw.begin(), flooder_saw.end(), "! slow down: lines are being dropped"),
      1);
  EXPECT_EQ(std::count(flooder_saw.begin(), flooder_saw.end(), "! disconnected: flooding"), 1);
  flooding.join();

  ASSERT_TRUE(talker->send("after the flood\n"));
  EXPECT_TRUE(next_is(*watcher, talker->name() + ":after the flood"));
  expect_memory_bounded(baseline, 8 * MiB * memory_scale, "after a flooder was cut off");
  EXPECT_TRUE(fresh_client_can_chat());
}

}  // namespace
}  // namespace chatd::test
