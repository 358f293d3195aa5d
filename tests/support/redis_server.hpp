// A real redis-server for one test: its own temporary directory, an ephemeral loopback port,
// and signals sent to exactly its PID (kill, pause, resume), so tests can break the link on cue.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "cluster/redis_connection.hpp"

namespace chatd::test {

struct RedisServerOptions {
  bool append_only = false;  // keep data across stop_kill()/restart() (appendfsync always)
  std::string password;      // requirepass; empty: none
};

// Owned by the test's thread: no member may be called from elsewhere.
class RedisServer {
 public:
  // Starts /usr/bin/redis-server and waits (up to 5 s) until it answers PING; throws with its
  // log if it does not.
  explicit RedisServer(RedisServerOptions options = {});
  ~RedisServer();  // SIGKILL if running, then removes the directory
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  pid_t pid() const noexcept { return pid_; }  // -1 while stopped
  std::string url() const;                     // redis://[:password@]127.0.0.1:PORT

  void stop_kill();  // SIGKILL and reap: only an append-only server keeps its data
  void restart();    // the same port and directory (loading the AOF); waits for PING
  void pause();      // SIGSTOP: connections are accepted by the kernel but never answered
  void resume();     // SIGCONT

  // One command over a blocking hiredis connection of its own (AUTH first if needed), for tests
  // to look at keys. A failed connection gives Kind::error with hiredis's reason.
  cluster::RedisReply command(std::vector<std::string> args) const;

 private:
  bool start_on(std::uint16_t port);  // false: it exited first (the port was taken)
  bool answers_ping() const;
  std::string log() const;

  RedisServerOptions options_;
  std::filesystem::path dir_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace chatd::test
