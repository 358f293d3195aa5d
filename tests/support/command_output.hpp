// Runs a binary to completion for a test and keeps what it printed: one of our own, for the flags
// that answer and exit at once (`--version`, `--help`), or a checker fed a file (promtool). No
// shell is involved.
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
// The same with stdin read from the file `input_path`, and stderr kept too: `standard_output`
// then holds both streams as the binary interleaved them.
CommandOutput run_to_exit_reading(const std::string& binary, const std::vector<std::string>& args,
                                  const std::string& input_path);

}  // namespace chatd::test
