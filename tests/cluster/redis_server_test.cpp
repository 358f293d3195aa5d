// The RedisServer fixture itself: what survives stop_kill() and restart(), so that tests of
// broker failures can rely on it.
#include "support/redis_server.hpp"

#include <gtest/gtest.h>

namespace chatd::test {
namespace {

using cluster::RedisReply;

TEST(RedisServerFixture, AnAppendOnlyServerKeepsItsDataAcrossAKill) {
  RedisServer server({.append_only = true, .password = ""});
  ASSERT_EQ(server.command({"SET", "kept", "yes"}).text, "OK");
  const std::uint16_t port = server.port();
  server.stop_kill();
  EXPECT_EQ(server.pid(), -1);
  EXPECT_TRUE(server.command({"PING"}).is_error());
  server.restart();
  EXPECT_EQ(server.port(), port);
  EXPECT_EQ(server.command({"GET", "kept"}).text, "yes");
}

TEST(RedisServerFixture, AServerWithoutAppendOnlyForgetsEverythingWhenKilled) {
  RedisServer server;
  ASSERT_EQ(server.command({"SET", "kept", "yes"}).text, "OK");
  server.stop_kill();
  server.restart();
  EXPECT_EQ(server.command({"GET", "kept"}).kind, RedisReply::Kind::nil);
}

TEST(RedisServerFixture, APasswordIsRequiredAndInTheUrl) {
  RedisServer server({.append_only = false, .password = "p@ss word"});
  EXPECT_EQ(server.url(), "redis://:p%40ss%20word@127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(server.command({"PING"}).text, "PONG");  // command() logs in first
}

TEST(RedisServerFixture, APausedServerAnswersNothingUntilResumed) {
  RedisServer server;
  server.pause();
  EXPECT_TRUE(server.command({"PING"}).is_error());
  server.resume();
  EXPECT_EQ(server.command({"PING"}).text, "PONG");
}

}  // namespace
}  // namespace chatd::test
