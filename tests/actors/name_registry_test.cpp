// The server-wide set of nicknames: unique ignoring ASCII case, renames, and racing claims.
#include "actors/name_registry.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>

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

}  // namespace
}  // namespace chatd::actors
