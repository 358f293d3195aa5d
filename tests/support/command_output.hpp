// Runs one of our own binaries to completion for a test and keeps what it printed on stdout:
// for the flags that answer and exit at once (`--version`, `--help`). No shell is involved.
#pragma once

#include <string>
#include <vector>

namespace chatd::test {

struct CommandOutput {
  int exit_status = -1;  // -1 if it could not start or died by a signal
  std::string standard_output;
};

// Blocks until the binary exits; its stderr is the test's own.
CommandOutput run_to_exit(const std::string& binary, const std::vector<std::string>& args);

}  // namespace chatd::test
