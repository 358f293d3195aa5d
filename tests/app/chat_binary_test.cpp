// The chat executable as a person runs it, for what needs no server: the flags that answer and
// exit, and the piped client's end when there is nobody to talk to. Conversations are in
// chat_client_test.cpp, which drives run_chat_client directly, and on a terminal in
// tests/console/.
#include <gtest/gtest.h>

#include <string>

#include "app/version.hpp"
#include "support/command_output.hpp"
#include "support/free_port.hpp"

namespace chatd::test {
namespace {

TEST(ChatBinary, VersionPrintsTheProjectVersionOnStdoutAndExitsZero) {
  const CommandOutput version = run_to_exit(CHAT_BINARY, {"--version"});
  EXPECT_EQ(version.exit_status, 0);
  EXPECT_EQ(version.standard_output, "chat " + std::string(app::version) + "\n");
}

TEST(ChatBinary, HelpDocumentsEveryFlagTheTerminalKeysAndReconnecting) {
  const CommandOutput help = run_to_exit(CHAT_BINARY, {"--help"});
  EXPECT_EQ(help.exit_status, 0);
  for (const char* documented :
       {"--host", "--port", "--nick", "--tls", "--ca", "--insecure", "--timestamps",
        "--no-reconnect", "--version", "[nick@room]", "Ctrl-R", "Ctrl-W", "Up/Down", "Tab",
        "Ctrl-D", "reconnects", "Piped"}) {
    EXPECT_NE(help.standard_output.find(documented), std::string::npos) << documented;
  }
}

TEST(ChatBinary, PipedItExitsWhenItCannotConnectInsteadOfRetrying) {
  const std::string port = std::to_string(free_port());
  const CommandOutput piped = run_to_exit_reading(CHAT_BINARY, {"--port", port}, "/dev/null");
  EXPECT_EQ(piped.exit_status, 1);
  EXPECT_EQ(piped.standard_output,
            "chat: cannot connect to 127.0.0.1:" + port + ": Connection refused\n");
}

TEST(ChatBinary, RejectsAStrayArgumentWithUsage) {
  const CommandOutput stray = run_to_exit_reading(CHAT_BINARY, {"lobby"}, "/dev/null");
  EXPECT_EQ(stray.exit_status, 2);
  EXPECT_NE(stray.standard_output.find("Try 'chat --help'."), std::string::npos);
}

}  // namespace
}  // namespace chatd::test
