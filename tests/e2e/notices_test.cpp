// End to end, join and leave notices: the reason a member left, a slow consumer announced once,
// and no notices above the notice limit while /who still tells the truth.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>

#include "support/chat_features.hpp"

namespace chatd::test {
namespace {

using namespace std::chrono_literals;

TEST_F(ChatFeatures, LeaveNoticesGiveTheReason) {
  auto options = plain_options();
  options.room.notice_limit = 100;
  start(options);
  auto watcher = connect();
  wait_for_members(1);
  EXPECT_EQ(next(*watcher), "* " + watcher->name() + " joined");

  const auto arrive = [&] {
    auto client = connect();
    wait_for_members(2);
    EXPECT_EQ(next(*watcher), "* " + client->name() + " joined");
    return client;
  };

  auto quitter = arrive();
  say(*quitter, "/quit bye");
  EXPECT_EQ(next(*watcher), "* " + quitter->name() + " left (bye)");
  EXPECT_TRUE(quitter->wait_closed());
  wait_for_members(1);

  auto silent_quitter = arrive();
  say(*silent_quitter, "/quit");
  EXPECT_EQ(next(*watcher), "* " + silent_quitter->name() + " left (quit)");
  EXPECT_TRUE(silent_quitter->wait_closed());
  wait_for_members(1);

  auto rambler = arrive();
  say(*rambler, "/quit " + std::string(100, 'z'));
  EXPECT_EQ(next(*watcher), "* " + rambler->name() + " left (" + std::string(64, 'z') + ")")
      << "the reason is cut to 64 bytes";
  wait_for_members(1);

  auto closer = arrive();
  const std::string closer_name = closer->name();
  closer.reset();  // orderly close (FIN)
  EXPECT_EQ(next(*watcher), "* " + closer_name + " left (closed)");
  wait_for_members(1);

  auto resetter = arrive();
  const std::string resetter_name = resetter->name();
  resetter->reset();  // RST
  EXPECT_EQ(next(*watcher), "* " + resetter_name + " left (closed)");
}

TEST_F(ChatFeatures, ASlowConsumerIsAnnouncedAsTooSlowExactlyOnce) {
  auto options = plain_options();
  options.room.notice_limit = 100;
  options.room.outbox_bytes = 512 * 1024;
  start(options);
  auto talker = connect();
  auto watcher = connect();
  wait_for_members(2);
  LineClient sleeper(server->port(), 4096);  // tiny receive window, and it never reads
  wait_for_members(3);
  const std::string talker_name = talker->name();
  const std::string too_slow = "* " + sleeper.name() + " left (too slow)";

  std::atomic<bool> evicted{false};
  Lines watcher_after;  // what the watcher saw after the eviction notice
  std::thread watching([&] {
    for (;;) {
      auto line = next(*watcher);
      if (!line) return;
      if (evicted) watcher_after.push_back(*line);
      if (*line == too_slow) evicted = true;
      if (*line == talker_name + ":after") return;
    }
  });
  std::thread draining([&] { lines_through(*talker, talker_name + ":after"); });

  const std::string padding(1000, 'p');
  // The threads must be joined whatever happens, so nothing below returns early.
  // Paced, so that the two readers keep up on a loaded machine; only the sleeper falls behind.
  for (int sent = 0; sent < 50000 && !evicted; ++sent) {
    if (!talker->send(std::to_string(sent) + padding + "\n")) break;
    if (sent % 10 == 9) std::this_thread::sleep_for(1ms);
  }
  EXPECT_TRUE(eventually([&] { return evicted.load(); })) << "the sleeper was never evicted";
  EXPECT_TRUE(talker->send("after\n"));
  watching.join();
  draining.join();

  ASSERT_FALSE(watcher_after.empty());
  EXPECT_EQ(watcher_after.back(), talker_name + ":after");
  EXPECT_EQ(std::count_if(watcher_after.begin(), watcher_after.end(),
                          [&](const std::string& line) {
                            return line.find(sleeper.name()) != std::string::npos;
                          }),
            0)
      << "one leave notice only";
  EXPECT_EQ(server->server().lobby_counters().evicted_slow.load(), 1u);
  EXPECT_TRUE(sleeper.wait_closed());
}

TEST_F(ChatFeatures, AboveTheNoticeLimitJoinsAndLeavesAreNotAnnouncedButWhoTellsTheTruth) {
  auto options = plain_options();
  options.room.notice_limit = 2;
  start(options);
  auto first = connect();
  wait_for_members(1);
  EXPECT_EQ(next(*first), "* " + first->name() + " joined");
  auto second = connect();
  wait_for_members(2);
  EXPECT_EQ(next(*first), "* " + second->name() + " joined");
  EXPECT_EQ(next(*second), "* " + second->name() + " joined");
  Lines names = {first->name(), second->name()};

  auto third = connect();  // the room now holds 3 > 2: silence
  wait_for_members(3);
  names.push_back(third->name());
  std::sort(names.begin(), names.end());
  say(*first, "/who");
  say(*first, "mark 1");
  EXPECT_EQ(lines_through(*first, first->name() + ":mark 1"),
            (Lines{"* 3 in lobby: " + names[0] + " " + names[1] + " " + names[2],
                   first->name() + ":mark 1"}));
  EXPECT_EQ(lines_through(*second, first->name() + ":mark 1"), (Lines{first->name() + ":mark 1"}))
      << "no join notice above the limit";

  third.reset();  // leaves a room of 3: silence
  wait_for_members(2);
  say(*first, "mark 2");
  EXPECT_EQ(lines_through(*second, first->name() + ":mark 2"), (Lines{first->name() + ":mark 2"}))
      << "no leave notice above the limit";
  EXPECT_EQ(next(*first), first->name() + ":mark 2");

  const std::string second_name = second->name();
  second.reset();  // leaves a room of 2: announced again
  EXPECT_EQ(next(*first), "* " + second_name + " left (closed)");
  say(*first, "/who");
  EXPECT_EQ(next(*first), "* 1 in lobby: " + first->name());
}

}  // namespace
}  // namespace chatd::test
