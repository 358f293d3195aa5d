// The chat executable as a person runs it, for what needs no server: the flags that answer and
// exit. Conversations are in chat_client_test.cpp, which drives run_chat_client directly.
#include <gtest/gtest.h>

#include <string>

#include "app/version.hpp"
#include "support/command_output.hpp"

namespace chatd::test {
namespace {

TEST(ChatBinary, VersionPrintsTheProjectVersionOnStdoutAndExitsZero) {
  const CommandOutput version = run_to_exit(CHAT_BINARY, {"--version"});
  EXPECT_EQ(version.exit_status, 0);
  EXPECT_EQ(version.standard_output, "chat " + std::string(app::version) + "\n");
}

}  // namespace
}  // namespace chatd::test
