// Runs one of our own binaries as a child process for a test: arguments in, stderr captured,
// exit status out, and a signal delivered to exactly that child by PID.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace chatd::test {

class ChildProcess {
 public:
  ChildProcess(const std::string& binary, const std::vector<std::string>& args);
  ~ChildProcess();  // kills the child if it is still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const noexcept { return pid_; }
  void signal(int number) const;
  // The exit status, or nullopt if it has not exited within `timeout` (or died by a signal).
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  // Everything the child wrote to stderr so far (reads what is available without blocking).
  const std::string& error_output();

 private:
  pid_t pid_ = -1;
  int stderr_fd_ = -1;
  bool exited_ = false;
  std::string error_output_;
};

}  // namespace chatd::test
