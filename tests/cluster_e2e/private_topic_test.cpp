// Private messages and topics across the nodes of a cluster: a /msg reaches a member on another
// node through that node's inbox stream, and a topic set on one node is every node's, also for a
// room a node starts reading after the topic was set (read from the store's topic hash).
#include <gtest/gtest.h>

#include "cluster_e2e/cluster_support.hpp"
#include "support/redis_server.hpp"

namespace chatd::test {
namespace {

bool is_private(const std::string& line) {
  return line.find(" -> ") != std::string::npos;
}

TEST(ClusterPrivate, AMsgFromOneNodeReachesItsRecipientOnAnotherAloneAndBack) {
  RedisServer redis;
  AliceAndBob cast(redis.url());
  auto watcher = cast.node_b.connect();
  ASSERT_TRUE(set_nick(*watcher, "carol"));

  ASSERT_TRUE(cast.alice->send("/msg BOB hi from node a\n"));
  // The recipient's node knows how it spells its name; the sender's copy says it as typed.
  EXPECT_TRUE(reads_line(*cast.bob, "alice -> bob:hi from node a"));
  EXPECT_TRUE(reads_line(*cast.alice, "alice -> BOB:hi from node a"));
  ASSERT_TRUE(cast.bob->send("/msg alice hi from node b\n"));
  EXPECT_TRUE(reads_line(*cast.alice, "bob -> alice:hi from node b"));
  EXPECT_TRUE(reads_line(*cast.bob, "bob -> alice:hi from node b"));
  ASSERT_TRUE(cast.alice->send("/msg zed anyone?\n"));
  EXPECT_TRUE(reads_line(*cast.alice, "! no such nickname: zed"));

  ASSERT_TRUE(cast.alice->send("after\n"));
  Lines seen;
  EXPECT_TRUE(reads_line(*watcher, "alice:after", read_timeout, &seen));
  EXPECT_EQ(std::count_if(seen.begin(), seen.end(), is_private), 0)
      << "the watcher on the recipient's node got none: " << ::testing::PrintToString(seen);
}

TEST(ClusterTopic, ATopicSetOnOneNodeIsSeenOnAnotherAlsoByLaterNewcomers) {
  RedisServer redis;
  AliceAndBob cast(redis.url());
  ASSERT_TRUE(cast.alice->send("/topic one topic for all\n"));
  EXPECT_TRUE(reads_line(*cast.bob, "* alice set the topic: one topic for all"));
  EXPECT_TRUE(reads_line(*cast.alice, "* alice set the topic: one topic for all"));
  auto dave = cast.node_b.connect();
  EXPECT_TRUE(reads_line(*dave, "* topic of lobby: one topic for all (set by alice)"));

  // A room node-b has never read: it learns the topic from the store, not from a record.
  ASSERT_TRUE(cast.alice->send("/join kitchen\n/topic kettle on\n"));
  EXPECT_TRUE(reads_line(*cast.alice, "* alice set the topic: kettle on"));
  ASSERT_TRUE(dave->send("/join kitchen\n"));
  EXPECT_TRUE(reads_line(*dave, "* topic of kitchen: kettle on (set by alice)"));
}

}  // namespace
}  // namespace chatd::test
