// How a run deals its members over the nodes of a cluster.
#include "chat_bench/run.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace chatd::chat_bench {
namespace {

std::vector<std::size_t> nodes_of(const Workload& workload) {
  std::vector<std::size_t> nodes;
  for (std::size_t index = 0; index < workload.members(); ++index)
    nodes.push_back(node_of(workload, index));
  return nodes;
}

TEST(RunNodes, SubscribersAndPublishersAreEachDealtRoundRobinSoTrafficEntersOnEveryNode) {
  Workload workload;
  workload.subscribers = 5;
  workload.publishers = 4;
  workload.nodes = 3;
  // Subscribers 0..4, then publishers 0..3, each group starting again at node 0.
  EXPECT_EQ(nodes_of(workload), (std::vector<std::size_t>{0, 1, 2, 0, 1, 0, 1, 2, 0}));
}

TEST(RunNodes, OneNodeTakesEveryone) {
  Workload workload;
  workload.subscribers = 3;
  workload.publishers = 2;
  EXPECT_EQ(nodes_of(workload), (std::vector<std::size_t>{0, 0, 0, 0, 0}));
}

TEST(RunNodes, MixedDoorsPutALineAndAWebMemberOnEachNodeInTurn) {
  Workload workload;
  workload.subscribers = 8;
  workload.publishers = 4;
  workload.nodes = 2;
  workload.doors = Doors::mixed;
  const auto nodes = nodes_of(workload);
  EXPECT_EQ(nodes, (std::vector<std::size_t>{0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1}));
  for (std::size_t index = 0; index < nodes.size(); index += 2) {
    EXPECT_EQ(door_of(workload, index), Door::line);
    EXPECT_EQ(door_of(workload, index + 1), Door::web);
  }
}

}  // namespace
}  // namespace chatd::chat_bench
