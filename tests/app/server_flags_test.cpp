// The chatd command line and its --config file: defaults, accepted values, precedence, and clear
// refusals with exit status 2.
#include "app/server_flags.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

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
  EXPECT_EQ(flags.line.address().to_string(), "127.0.0.1");
  EXPECT_EQ(flags.line.port(), 9999);
  EXPECT_EQ(flags.server.session.max_line, 4096u);
  EXPECT_EQ(flags.server.room.outbox_bytes, 8u << 20);
  EXPECT_GE(flags.threads, 1u);
  EXPECT_FALSE(flags.quiet);
  EXPECT_EQ(flags.server.room.history, 100u);
  EXPECT_EQ(flags.server.room.notice_limit, 100u);
  EXPECT_EQ(flags.server.session.rate, 20.0);
  EXPECT_EQ(flags.server.session.burst, 100.0);
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
  EXPECT_EQ(flags.line.address().to_string(), "0.0.0.0");
  EXPECT_EQ(flags.line.port(), 7000);
  EXPECT_EQ(flags.threads, 4u);
  EXPECT_EQ(flags.server.session.max_line, 8192u);
  EXPECT_EQ(flags.server.room.outbox_bytes, 2u << 20);
  EXPECT_TRUE(flags.quiet);
}

TEST(ServerFlags, TheWebDoorListensOnLoopback8080UnlessMovedOrTurnedOff) {
  const ServerFlags defaults = accepted({});
  ASSERT_TRUE(defaults.web);
  EXPECT_EQ(*defaults.web, boost::asio::ip::tcp::endpoint(
                               boost::asio::ip::make_address("127.0.0.1"), 8080));
  EXPECT_TRUE(defaults.allowed_origins.empty());
  const ServerFlags moved = accepted({"--web", "[::1]:0", "--allowed-origin", "https://a.example",
                                      "--allowed-origin", "http://b.example:8000"});
  ASSERT_TRUE(moved.web);
  EXPECT_EQ(*moved.web, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("::1"), 0));
  EXPECT_EQ(moved.allowed_origins,
            (std::vector<std::string>{"https://a.example", "http://b.example:8000"}));
  EXPECT_FALSE(accepted({"--web", "off"}).web);
}

TEST(ServerFlags, HelpExitsZeroAndListsTheFlags) {
  const ExitNow help = refused({"--help"});
  EXPECT_EQ(help.status, 0);
  for (const char* flag :
       {"--host", "--port", "--threads", "--max-line", "--outbox", "--history", "--notice-limit",
        "--rate", "--burst", "--idle-timeout", "--max-clients", "--quiet", "--version", "--config"})
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
      {{"--web", "8080"}, "--web"},
      {{"--web", "127.0.0.1:"}, "--web"},
      {{"--web", "localhost:8080"}, "--web"},
      {{"--web", "127.0.0.1:80800"}, "--web"},
      {{"--allowed-origin", "chat.example.org"}, "--allowed-origin"},
      {{"--allowed-origin", "https://chat.example.org/page"}, "--allowed-origin"},
      {{"--redis", "http://127.0.0.1:6379"}, "--redis"},
      {{"--redis", "redis://127.0.0.1:notaport"}, "--redis"},
      {{"--node-id", "has space"}, "--node-id"},
      {{"--node-id", "a/b"}, "--node-id"},
      {{"--node-timeout", "1"}, "--node-timeout"},
      {{"--line-tls", "127.0.0.1:7000"}, "--tls-cert"},
      {{"--web-tls", "127.0.0.1:7001"}, "--tls-cert"},
      {{"--line-tls", "7000", "--tls-cert", "c.pem", "--tls-key", "k.pem"}, "--line-tls"},
      {{"--line-tls", "127.0.0.1:7000", "--tls-cert", "c.pem"}, "--tls-key"},
      {{"--tls-cert", "c.pem", "--tls-key", "k.pem"}, "no TLS door"},
      {{"--irc-tls", "127.0.0.1:6697"}, "--tls-cert"},
      {{"--irc", "6667"}, "--irc"},
      {{"--server-name", "has space"}, "--server-name"},
  };
  for (const auto& [args, named] : cases) {
    const ExitNow error = refused(args);
    EXPECT_EQ(error.status, 2) << ::testing::PrintToString(args);
    EXPECT_NE(error.text.find(named), std::string::npos) << error.text;
    EXPECT_EQ(error.text.rfind("chatd: ", 0), 0u) << error.text;
  }
}

TEST(ServerFlags, TheIrcDoorListensOnLoopback6667UnlessMovedOrTurnedOff) {
  const ServerFlags defaults = accepted({});
  EXPECT_EQ(defaults.irc,
            boost::asio::ip::tcp::endpoint(boost::asio::ip::address_v4::loopback(), 6667));
  EXPECT_FALSE(defaults.irc_tls);
  EXPECT_EQ(defaults.server_name, "");
  EXPECT_FALSE(accepted({"--irc", "off"}).irc);
  const ServerFlags moved = accepted({"--irc", "127.0.0.1:0", "--server-name", "chat.example.org"});
  EXPECT_EQ(moved.irc->port(), 0);
  EXPECT_EQ(moved.server_name, "chat.example.org");
}

TEST(ServerFlags, TlsDoorsAreOffUnlessGivenAndTakeTheCertificateAndKey) {
  const ServerFlags defaults = accepted({});
  EXPECT_FALSE(defaults.tls);
  EXPECT_FALSE(defaults.line_tls);
  EXPECT_FALSE(defaults.web_tls);
  const ServerFlags flags = accepted({"--tls-cert", "/etc/chatd/chain.pem", "--tls-key",
                                      "/etc/chatd/key.pem", "--line-tls", "0.0.0.0:9998",
                                      "--web-tls", "[::1]:8443"});
  ASSERT_TRUE(flags.tls);
  EXPECT_EQ(flags.tls->certificate, "/etc/chatd/chain.pem");
  EXPECT_EQ(flags.tls->key, "/etc/chatd/key.pem");
  EXPECT_EQ(flags.line_tls,
            boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("0.0.0.0"), 9998));
  EXPECT_EQ(flags.web_tls,
            boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("::1"), 8443));
}

TEST(ServerFlags, RedisIsOffUnlessGivenAndItsPasswordNeverShows) {
  EXPECT_FALSE(accepted({}).redis);
  const ServerFlags flags = accepted({"--redis", "redis://:s3cret@127.0.0.1:6380/2", "--node-id",
                                      "chat-1", "--node-timeout", "5"});
  ASSERT_TRUE(flags.redis);
  EXPECT_EQ(flags.redis->host, "127.0.0.1");
  EXPECT_EQ(flags.redis->port, 6380);
  EXPECT_EQ(flags.redis->password, "s3cret");
  EXPECT_EQ(flags.redis->db, 2);
  EXPECT_EQ(flags.node_id, "chat-1");
  EXPECT_EQ(flags.node_timeout, std::chrono::seconds(5));
  const ExitNow bad = refused({"--redis", "redis://:s3cret@127.0.0.1:nope"});
  EXPECT_EQ(bad.text.find("s3cret"), std::string::npos) << bad.text;
}

TEST(ServerFlags, VersionPrintsTheProjectVersionAndExitsZero) {
  const ExitNow answer = refused({"--version"});
  EXPECT_EQ(answer.status, 0);
  EXPECT_EQ(answer.text, "chatd " + std::string(version) + "\n");
  // The generated header carries project()'s three-part version, not an unexpanded @VAR@.
  EXPECT_TRUE(std::regex_match(std::string(version), std::regex("[0-9]+\\.[0-9]+\\.[0-9]+")))
      << version;
}

// Each test writes its config files into its own directory, removed afterwards.
class ConfigFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("chatd_flags_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& contents) const {
    const auto path = dir_ / name;
    std::ofstream(path) << contents;
    return path.string();
  }

  std::filesystem::path dir_;
};

TEST_F(ConfigFile, SetsEveryKeyItNames) {
  const std::string path = write("chatd.conf",
                                 "# every key\n"
                                 "host = 0.0.0.0\n"
                                 "port = 7000\n"
                                 "threads = 3\n"
                                 "max-line = 8K\n"
                                 "outbox = 2M\n"
                                 "history = 7\n"
                                 "notice-limit = 5\n"
                                 "rate = 4\n"
                                 "burst = 9\n"
                                 "idle-timeout = 30\n"
                                 "max-clients = 2\n"
                                 "quiet = true\n");
  const ServerFlags flags = accepted({"--config", path});
  EXPECT_EQ(flags.line.address().to_string(), "0.0.0.0");
  EXPECT_EQ(flags.line.port(), 7000);
  EXPECT_EQ(flags.threads, 3u);
  EXPECT_EQ(flags.server.session.max_line, 8192u);
  EXPECT_EQ(flags.server.room.outbox_bytes, 2u << 20);
  EXPECT_EQ(flags.server.room.history, 7u);
  EXPECT_EQ(flags.server.room.notice_limit, 5u);
  EXPECT_EQ(flags.server.session.rate, 4.0);
  EXPECT_EQ(flags.server.session.burst, 9.0);
  EXPECT_EQ(flags.server.session.idle_timeout.count(), 30);
  EXPECT_EQ(flags.server.max_clients, 2u);
  EXPECT_TRUE(flags.quiet);
}

TEST_F(ConfigFile, LeavesTheDefaultsOfKeysItDoesNotName) {
  const ServerFlags flags =
      accepted({"--config", write("chatd.conf", "port = 7000\nquiet = false\n")});
  EXPECT_EQ(flags.line.port(), 7000);
  EXPECT_FALSE(flags.quiet);
  EXPECT_EQ(flags.line.address().to_string(), "127.0.0.1");
  EXPECT_EQ(flags.server.session.max_line, 4096u);
  EXPECT_EQ(flags.server.max_clients, 10000u);
}

TEST_F(ConfigFile, FlagsOnTheCommandLineOverrideTheFileWhereverTheyStand) {
  const std::string path =
      write("chatd.conf", "port = 7000\nmax-line = 8K\nhistory = 7\nquiet = false\n");
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--config", path, "--port", "7001", "--history", "0", "--quiet"},
           {"--port", "7001", "--history", "0", "--quiet", "--config", path}}) {
    const ServerFlags flags = accepted(args);
    EXPECT_EQ(flags.line.port(), 7001) << ::testing::PrintToString(args);
    EXPECT_EQ(flags.server.room.history, 0u) << ::testing::PrintToString(args);
    EXPECT_TRUE(flags.quiet) << ::testing::PrintToString(args);
    EXPECT_EQ(flags.server.session.max_line, 8192u) << "from the file";
  }
}

TEST_F(ConfigFile, AnUnknownKeyExitsTwoNamingTheKeyAndTheFile) {
  const std::string path = write("chatd.conf", "port = 7000\nprot = 7001\n");
  const ExitNow error = refused({"--config", path});
  EXPECT_EQ(error.status, 2);
  EXPECT_EQ(error.text, "chatd: " + path + ": unknown key 'prot'\nTry 'chatd --help'.\n");
}

TEST_F(ConfigFile, AMissingFileExitsTwoNamingTheFile) {
  const std::string path = (dir_ / "absent.conf").string();
  const ExitNow error = refused({"--config", path});
  EXPECT_EQ(error.status, 2);
  EXPECT_EQ(error.text, "chatd: cannot read config file " + path +
                            ": No such file or directory\nTry 'chatd --help'.\n");
}

TEST_F(ConfigFile, ADirectoryExitsTwoNamingIt) {
  const ExitNow error = refused({"--config", dir_.string()});
  EXPECT_EQ(error.status, 2);
  EXPECT_NE(error.text.find("cannot read config file " + dir_.string()), std::string::npos)
      << error.text;
}

TEST_F(ConfigFile, ABadValueExitsTwoNamingTheFileAndTheKey) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"port = abc\n", "the argument ('abc') for option 'port' is invalid"},
      {"port = 70000\n", "port must be between 0 and 65535, not 70000"},
      {"threads = 0\n", "threads must be between 1 and 1024, not 0"},
      {"max-line = 12Q\n", "max-line wants a size such as 4096, 64K or 8M, not '12Q'"},
      {"host = not-an-address\n",
       "host wants an IP address such as 127.0.0.1, not 'not-an-address'"},
      {"quiet = maybe\n", "the argument ('maybe') for option 'quiet' is invalid"},
      {"port = 1\nport = 2\n", "option 'port' cannot be specified more than once"},
      {"port 7000\n", "invalid line 'port 7000'"},
  };
  for (const auto& [contents, message] : cases) {
    const std::string path = write("chatd.conf", contents);
    const ExitNow error = refused({"--config", path});
    EXPECT_EQ(error.status, 2) << contents;
    EXPECT_EQ(error.text.rfind("chatd: " + path + ": ", 0), 0u) << error.text;
    EXPECT_NE(error.text.find(message), std::string::npos) << error.text;
  }
}

TEST_F(ConfigFile, ABadFlagIsBlamedOnTheFlagNotOnTheFile) {
  const ExitNow error =
      refused({"--config", write("chatd.conf", "port = 7000\n"), "--port", "70000"});
  EXPECT_EQ(error.status, 2);
  EXPECT_EQ(error.text,
            "chatd: --port must be between 0 and 65535, not 70000\nTry 'chatd --help'.\n");
}

TEST_F(ConfigFile, CannotSetHelpVersionOrConfig) {
  for (const std::string key : {"help", "version", "config"}) {
    const std::string path =
        write("chatd.conf", key + " = " + (dir_ / "other.conf").string() + "\n");
    const ExitNow error = refused({"--config", path});
    EXPECT_EQ(error.status, 2) << key;
    EXPECT_EQ(error.text, "chatd: " + path + ": " + key +
                              " can only be given on the command line\nTry 'chatd --help'.\n");
  }
}

TEST_F(ConfigFile, TheExampleListsEveryKeyWithItsDefault) {
  // Uncomment every "#key = value" line of docs/chatd.conf.example: the result must be the
  // defaults (threads shows an example value: its default depends on the machine).
  std::ifstream example(CHATD_EXAMPLE_CONFIG);
  ASSERT_TRUE(example) << CHATD_EXAMPLE_CONFIG;
  std::ostringstream uncommented;
  std::vector<std::string> keys;
  const std::regex setting("#([a-z-]+) = .*");
  std::smatch match;
  for (std::string line; std::getline(example, line);) {
    if (!std::regex_match(line, match, setting)) continue;
    keys.push_back(match[1]);
    uncommented << line.substr(1) << '\n';
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"host", "port", "web", "irc", "line-tls", "web-tls",
                                            "irc-tls",
                                            "node-timeout", "threads",
                                            "max-line", "outbox",
                                            "history", "notice-limit", "rate", "burst",
                                            "idle-timeout", "max-clients", "quiet"}));
  const ServerFlags from_example = accepted({"--config", write("chatd.conf", uncommented.str())});
  ServerFlags defaults = accepted({});
  EXPECT_EQ(from_example.line, defaults.line);
  EXPECT_EQ(from_example.web, defaults.web);
  EXPECT_EQ(from_example.line_tls, defaults.line_tls);
  EXPECT_EQ(from_example.web_tls, defaults.web_tls);
  EXPECT_EQ(from_example.irc, defaults.irc);
  EXPECT_EQ(from_example.irc_tls, defaults.irc_tls);
  EXPECT_EQ(from_example.threads, 4u);
  EXPECT_EQ(from_example.server.session.max_line, defaults.server.session.max_line);
  EXPECT_EQ(from_example.server.room.outbox_bytes, defaults.server.room.outbox_bytes);
  EXPECT_EQ(from_example.server.room.history, defaults.server.room.history);
  EXPECT_EQ(from_example.server.room.notice_limit, defaults.server.room.notice_limit);
  EXPECT_EQ(from_example.server.session.rate, defaults.server.session.rate);
  EXPECT_EQ(from_example.server.session.burst, defaults.server.session.burst);
  EXPECT_EQ(from_example.server.session.idle_timeout, defaults.server.session.idle_timeout);
  EXPECT_EQ(from_example.server.max_clients, defaults.server.max_clients);
  EXPECT_EQ(from_example.quiet, defaults.quiet);
  EXPECT_EQ(from_example.node_timeout, defaults.node_timeout);
  EXPECT_FALSE(from_example.redis);
}

}  // namespace
}  // namespace chatd::app
