// A room new to a node joins the node's reading of the store at once: when a member moves into
// it, the link wakes its blocked XREAD (CLIENT UNBLOCK) so that the next one includes the room.
#include <gtest/gtest.h>

#include <iostream>

#include "cluster_e2e/cluster_support.hpp"
#include "support/redis_server.hpp"

namespace chatd::test {
namespace {

using namespace std::chrono_literals;

// Guards the wake-up of the link's XREAD when a room starts on a quiet node: the CLIENT UNBLOCK
// goes on the writer's connection and may reach Redis before the XREAD it is meant for, which
// then blocked its whole timeout (one move in fifteen took 2 s) until the link retried unblocks
// that found nothing to unblock (ClusterLink::unblock_reader).
TEST(ClusterRooms, AMemberMovingIntoARoomNewToItsNodeSeesItsOwnJoinAtOnce) {
  RedisServer redis;
  ChatdNode node(redis.url(), "node-a");
  auto alice = node.connect();
  ASSERT_TRUE(set_nick(*alice, "alice"));
  // Far below the XREAD's 2 s block, far above a round trip to Redis. The node is quiet: its
  // XREAD goes out again each time alice's join comes back, just before her next move.
  const auto bound = scaled(500ms);
  constexpr int moves = 100;  // enough to catch a race lost one time in fifteen
  int late = 0;
  std::chrono::milliseconds slowest{0};
  for (int hop = 0; hop < moves && late < 3; ++hop) {
    const auto moved_at = Clock::now();
    ASSERT_TRUE(alice->send("/join room" + std::to_string(hop) + "\n"));
    ASSERT_TRUE(reads_line(*alice, "* alice joined"));
    const auto took =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - moved_at);
    slowest = std::max(slowest, took);
    if (took > bound) ++late;
  }
  std::cout << "[ figures  ] slowest move into a new room: " << slowest.count() << " ms\n";
  EXPECT_EQ(late, 0) << late << " moves took longer than " << bound.count() << " ms";
}

}  // namespace
}  // namespace chatd::test
