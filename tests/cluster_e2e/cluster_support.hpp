// What the cluster end-to-end tests share: a real chatd node as a child process (ChatdNode),
// the time bounds scaled for sanitizer builds, and helpers for reading what a node sends.
//
// Every test starts its own redis-server (RedisServer) and its own chatd nodes on free loopback
// ports, all pointed at that Redis, and breaks things by PID: SIGKILL, SIGSTOP, SIGTERM of Redis
// or of a node. The nodes are not --quiet: the tests wait for their `cluster:` log lines, and at
// the end a node's stderr must hold no sanitizer report.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "support/free_port.hpp"
#include "support/child_process.hpp"
#include "support/line_client.hpp"

namespace chatd::test {

using Clock = std::chrono::steady_clock;
using Lines = std::vector<std::string>;

// Sanitizers slow every node down (ASan+UBSan at -O0 by 2-3×, TSan by 5-15×): only the time
// bounds stretch with them, never what must arrive, to whom, or in which order.
#if defined(CHATD_TSAN)
constexpr int slowdown = 6;
#elif defined(CHATD_ASAN)
constexpr int slowdown = 3;
#else
constexpr int slowdown = 1;
#endif

constexpr std::chrono::milliseconds scaled(std::chrono::milliseconds bound) {
  return bound * slowdown;
}

// Long enough for anything a healthy node owes on a loaded machine.
constexpr std::chrono::milliseconds read_timeout = scaled(std::chrono::seconds(10));

// A chatd process: `--port P --web 127.0.0.1:W --threads 4 --redis URL --node-id NAME` and the
// test's own flags, on free ports. Its stderr is drained by a thread of its own, so the pipe
// never fills, and kept for the test to look at.
// Used by one thread at a time (its drain thread is its own).
class ChatdNode {
 public:
  enum class Link { expected, not_expected };

  // Returns once the node serves (GET /healthz answers 200) and, unless `link` says otherwise,
  // has logged `cluster: linked`. Throws with the node's log if it does not within a bound.
  ChatdNode(std::string redis_url, std::string node_id, std::vector<std::string> flags = {},
            Link link = Link::expected);
  // Stops a node still running (SIGTERM, exit status 0 expected); fails the test if its stderr
  // holds a sanitizer report.
  ~ChatdNode();
  ChatdNode(const ChatdNode&) = delete;
  ChatdNode& operator=(const ChatdNode&) = delete;

  const std::string& id() const { return id_; }
  std::uint16_t port() const { return port_; }
  std::uint16_t web_port() const { return web_port_; }
  pid_t pid() const { return process_->pid(); }

  std::unique_ptr<LineClient> connect(int receive_buffer = 0) const {
    return std::make_unique<LineClient>(port_, receive_buffer);
  }

  // Everything the node wrote to stderr so far.
  std::string log() const;
  // Times `text` occurs in the log so far.
  std::size_t log_count(std::string_view text) const;
  // Waits until `text` occurs at least `times` times in the log.
  bool wait_for_log(std::string_view text, std::chrono::milliseconds timeout,
                    std::size_t times = 1) const;

  // SIGTERM, then the exit status; nullopt: killed by a signal, or not exited `within` (it is
  // then killed).
  std::optional<int> stop(std::chrono::milliseconds within = scaled(std::chrono::seconds(10)));
  // SIGKILL, and reaped.
  void kill();
  void pause() const;   // SIGSTOP
  void resume() const;  // SIGCONT
  bool running() const { return !exited_; }

 private:
  bool start(const std::vector<std::string>& args, Link link);
  std::optional<int> wait_for_exit(std::chrono::milliseconds timeout);
  void drain();
  void expect_no_sanitizer_report() const;

  std::string id_;
  std::uint16_t port_ = 0;
  std::uint16_t web_port_ = 0;
  mutable std::mutex mutex_;  // guards process_ (its stderr buffer) between test and drainer
  std::unique_ptr<ChildProcess> process_;
  bool exited_ = false;
  std::jthread drainer_;
};

// The cast of most fault tests: two nodes on one Redis, alice on node-a and bob on node-b,
// both in the lobby as the store sees it. Throws if that cannot be set up.
struct AliceAndBob {
  explicit AliceAndBob(const std::string& redis_url, const std::vector<std::string>& flags = {});
  ChatdNode node_a;
  ChatdNode node_b;
  std::unique_ptr<LineClient> alice;
  std::unique_ptr<LineClient> bob;
};

// A chatd run that is expected to refuse to start: its exit status (nullopt: still running after
// `timeout`, then killed) and its stderr.
struct Refusal {
  std::optional<int> status;
  std::string error_output;
};
Refusal run_chatd_until_exit(const std::vector<std::string>& args,
                             std::chrono::milliseconds timeout);

// A line is a message unless it is a notice ("* ...") or an error ("! ...").
bool is_message(std::string_view line);

// "* 3 in lobby: a b c": the reply to /who.
bool is_who_reply(std::string_view line);

// Reads until a line satisfies `wanted` (and returns it) or `timeout` passes altogether. Every
// line read, the wanted one included, is appended to `seen` when given.
std::optional<std::string> read_until(LineClient& client,
                                      const std::function<bool(const std::string&)>& wanted,
                                      std::chrono::milliseconds timeout = read_timeout,
                                      Lines* seen = nullptr);

// Reads until exactly `expected` arrives; `seen` as for read_until.
::testing::AssertionResult reads_line(LineClient& client, const std::string& expected,
                                      std::chrono::milliseconds timeout = read_timeout,
                                      Lines* seen = nullptr);

// Reads until `count` message lines have come (other lines go to `others` when given), or
// `timeout` passes altogether; returns the messages.
Lines read_messages(LineClient& client, std::size_t count,
                    std::chrono::milliseconds timeout = read_timeout, Lines* others = nullptr);

// Everything that arrives within `period`: to check that nothing more comes.
Lines read_for(LineClient& client, std::chrono::milliseconds period);

// /nick `nickname`, and waits for the client's own rename notice.
::testing::AssertionResult set_nick(LineClient& client, const std::string& nickname);

// Asks /who every 100 ms until the reply satisfies `wanted`; only for a client that is told
// nothing else meanwhile but notices. Returns the last reply ("" when none came).
std::string ask_who_until(LineClient& asker, const std::function<bool(const std::string&)>& wanted,
                          std::chrono::milliseconds timeout = read_timeout);

// The lines of `lines` that start with `prefix`, in order.
Lines starting_with(const Lines& lines, std::string_view prefix);

// How many of `lines` are `line`, or start with `prefix`.
std::size_t count_lines(const Lines& lines, std::string_view line);
std::size_t count_prefixed(const Lines& lines, std::string_view prefix);

// For failure messages: the lines, one per line, the first `limit` of them.
std::string joined(const Lines& lines, std::size_t limit = 40);

}  // namespace chatd::test
