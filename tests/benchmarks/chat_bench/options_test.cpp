// chat-bench's flags for several nodes: --ports and --web-ports, a repeatable --server-pid and
// --store-pid; the IRC door (--door irc, --irc-port, --irc-ports) and --tls.
#include "chat_bench/options.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace chatd::chat_bench {
namespace {

using Ports = std::vector<std::uint16_t>;

Options parse(std::vector<std::string> args) {
  args.insert(args.begin(), "chat-bench");
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  const auto options = parse_options(static_cast<int>(argv.size()), argv.data());
  if (!options) throw std::logic_error("parse_options returned nothing (--help?)");
  return *options;
}

// The UsageError's text, or "" if the flags were taken.
std::string refusal(std::vector<std::string> args) {
  try {
    parse(std::move(args));
  } catch (const loadgen::UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(ChatBenchOptions, WithoutPortsThePortAndWebPortAreTheOneNode) {
  const auto options = parse({"--port", "9100", "--web-port", "8100"});
  EXPECT_EQ(options.nodes, 1U);
  EXPECT_EQ(options.line_ports, Ports{9100});
  EXPECT_EQ(options.web_ports, Ports{8100});
  EXPECT_TRUE(options.server.pids.empty());
  EXPECT_FALSE(options.store_pid);
}

TEST(ChatBenchOptions, PortsNameTheNodesInOrderAndReplaceThePort) {
  const auto options = parse({"--port", "9100", "--ports", "9003,9001,9002"});
  EXPECT_EQ(options.nodes, 3U);
  EXPECT_EQ(options.line_ports, (Ports{9003, 9001, 9002}));
}

TEST(ChatBenchOptions, WebAndMixedDoorsOverSeveralNodesNeedOneWebPortPerNode) {
  const auto mixed = parse({"--door", "mixed", "--ports", "9001,9002", "--web-ports", "8001,8002"});
  EXPECT_EQ(mixed.nodes, 2U);
  EXPECT_EQ(mixed.web_ports, (Ports{8001, 8002}));
  const auto web = parse({"--door", "web", "--web-ports", "8001,8002,8003"});
  EXPECT_EQ(web.nodes, 3U);

  EXPECT_NE(refusal({"--door", "web", "--ports", "9001,9002"}).find("needs --web-ports"),
            std::string::npos);
  EXPECT_NE(refusal({"--door", "mixed", "--ports", "9001,9002", "--web-ports", "8001"})
                .find("--ports names 2 nodes but --web-ports 1"),
            std::string::npos);
  // The line door alone ignores the web doors, as it ignores --web-port.
  EXPECT_EQ(parse({"--ports", "9001,9002", "--web-ports", "8001"}).nodes, 2U);
}

TEST(ChatBenchOptions, APortListRefusesEmptyMalformedRepeatedAndOutOfRangeEntries) {
  EXPECT_EQ(parse_port_list("9001", "--ports"), Ports{9001});
  EXPECT_EQ(parse_port_list("1,65535", "--ports"), (Ports{1, 65535}));
  for (const char* bad : {"", ",", "9001,", ",9001", "9001,,9002", "9001, 9002", "90o1", "-1", "0",
                          "65536", "99999999999999999999", "9001,9001"}) {
    EXPECT_THROW(parse_port_list(bad, "--ports"), loadgen::UsageError) << "'" << bad << "'";
  }
  const auto twice = refusal({"--ports", "9001,9002,9001"});
  EXPECT_NE(twice.find("--ports must be ports separated by commas"), std::string::npos) << twice;
  EXPECT_NE(twice.find("9001 is named twice"), std::string::npos) << twice;
  EXPECT_NE(refusal({"--web-ports", "8001,x", "--door", "web"}).find("'x' is not a port number"),
            std::string::npos);
}

TEST(ChatBenchOptions, ServerPidRepeatsOncePerProcessAndStorePidStandsApart) {
  const std::string self = std::to_string(::getpid());
  const std::string parent = std::to_string(::getppid());
  const auto options = parse({"--server-pid", self, "--server-pid", parent, "--store-pid", self});
  EXPECT_EQ(options.server.pids, (std::vector<int>{::getpid(), ::getppid()}));
  EXPECT_EQ(options.server.pid(), ::getpid());
  EXPECT_EQ(options.store_pid, ::getpid());

  EXPECT_NE(refusal({"--server-pid", self, "--server-pid", self}).find("is given twice"),
            std::string::npos);
  // Above Linux's PID_MAX_LIMIT: never a process.
  EXPECT_NE(refusal({"--store-pid", "4194305"}).find("--store-pid must be between 1 and"),
            std::string::npos);
}

TEST(ChatBenchOptions, TheIrcDoorUsesTheIrcPortOrOneIrcPortPerNode) {
  const auto one = parse({"--door", "irc", "--port", "9100", "--irc-port", "6700"});
  EXPECT_EQ(one.doors, Doors::irc);
  EXPECT_EQ(one.nodes, 1U);
  EXPECT_EQ(one.irc_ports, Ports{6700});
  EXPECT_EQ(parse({"--door", "irc"}).irc_ports, Ports{6667});  // chatd's default IRC door
  const auto cluster = parse({"--door", "irc", "--irc-ports", "6701,6702"});
  EXPECT_EQ(cluster.nodes, 2U);
  EXPECT_EQ(cluster.irc_ports, (Ports{6701, 6702}));
  EXPECT_NE(refusal({"--door", "irc", "--ports", "9001,9002"}).find("needs --irc-ports"),
            std::string::npos);
  EXPECT_NE(refusal({"--door", "irc", "--irc-ports", "6701,6701"}).find("named twice"),
            std::string::npos);
  EXPECT_NE(refusal({"--door", "irc", "--irc-port", "0"}).find("--irc-port"), std::string::npos);
  EXPECT_NE(refusal({"--door", "smoke"}).find("line, web, mixed or irc"), std::string::npos);
}

TEST(ChatBenchOptions, AnIrcTextMustFitOneRelayedPrivmsg) {
  EXPECT_EQ(parse({"--door", "irc", "--bytes", "400"}).bytes, 400U);
  EXPECT_NE(refusal({"--door", "irc", "--bytes", "401"}).find("--door irc takes --bytes up to 400"),
            std::string::npos);
  EXPECT_EQ(parse({"--bytes", "4000"}).bytes, 4000U);  // the line door takes long lines
}

TEST(ChatBenchOptions, TlsIsOffByDefaultAndTakesTheLineAndIrcDoorsOnly) {
  EXPECT_FALSE(parse({}).tls);
  EXPECT_TRUE(parse({"--tls"}).tls);
  const auto irc = parse({"--tls", "--door", "irc", "--irc-port", "6697"});
  EXPECT_TRUE(irc.tls);
  EXPECT_EQ(irc.irc_ports, Ports{6697});
  EXPECT_TRUE(parse({"--tls", "--mode", "idle", "--connections", "10"}).tls);
  EXPECT_NE(refusal({"--tls", "--door", "web"}).find("--tls takes --door line or irc, not web"),
            std::string::npos);
  EXPECT_NE(refusal({"--tls", "--door", "mixed"}).find("not mixed"), std::string::npos);
}

}  // namespace
}  // namespace chatd::chat_bench
