// The chatd command line: defaults, accepted values, and clear refusals with exit status 2.
#include "app/server_flags.hpp"

#include <gtest/gtest.h>

#include <regex>

#include "app/version.hpp"

namespace chatd::app {
namespace {

ServerFlags accepted(const std::vector<std::string>& args) {
  auto parsed = parse_server_flags(args);
  if (auto* exit_now = std::get_if<ExitNow>(&parsed)) ADD_FAILURE() << exit_now->text;
  return std::get<ServerFlags>(parsed);
}

ExitNow refused(const std::vector<std::string>& args) {
  auto parsed = parse_server_flags(args);
  EXPECT_TRUE(std::holds_alternative<ExitNow>(parsed)) << "accepted: " << ::testing::PrintToString(args);
  return std::holds_alternative<ExitNow>(parsed) ? std::get<ExitNow>(parsed) : ExitNow{};
}

TEST(ServerFlags, DefaultsMatchTheTutorialServer) {
  const ServerFlags flags = accepted({});
  EXPECT_EQ(flags.server.endpoint.address().to_string(), "127.0.0.1");
  EXPECT_EQ(flags.server.endpoint.port(), 9999);
  EXPECT_EQ(flags.server.session.max_line, 4096u);
  EXPECT_EQ(flags.server.room.outbox_bytes, 8u << 20);
  EXPECT_GE(flags.threads, 1u);
  EXPECT_FALSE(flags.quiet);
  EXPECT_EQ(flags.server.room.history, 100u);
  EXPECT_EQ(flags.server.room.notice_limit, 100u);
  EXPECT_EQ(flags.server.session.rate, 20.0);
  EXPECT_EQ(flags.server.session.burst, 60.0);
  EXPECT_EQ(flags.server.session.idle_timeout.count(), 0);
  EXPECT_EQ(flags.server.max_clients, 10000u);
}

TEST(ServerFlags, AcceptsTheChatFeatureFlags) {
  const ServerFlags flags = accepted({"--history", "0", "--notice-limit", "5", "--rate", "0", "--burst", "3",
                                      "--idle-timeout", "30", "--max-clients", "2"});
  EXPECT_EQ(flags.server.room.history, 0u);
  EXPECT_EQ(flags.server.room.notice_limit, 5u);
  EXPECT_EQ(flags.server.session.rate, 0.0);
  EXPECT_EQ(flags.server.session.burst, 3.0);
  EXPECT_EQ(flags.server.session.idle_timeout.count(), 30);
  EXPECT_EQ(flags.server.max_clients, 2u);
}

TEST(ServerFlags, AcceptsEveryFlagWithSizeSuffixes) {
  const ServerFlags flags = accepted({"--host", "0.0.0.0", "--port", "7000", "--threads", "4",
                                      "--max-line", "8K", "--outbox", "2M", "--quiet"});
  EXPECT_EQ(flags.server.endpoint.address().to_string(), "0.0.0.0");
  EXPECT_EQ(flags.server.endpoint.port(), 7000);
  EXPECT_EQ(flags.threads, 4u);
  EXPECT_EQ(flags.server.session.max_line, 8192u);
  EXPECT_EQ(flags.server.room.outbox_bytes, 2u << 20);
  EXPECT_TRUE(flags.quiet);
}

TEST(ServerFlags, HelpExitsZeroAndListsTheFlags) {
  const ExitNow help = refused({"--help"});
  EXPECT_EQ(help.status, 0);
  for (const char* flag :
       {"--host", "--port", "--threads", "--max-line", "--outbox", "--history", "--notice-limit",
        "--rate", "--burst", "--idle-timeout", "--max-clients", "--quiet", "--version"})
    EXPECT_NE(help.text.find(flag), std::string::npos) << flag;
}

TEST(ServerFlags, RefusesBadValuesWithStatusTwoAndAMessageNamingTheFlag) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--threads", "0"}, "--threads"},
      {{"--threads", "many"}, "threads"},
      {{"--port", "70000"}, "--port"},
      {{"--port", "-1"}, "--port"},
      {{"--host", "not-an-address"}, "--host"},
      {{"--max-line", "0"}, "--max-line"},
      {{"--max-line", "12Q"}, "--max-line"},
      {{"--outbox", "100"}, "--outbox"},
      {{"--bogus"}, "bogus"},
      {{"--port"}, "port"},
      {{"--history", "-1"}, "--history"},
      {{"--rate", "-5"}, "--rate"},
      {{"--burst", "0"}, "--burst"},
      {{"--idle-timeout", "-1"}, "--idle-timeout"},
      {{"--max-clients", "0"}, "--max-clients"},
  };
  for (const auto& [args, named] : cases) {
    const ExitNow error = refused(args);
    EXPECT_EQ(error.status, 2) << ::testing::PrintToString(args);
    EXPECT_NE(error.text.find(named), std::string::npos) << error.text;
    EXPECT_EQ(error.text.rfind("chatd: ", 0), 0u) << error.text;
  }
}

TEST(ServerFlags, VersionPrintsTheProjectVersionAndExitsZero) {
  const ExitNow answer = refused({"--version"});
  EXPECT_EQ(answer.status, 0);
  EXPECT_EQ(answer.text, "chatd " + std::string(version) + "\n");
  // The generated header carries project()'s three-part version, not an unexpanded @VAR@.
  EXPECT_TRUE(std::regex_match(std::string(version), std::regex("[0-9]+\\.[0-9]+\\.[0-9]+")))
      << version;
}

}  // namespace
}  // namespace chatd::app
