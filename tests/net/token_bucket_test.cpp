// Flood control for one connection: the times are passed in, so no test waits for a clock.
#include "net/token_bucket.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace chatd::net {
namespace {

using namespace std::chrono_literals;

// Any fixed moment will do: the bucket only looks at the time between calls.
const TokenBucket::Clock::time_point start{1h};

// How many tokens `bucket` hands out at `now` before it refuses (at most `most`).
int take_all(TokenBucket& bucket, TokenBucket::Clock::time_point now, int most = 1000) {
  int taken = 0;
  while (taken < most && bucket.try_take(now)) ++taken;
  return taken;
}

TEST(TokenBucket, StartsFullAndLetsABurstThroughThenRefuses) {
  TokenBucket bucket(10, 3, start);
  EXPECT_TRUE(bucket.full(start));
  EXPECT_EQ(take_all(bucket, start), 3);
  EXPECT_FALSE(bucket.full(start));
}

TEST(TokenBucket, RefillsAtItsRate) {
  TokenBucket bucket(10, 3, start);
  ASSERT_EQ(take_all(bucket, start), 3);
  EXPECT_EQ(take_all(bucket, start + 50ms), 0) << "half a token is not a token";
  // 250 ms at 10 a second: two and a half tokens.
  EXPECT_EQ(take_all(bucket, start + 250ms), 2);
}

TEST(TokenBucket, NeverHoldsMoreThanItsBurstHoweverLongItRests) {
  TokenBucket bucket(10, 3, start);
  EXPECT_TRUE(bucket.full(start + 1h));
  EXPECT_EQ(take_all(bucket, start + 1h), 3);
}

TEST(TokenBucket, ARateOfZeroOrLessTurnsFloodControlOff) {
  TokenBucket off(0, 3, start);
  TokenBucket negative(-1, 3, start);
  EXPECT_EQ(take_all(off, start, 10000), 10000);
  EXPECT_EQ(take_all(negative, start, 10000), 10000);
}

TEST(TokenBucket, IsFullOnlyOnceItHasRefilledCompletely) {
  TokenBucket bucket(10, 3, start);
  ASSERT_TRUE(bucket.try_take(start));
  EXPECT_FALSE(bucket.full(start));
  EXPECT_FALSE(bucket.full(start + 50ms)) << "two and a half of three tokens";
  EXPECT_TRUE(bucket.full(start + 150ms));
}

}  // namespace
}  // namespace chatd::net

namespace chatd::net {
namespace {

TEST(TokenBucket, TakingMoreThanItHoldsLeavesADebtThatDelaysTheNextToken) {
  TokenBucket bucket(10, 5, start);
  bucket.take(25, start);  // 5 held, 20 owed
  EXPECT_FALSE(bucket.has_token(start));
  // 21 tokens to earn back before one can be taken: 2.1 s at 10 per second.
  EXPECT_EQ(std::chrono::round<std::chrono::milliseconds>(bucket.until_token(start)).count(), 2100);
  EXPECT_FALSE(bucket.has_token(start + 2s));
  EXPECT_TRUE(bucket.has_token(start + 2100ms));
}

}  // namespace
}  // namespace chatd::net
