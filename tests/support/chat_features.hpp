// What the end-to-end chat feature tests share: the ChatFeatures fixture, which runs the real
// server in-process on an ephemeral loopback port for blocking POSIX clients to talk to, and
// helpers that read its lines. Every wait is bounded, so a missing line fails a test instead of
// hanging it.
//
// Each test sets the server options it depends on (the defaults announce joins, replay 100
// messages and allow 20 lines a second), and proves that something did *not* arrive with a
// sentinel: a later line from the same room must be the very next one.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "support/line_client.hpp"
#include "support/test_server.hpp"

namespace chatd::test {

using Lines = std::vector<std::string>;

// Long enough for a loaded machine under TSan, short enough that a lost line fails fast.
constexpr auto read_timeout = std::chrono::seconds(5);
// The most lines lines_through() reads looking for one line.
constexpr std::size_t max_lines_searched = 100000;

// No notices, no history, no flood control: each test turns on what it is about.
inline net::ServerOptions plain_options() {
  net::ServerOptions plain;
  plain.room.history = 0;
  plain.room.notice_limit = 0;
  plain.session.rate = 0;
  return plain;
}

inline std::optional<std::string> next(LineClient& client) {
  return client.read_line(read_timeout);
}

// Every line up to and including `last`; the last element is not `last` when it never came.
inline Lines lines_through(LineClient& client, const std::string& last) {
  Lines lines;
  while (lines.size() < max_lines_searched) {
    auto line = next(client);
    if (!line) break;
    lines.push_back(std::move(*line));
    if (lines.back() == last) break;
  }
  return lines;
}

// The lines before `last` (which must come), without `last` itself.
inline Lines lines_before(LineClient& client, const std::string& last) {
  Lines lines = lines_through(client, last);
  EXPECT_FALSE(lines.empty()) << "nothing came while waiting for '" << last << "'";
  if (lines.empty()) return lines;
  EXPECT_EQ(lines.back(), last) << "never came";
  lines.pop_back();
  return lines;
}

inline std::string renamed(const std::string& from, const std::string& to) {
  return "* " + from + " is now known as " + to;
}

inline std::size_t count(const Lines& lines, const std::string& line) {
  return static_cast<std::size_t>(std::count(lines.begin(), lines.end(), line));
}

class ChatFeatures : public ::testing::Test {
 protected:
  std::unique_ptr<TestServer> server;

  void start(const net::ServerOptions& options, unsigned threads = 4) {
    server = std::make_unique<TestServer>(threads, options);
  }
  std::unique_ptr<LineClient> connect(int receive_buffer = 0) {
    return std::make_unique<LineClient>(server->port(), receive_buffer);
  }
  // Joins are asynchronous: wait until the lobby has them before anyone speaks.
  void wait_for_members(std::size_t count) {
    ASSERT_TRUE(eventually([&] {
      return server->server().lobby_counters().members.load() == count;
    })) << "lobby members: "
        << server->server().lobby_counters().members.load();
  }
  // Sends `line` and a newline, failing the test if the connection is gone.
  static void say(LineClient& client, const std::string& line) {
    ASSERT_TRUE(client.send(line + "\n")) << "could not send " << line;
  }
};

}  // namespace chatd::test
