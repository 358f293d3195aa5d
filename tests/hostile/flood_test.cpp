// A client flooding the real chatd process under default flood control: it is told once and
// paced, losing nothing, while the others' lines all get through.
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

TEST_F(HostileClients, DefaultFloodControlPacesAFlooderLosslesslyAndOthersAreUnaffected) {
  start({"--history", "0"});  // --rate 20 --burst 100 by default; notices on
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

  // Far more than the kernel buffers hold: the sender blocks until the server reads on, which
  // it does at --rate. Shutting the flooder's sending side down below unblocks it.
  std::jthread flooding([&] {
    std::string flood;
    for (int i = 0; i < 100000; ++i) flood += "flood " + std::to_string(i) + "\n";
    flooder->send(flood);
  });
  Lines talk;
  for (int i = 0; i < 10; ++i) {
    talk.push_back(talker->name() + ":talk " + std::to_string(i));
    ASSERT_TRUE(talker->send("talk " + std::to_string(i) + "\n"));
    std::this_thread::sleep_for(50ms);
  }

  // The watcher sees the flooder's lines in order, with none missing, and every line of the
  // talker; nobody leaves.
  long flood_relayed = 0;
  Lines talk_seen;
  Lines unexpected;
  while (talk_seen.size() < talk.size()) {
    const auto line = watcher->read_line(read_timeout);
    ASSERT_TRUE(line) << "relayed " << flood_relayed << " flood lines, talk seen "
                      << talk_seen.size();
    if (number_after(*line, flooder_name + ":flood ") == flood_relayed) {
      ++flood_relayed;
    } else if (line->starts_with(talker->name() + ":")) {
      talk_seen.push_back(*line);
    } else {
      unexpected.push_back(*line);
    }
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  EXPECT_EQ(talk_seen, talk);
  EXPECT_EQ(unexpected, Lines{});
  // The burst, plus what the bucket refilled (20/s) meanwhile.
  EXPECT_GE(flood_relayed, 100);
  EXPECT_LE(static_cast<double>(flood_relayed), 100 + 20 * seconds + 1);
  std::cout << "[ figures  ] flood control paced " << flood_relayed << " flood lines in " << seconds
            << " s\n";

  // Paced, not dropped: what the flooder sent waits in the kernel, not in the server.
  expect_memory_bounded(baseline, 8 * MiB * memory_scale, "while a flooder is paced");
  Lines flooder_saw;
  const std::string notice = "! slow down: your lines are being delayed";
  while (std::find(flooder_saw.begin(), flooder_saw.end(), notice) == flooder_saw.end()) {
    const auto line = flooder->read_line(read_timeout);
    ASSERT_TRUE(line) << "the flooder was not told, or was disconnected";
    flooder_saw.push_back(*line);
  }
  flooder->shutdown_send();
  flooding.join();

  ASSERT_TRUE(talker->send("after the flood\n"));
  for (;;) {
    const auto line = watcher->read_line(read_timeout);
    ASSERT_TRUE(line) << "the talker's last line never came";
    if (*line == talker->name() + ":after the flood") break;
    EXPECT_TRUE(line->starts_with(flooder_name + ":flood ")) << *line;
  }
  EXPECT_TRUE(fresh_client_can_chat());
}

}  // namespace
}  // namespace chatd::test
