// parse_redis_url and describe: every accepted form, and rejections that say what is wrong
// without ever showing the password.
#include "cluster/redis_address.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace chatd::cluster {
namespace {

// The message parse_redis_url throws for `url`, or "" if it accepts it.
std::string rejection(std::string_view url) {
  try {
    parse_redis_url(url);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(RedisAddress, ParsesHostPortPasswordAndDb) {
  const RedisAddress address = parse_redis_url("redis://:s3cret@10.0.0.7:6380/2");
  EXPECT_EQ(address.host, "10.0.0.7");
  EXPECT_EQ(address.port, 6380);
  EXPECT_EQ(address.password, "s3cret");
  EXPECT_EQ(address.db, 2);
}

TEST(RedisAddress, DefaultsToPort6379DbZeroAndNoPassword) {
  const RedisAddress address = parse_redis_url("redis://cache.internal");
  EXPECT_EQ(address.host, "cache.internal");
  EXPECT_EQ(address.port, 6379);
  EXPECT_EQ(address.password, "");
  EXPECT_EQ(address.db, 0);
  EXPECT_EQ(parse_redis_url("redis://h:1/").db, 0);
}

TEST(RedisAddress, IgnoresTheUserNameBeforeThePassword) {
  const RedisAddress address = parse_redis_url("redis://default:pw@h:7000");
  EXPECT_EQ(address.password, "pw");
  EXPECT_EQ(address.host, "h");
  EXPECT_EQ(address.port, 7000);
}

TEST(RedisAddress, DecodesPercentEscapesAndKeepsRawAtSignsInThePassword) {
  EXPECT_EQ(parse_redis_url("redis://:p%40ss%3Aw%2Fd@h").password, "p@ss:w/d");
  EXPECT_EQ(parse_redis_url("redis://:a@b@h:1").password, "a@b");
}

TEST(RedisAddress, AcceptsTheSchemeInAnyCaseAndIpv6InBrackets) {
  EXPECT_EQ(parse_redis_url("REDIS://h").host, "h");
  const RedisAddress address = parse_redis_url("redis://[::1]:6390/3");
  EXPECT_EQ(address.host, "::1");
  EXPECT_EQ(address.port, 6390);
  EXPECT_EQ(describe(address), "redis://[::1]:6390/3");
}

TEST(RedisAddress, DescribeNeverShowsThePassword) {
  const RedisAddress address = parse_redis_url("redis://:hunter2@127.0.0.1:6379/1");
  EXPECT_EQ(describe(address), "redis://127.0.0.1:6379/1");
}

TEST(RedisAddress, RejectsOtherSchemesNamingTheExpectedForm) {
  EXPECT_EQ(rejection("localhost:6379"),
            "--redis: expected redis://[:password@]HOST:PORT[/db], got localhost:6379 "
            "(it must start with redis://)");
  EXPECT_EQ(rejection("http://h:1"),
            "--redis: expected redis://[:password@]HOST:PORT[/db], got http://h:1 "
            "(it must start with redis://)");
  EXPECT_EQ(rejection("rediss://h"),
            "--redis: expected redis://[:password@]HOST:PORT[/db], got rediss://h "
            "(TLS, rediss://, is not supported)");
}

TEST(RedisAddress, RejectsBadPortsHostsAndDbs) {
  const std::string form = "--redis: expected redis://[:password@]HOST:PORT[/db], got ";
  EXPECT_EQ(rejection("redis://h:0"),
            form + "redis://h:0 (the port must be a number from 1 to 65535)");
  EXPECT_EQ(rejection("redis://h:65536"),
            form + "redis://h:65536 (the port must be a number from 1 to 65535)");
  EXPECT_EQ(rejection("redis://h:"),
            form + "redis://h: (the port must be a number from 1 to 65535)");
  EXPECT_EQ(rejection("redis://h:6379x"),
            form + "redis://h:6379x (the port must be a number from 1 to 65535)");
  EXPECT_EQ(rejection("redis://:6379"), form + "redis://:6379 (the host is missing)");
  EXPECT_EQ(rejection("redis://"), form + "redis:// (the host is missing)");
  EXPECT_EQ(rejection("redis://h st"),
            form + "redis://h st (the host must be a name or an IP address)");
  EXPECT_EQ(rejection("redis://::1:6379"),
            form + "redis://::1:6379 (an IPv6 address needs brackets, as in redis://[::1]:6379)");
  EXPECT_EQ(rejection("redis://h/x"),
            form + "redis://h/x (the db after '/' must be a number, 0 or more)");
  EXPECT_EQ(rejection("redis://h/-1"),
            form + "redis://h/-1 (the db after '/' must be a number, 0 or more)");
  EXPECT_EQ(rejection("redis://h/1?x=2"),
            form + "redis://h/1?x=2 (the db after '/' must be a number, 0 or more)");
}

TEST(RedisAddress, RejectionsMaskThePasswordWithStars) {
  const std::string form = "--redis: expected redis://[:password@]HOST:PORT[/db], got ";
  EXPECT_EQ(rejection("redis://:hunter2@h:0"),
            form + "redis://:***@h:0 (the port must be a number from 1 to 65535)");
  EXPECT_EQ(rejection("redis://admin:hunter2@h/x"),
            form + "redis://admin:***@h/x (the db after '/' must be a number, 0 or more)");
  // Without a colon the user part may be a password typed in the wrong place: mask it all.
  EXPECT_EQ(rejection("redis://hunter2@h"),
            form + "redis://***@h (the password goes after a colon: redis://:PASSWORD@HOST)");
  EXPECT_EQ(
      rejection("redis://:bad%zzpass@h"),
      form + "redis://:***@h (the password has a '%' that is not followed by two hex digits)");
}

TEST(RedisAddress, RejectionsMaskThePasswordWhereverElseItAppears) {
  const std::string message = rejection("redis://:hunter2@h:hunter2");
  EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
  const std::string decoded = rejection("redis://:p%2Fss@h/p/ss");
  EXPECT_EQ(decoded.find("p/ss"), std::string::npos) << decoded;
  EXPECT_EQ(decoded.find("p%2Fss"), std::string::npos) << decoded;
}

}  // namespace
}  // namespace chatd::cluster
