// A node whose Redis is not there yet serves its own clients alone, and joins the cluster when
// Redis comes.
#include <gtest/gtest.h>

#include "cluster_e2e/cluster_support.hpp"
#include "support/redis_server.hpp"

namespace chatd::test {
namespace {

using namespace std::chrono_literals;

// Guards the start without Redis: the first contact must not leave the io_context stopped
// (chatd used to exit at once, status 0, right after "chatd listening").
TEST(ClusterRedisUnreachable, ANodeStartedWithoutRedisServesAloneAndLinksOnceRedisComes) {
  // A port of our own that nothing listens on until restart() starts Redis there.
  RedisServer redis;
  redis.stop_kill();
  ChatdNode lonely(redis.url(), "node-a", {}, ChatdNode::Link::not_expected);
  EXPECT_TRUE(lonely.wait_for_log("cluster: cannot reach", scaled(5s))) << lonely.log();
  auto alone = lonely.connect();
  ASSERT_TRUE(alone->send("hi\n"));
  EXPECT_TRUE(reads_line(*alone, alone->name() + ":hi"));

  redis.restart();
  EXPECT_TRUE(lonely.wait_for_log("cluster: linked", scaled(15s))) << lonely.log();
  EXPECT_TRUE(reads_line(*alone, "* link to other nodes is up", scaled(15s)));

  ChatdNode other(redis.url(), "node-b");
  auto bob = other.connect();
  ASSERT_TRUE(set_nick(*bob, "bob"));
  // The member who came before the link is known to the store too.
  EXPECT_EQ(ask_who_until(
                *bob, [](const std::string& reply) { return reply.starts_with("* 2 in lobby:"); }),
            "* 2 in lobby: " + alone->name() + " bob");
  ASSERT_TRUE(bob->send("hello from b\n"));
  EXPECT_TRUE(reads_line(*alone, "bob:hello from b"));
  ASSERT_TRUE(alone->send("hello from a\n"));
  EXPECT_TRUE(reads_line(*bob, alone->name() + ":hello from a"));
}

}  // namespace
}  // namespace chatd::test
