// The server-wide set of nicknames: unique ignoring ASCII case, renames, and racing claims.
#include "actors/name_registry.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>

#include "actors/room.hpp"

namespace chatd::actors {
namespace {

TEST(NameRegistry, AClaimedNameIsTakenForEveryoneElseIgnoringCase) {
  NameRegistry names;
  EXPECT_TRUE(names.claim("alice", ""));
  EXPECT_FALSE(names.claim("alice", ""));
  EXPECT_FALSE(names.claim("ALICE", ""));
  EXPECT_FALSE(names.claim("Alice", "bob"));
  EXPECT_EQ(names.size(), 1u);
}

TEST(NameRegistry, AReleasedNameCanBeClaimedAgain) {
  NameRegistry names;
  ASSERT_TRUE(names.claim("alice", ""));
  names.release("ALICE");
  EXPECT_EQ(names.size(), 0u);
  EXPECT_TRUE(names.claim("Alice", ""));
  EXPECT_EQ(names.size(), 1u);
}

TEST(NameRegistry, RenamingFreesThePreviousName) {
  NameRegistry names;
  ASSERT_TRUE(names.claim("alice", ""));
  EXPECT_TRUE(names.claim("alicia", "alice"));
  EXPECT_EQ(names.size(), 1u);
  EXPECT_TRUE(names.claim("ALICE", "")) << "the old name is free for someone else";
  EXPECT_FALSE(names.claim("alicia", ""));
}

TEST(NameRegistry, AFailedRenameKeepsThePreviousName) {
  NameRegistry names;
  ASSERT_TRUE(names.claim("alice", ""));
  ASSERT_TRUE(names.claim("bob", ""));
  EXPECT_FALSE(names.claim("Alice", "bob"));
  EXPECT_FALSE(names.claim("bob", "")) << "bob still holds its name";
  EXPECT_EQ(names.size(), 2u);
}

TEST(NameRegistry, ClaimingYourOwnNameInAnotherCaseSucceedsAndKeepsItTaken) {
  NameRegistry names;
  ASSERT_TRUE(names.claim("alice", ""));
  EXPECT_TRUE(names.claim("ALICE", "alice"));
  EXPECT_EQ(names.size(), 1u);
  EXPECT_FALSE(names.claim("alice", ""));
}

TEST(NameRegistry, OfTwoThreadsClaimingOneNameAtOnceExactlyOneWins) {
  for (int round = 0; round < 200 && !HasFailure(); ++round) {
    NameRegistry names;
    ASSERT_TRUE(names.claim("first", ""));
    ASSERT_TRUE(names.claim("second", ""));
    // Both spin until both are there, so that the claims start as close together as they can.
    std::atomic<int> ready{0};
    std::atomic<int> wins{0};
    const auto claim = [&](const char* name, const char* previous) {
      ++ready;
      while (ready.load() < 2) std::this_thread::yield();
      if (names.claim(name, previous)) ++wins;
    };
    {
      std::jthread first(claim, "winner", "first");
      std::jthread second(claim, "Winner", "second");
    }
    EXPECT_EQ(wins.load(), 1) << "round " << round;
    // The winner let go of its old name, the loser kept its own.
    EXPECT_EQ(names.size(), 2u) << "round " << round;
    EXPECT_FALSE(names.claim("winner", "")) << "round " << round;
  }
}

// A stand-in for the room a holder reads through: only its identity matters here.
std::shared_ptr<Room> some_room(boost::asio::io_context& io, std::string name) {
  return std::make_shared<Room>(io.get_executor(), RoomLimits{}, std::move(name));
}

TEST(NameRegistry, FindsTheHolderOfANameIgnoringCaseOnceItIsLocated) {
  boost::asio::io_context io;
  NameRegistry names;
  ASSERT_TRUE(names.claim("Alice", ""));
  EXPECT_FALSE(names.find("alice")) << "not reachable before it is in a room";
  auto lobby = some_room(io, "lobby");
  names.locate("ALICE", MemberId{7}, lobby);
  const auto found = names.find("aLiCe");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, MemberId{7});
  EXPECT_EQ(found->name, "Alice");
  EXPECT_EQ(found->room, lobby);
  EXPECT_FALSE(names.find("bob"));
}

TEST(NameRegistry, ARenameKeepsTheAddressAndAReleaseOrAGoneRoomForgetsIt) {
  boost::asio::io_context io;
  NameRegistry names;
  ASSERT_TRUE(names.claim("alice", ""));
  auto kitchen = some_room(io, "kitchen");
  names.locate("alice", MemberId{7}, kitchen);
  ASSERT_TRUE(names.claim("alicia", "alice"));
  EXPECT_FALSE(names.find("alice"));
  ASSERT_TRUE(names.find("alicia"));
  EXPECT_EQ(names.find("alicia")->room, kitchen);
  names.locate("nobody", MemberId{8}, kitchen);
  EXPECT_FALSE(names.find("nobody")) << "locating a name nobody holds claims nothing";
  kitchen.reset();
  EXPECT_FALSE(names.find("alicia")) << "its room has stopped: it is on its way out";
  names.release("alicia");
  EXPECT_EQ(names.size(), 0u);
}

}  // namespace
}  // namespace chatd::actors
