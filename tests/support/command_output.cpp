// A binary run to completion for a test; see command_output.hpp.
#include "support/command_output.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>

namespace chatd::test {

namespace {

// `input_path` empty: stdin is inherited and stderr is the test's own.
CommandOutput run(const std::string& binary, const std::vector<std::string>& args,
                  const std::string& input_path) {
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) throw std::runtime_error("pipe failed");
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(binary.c_str()));
  for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  if (!input_path.empty()) {
    ::posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, input_path.c_str(), O_RDONLY, 0);
    ::posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
  }
  ::posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
  pid_t pid = -1;
  const int spawned =
      ::posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), ::environ);
  ::posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  CommandOutput result;
  if (spawned != 0) {
    ::close(pipe_fds[0]);
    return result;
  }
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(pipe_fds[0], buffer, sizeof buffer);
    if (n <= 0) break;
    result.standard_output.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(pipe_fds[0]);
  int status = 0;
  if (::waitpid(pid, &status, 0) == pid && WIFEXITED(status))
    result.exit_status = WEXITSTATUS(status);
  return result;
}

}  // namespace

CommandOutput run_to_exit(const std::string& binary, const std::vector<std::string>& args) {
  return run(binary, args, {});
}

CommandOutput run_to_exit_reading(const std::string& binary, const std::vector<std::string>& args,
                                  const std::string& input_path) {
  return run(binary, args, input_path);
}

}  // namespace chatd::test
