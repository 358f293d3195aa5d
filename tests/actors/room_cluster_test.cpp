// Rooms of a cluster, embedded without sockets or Redis: two rooms named alike (two "nodes")
// share a store played by the test, which sequences their proposals into one log and delivers
// it to both, as the cluster link does with a Redis stream.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/room.hpp"
#include "actors/room_relay.hpp"
#include "support/room_harness.hpp"

namespace chatd::actors {
namespace {

using test::lines;
using test::take_output;

struct Node {
  std::shared_ptr<RoomRelay> relay;
  std::shared_ptr<Room> room;
  std::size_t delivered = 0;  // entries of the store's log delivered to this node
};

class FakeStore {
 public:
  explicit FakeStore(std::size_t capacity = 64) : capacity_(capacity) {}

  // `topic`: what the store's topic hash holds, delivered after the history as the link does.
  Node& add_node(std::string origin, RoomLimits limits, bool linked = true,
                 std::optional<RoomRelay::TopicKnown> topic = std::nullopt) {
    auto& node = nodes_.emplace_back(std::make_unique<Node>());
    node->relay = std::make_shared<RoomRelay>("lobby", origin, origin + ".1", capacity_,
                                              io.get_executor(), [] {});
    node->room = std::make_shared<Room>(io.get_executor(), limits, "lobby", nullptr, node->relay);
    boost::asio::co_spawn(io, node->room->run(), boost::asio::detached);
    if (linked) {
      for (const std::string& entry : log) node->relay->deliver(RoomRelay::Sequenced{
          std::make_shared<const std::string>(entry), true});
      node->delivered = log.size();
      if (topic) node->relay->deliver(*topic);
      node->relay->deliver(RoomRelay::Linked{RoomRelay::LinkChange::first});
    } else {
      node->relay->deliver(RoomRelay::Unlinked{"no store"});
    }
    settle();
    return *node;
  }

  // Takes every proposal from `node` into the log (proposals are what the link would XADD).
  void take(Node& node) {
    RoomRelay::Proposal proposal;
    while (node.relay->take_proposal(proposal)) log.push_back(*proposal.batch);
  }
  // Delivers what `node` has not seen of the log.
  void deliver(Node& node) {
    for (; node.delivered < log.size(); ++node.delivered)
      node.relay->deliver(RoomRelay::Sequenced{
          std::make_shared<const std::string>(log[node.delivered]), false});
  }
  // One round of the link for every node, until nothing moves.
  void pump() {
    for (int round = 0; round < 10; ++round) {
      settle();
      for (auto& node : nodes_) take(*node);
      for (auto& node : nodes_) deliver(*node);
      settle();
    }
  }
  void settle() {
    while (io.poll() > 0) {
    }
  }
  std::shared_ptr<Subscription> join(Node& node, std::uint64_t id, std::string name) {
    auto feed = std::make_shared<Subscription>(std::make_shared<Doorbell>(io.get_executor()), false);
    send(node, Join{MemberId{id}, std::move(name), feed, &net::line::line_format()});
    return feed;
  }
  void send(Node& node, RoomEvent event) {
    ASSERT_TRUE(node.room->inbox().try_send(boost::system::error_code{}, std::move(event)));
    settle();
  }
  void say(Node& node, std::uint64_t id, std::string_view text) {
    send(node, Say{MemberId{id}, lines(text)});
  }

  boost::asio::io_context io;
  std::vector<std::string> log;

 private:
  std::size_t capacity_;
  std::vector<std::unique_ptr<Node>> nodes_;
};

RoomLimits no_history() {
  RoomLimits limits;
  limits.history = 0;
  return limits;
}

TEST(RoomCluster, MembersOnEveryNodeSeeOneOrder) {
  FakeStore store;
  Node& a = store.add_node("a", no_history());
  Node& b = store.add_node("b", no_history());
  auto alice = store.join(a, 1, "alice");
  auto bob = store.join(b, 1, "bob");  // the same id on another node is another member
  store.pump();
  take_output(*alice);
  take_output(*bob);
  // Interleaved proposals from both nodes before the store sequences any of them.
  store.say(a, 1, "a1\na2");
  store.say(b, 1, "b1");
  store.say(a, 1, "a3");
  // Nothing is shown before the store has given it its place.
  EXPECT_EQ(take_output(*alice), "");
  store.pump();
  const std::string seen_by_alice = take_output(*alice);
  EXPECT_EQ(seen_by_alice, take_output(*bob));
  EXPECT_NE(seen_by_alice.find("alice:a1\nalice:a2\n"), std::string::npos);
  EXPECT_NE(seen_by_alice.find("bob:b1\n"), std::string::npos);
  EXPECT_NE(seen_by_alice.find("alice:a3\n"), std::string::npos);
}

TEST(RoomCluster, JoinsLeavesAndRenamesReachTheOtherNode) {
  FakeStore store;
  Node& a = store.add_node("a", RoomLimits{});
  Node& b = store.add_node("b", RoomLimits{});
  auto alice = store.join(a, 1, "alice");
  store.pump();
  auto bob = store.join(b, 7, "bob");
  store.pump();
  EXPECT_EQ(take_output(*alice), "* alice joined\n* bob joined\n");
  store.send(b, Rename{MemberId{7}, "robert"});
  store.send(b, Leave{MemberId{7}, LeaveReason::quit, "bye"});
  store.pump();
  EXPECT_EQ(take_output(*alice), "* bob is now known as robert\n* robert left (bye)\n");
  // Bob left before his rename came back from the store: what he caused after he left is
  // for the others.
  EXPECT_EQ(take_output(*bob), "* bob joined\n");
}

TEST(RoomCluster, ANewNodeReplaysTheSharedHistory) {
  FakeStore store;
  Node& a = store.add_node("a", RoomLimits{});
  store.join(a, 1, "alice");
  store.pump();
  store.say(a, 1, "before you came");
  store.pump();
  Node& b = store.add_node("b", RoomLimits{});  // starts with the store's log as history
  auto bob = store.join(b, 1, "bob");
  EXPECT_EQ(take_output(*bob), "* last 1 message:\nalice:before you came\n");
}

TEST(RoomCluster, ALostLinkShowsWhatWasSaidHereOnceAndChatGoesOn) {
  FakeStore store;
  Node& a = store.add_node("a", no_history());
  auto alice = store.join(a, 1, "alice");
  auto carol = store.join(a, 2, "carol");
  store.pump();
  take_output(*alice);
  take_output(*carol);
  store.say(a, 1, "in flight");
  store.take(a);  // the store has it, but the link goes down before delivering it back
  a.relay->deliver(RoomRelay::Unlinked{"connection reset"});
  store.settle();
  const std::string after_loss = take_output(*carol);
  EXPECT_NE(after_loss.find("alice:in flight\n"), std::string::npos);
  EXPECT_NE(after_loss.find("* link to other nodes lost: connection reset"), std::string::npos);
  // On its own, the room relays at once.
  take_output(*alice);
  store.say(a, 2, "alone");
  EXPECT_EQ(take_output(*alice), "carol:alone\n");
  EXPECT_EQ(take_output(*carol), "carol:alone\n");
  // Back, with the store's data: the batch it kept is not shown a second time.
  a.relay->deliver(RoomRelay::Linked{RoomRelay::LinkChange::back});
  store.pump();
  const std::string back = take_output(*carol);
  EXPECT_NE(back.find("* link to other nodes is back"), std::string::npos);
  EXPECT_EQ(back.find("in flight"), std::string::npos);
  // The members registered again; their own node does not announce them again.
  EXPECT_EQ(back.find("joined"), std::string::npos);
  ASSERT_FALSE(store.log.empty());
  EXPECT_NE(store.log.back().find("J\x1f" "1\x1f" "alice\x1fr"), std::string::npos);
}

TEST(RoomCluster, AFullQueueHoldsNewEventsBackInsteadOfDroppingThem) {
  FakeStore store(2);
  Node& a = store.add_node("a", no_history());
  auto alice = store.join(a, 1, "alice");
  store.pump();
  take_output(*alice);
  // Each send is its own room pass and its own proposal: the third does not fit.
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(a.room->inbox().try_send(boost::system::error_code{},
                                         Say{MemberId{1}, lines("m" + std::to_string(i))}));
    store.settle();
  }
  store.pump();
  EXPECT_EQ(take_output(*alice), "alice:m0\nalice:m1\nalice:m2\nalice:m3\nalice:m4\n");
}

TEST(RoomCluster, StoppingANodeLetsItsMembersLeaveOnTheOthers) {
  FakeStore store;
  Node& a = store.add_node("a", RoomLimits{});
  Node& b = store.add_node("b", RoomLimits{});
  auto alice = store.join(a, 1, "alice");
  store.join(b, 1, "bob");
  store.pump();
  take_output(*alice);
  store.send(b, Stop{});
  store.pump();
  EXPECT_EQ(take_output(*alice), "* bob left (server shutting down)\n");
}

TEST(RoomCluster, ANodeTheStoreReapedKeepsItsMembersWhileTheOthersSeeThemGo) {
  FakeStore store;
  Node& a = store.add_node("a", RoomLimits{});
  Node& b = store.add_node("b", RoomLimits{});
  auto alice = store.join(a, 1, "alice");
  auto bob = store.join(b, 1, "bob");
  store.pump();
  take_output(*alice);
  take_output(*bob);
  // What the store's reaper writes when node a stopped answering for too long.
  store.log.push_back("reaped:a\x1f" "0\nL\x1f" "1\x1f" "alice\x1fnode_lost\x1f\n");
  store.pump();
  EXPECT_EQ(take_output(*bob), "* alice left (node lost)\n");
  EXPECT_EQ(take_output(*alice), "");
}

TEST(RoomCluster, ATopicSetOnOneNodeIsShownOnEveryNodeOnceTheStoreHasItsPlace) {
  FakeStore store;
  Node& a = store.add_node("a", no_history());
  Node& b = store.add_node("b", no_history());
  auto alice = store.join(a, 1, "alice");
  auto bob = store.join(b, 1, "bob");
  store.pump();
  take_output(*alice);
  take_output(*bob);
  store.send(a, SetTopic{MemberId{1}, SafeText("one order")});
  EXPECT_EQ(take_output(*alice), "") << "not shown before the store has given it its place";
  store.pump();
  EXPECT_EQ(take_output(*alice), "* alice set the topic: one order\n");
  EXPECT_EQ(take_output(*bob), "* alice set the topic: one order\n");
  EXPECT_NE(store.log.back().find("\nT\x1f" "alice\x1fone order\n"), std::string::npos)
      << "the batch carries the topic record";
  auto carol = store.join(b, 2, "carol");
  EXPECT_EQ(take_output(*carol), "* topic of lobby: one order (set by alice)\n");
}

TEST(RoomCluster, ARoomNewToANodeTakesTheStoresTopicNotOneFromOldHistory) {
  FakeStore store;
  RoomLimits limits;
  limits.notice_limit = 0;
  Node& a = store.add_node("a", limits);
  auto alice = store.join(a, 1, "alice");
  store.send(a, SetTopic{MemberId{1}, SafeText("old")});
  store.say(a, 1, "hi");
  store.pump();
  take_output(*alice);
  // The store says another topic (a set whose record is gone from the stream, say).
  Node& c = store.add_node("c", limits, true, RoomRelay::TopicKnown{"bob", "current"});
  auto dave = store.join(c, 1, "dave");
  EXPECT_EQ(take_output(*dave),
            "* last 1 message:\nalice:hi\n* topic of lobby: current (set by bob)\n");
}

}  // namespace
}  // namespace chatd::actors
