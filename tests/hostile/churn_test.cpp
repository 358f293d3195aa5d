// Connections that come and go against the real chatd process: resets, half-closes and hundreds
// of silent connections, thousands of connect-send-close cycles, and lines sent just before
// closing. Descriptors and memory come back, and complete lines are relayed once.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <iostream>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "hostile/hostile_support.hpp"
#include "support/proc_stats.hpp"
#include "support/test_server.hpp"

namespace chatd::test {
namespace {

using namespace std::chrono_literals;

TEST_F(HostileClients,
       ResetsHalfClosesAndFiveHundredSilentConnectionsNeitherStallNorLeakTheServer) {
  start({"--idle-timeout", "1", "--history", "0", "--notice-limit", "0"});
  auto alice = connect();
  auto bob = connect();
  ASSERT_TRUE(wait_for_members(*alice, 2));
  const std::string alice_name = alice->name();
  const std::string bob_name = bob->name();

  // Alice and Bob chat all through the attack, each line checked exactly on both sides; talking
  // every ~100 ms also keeps them clear of the 1 s idle timeout.
  std::atomic<bool> stop_chat{false};
  std::mutex problem_lock;
  std::string chat_problem;
  std::atomic<int> rounds{0};
  std::jthread chatting([&] {
    const auto fail = [&](std::string what) {
      std::lock_guard lock(problem_lock);
      chat_problem = std::move(what);
    };
    for (; !stop_chat; ++rounds) {
      for (LineClient* speaker : {alice.get(), bob.get()}) {
        const std::string text = "round " + std::to_string(rounds.load());
        if (!speaker->send(text + "\n")) return fail("a chatter could not send");
        const std::string expected = (speaker == alice.get() ? alice_name : bob_name) + ":" + text;
        for (LineClient* listener : {alice.get(), bob.get()}) {
          const auto line = listener->read_line(read_timeout);
          if (line != expected)
            return fail("expected '" + expected + "', got '" + line.value_or("nothing") + "'");
        }
        std::this_thread::sleep_for(50ms);
      }
    }
  });
  ASSERT_TRUE(eventually([&] { return rounds > 0; }));
  const ProcessStats baseline = stats();

  // 500 silent connections (half of them with a partial line held, slowloris style), 500 that
  // send a partial line and reset, 500 that send a partial line and half-close. None of the
  // partial lines may reach Alice or Bob.
  constexpr int each = 500;
  std::vector<std::unique_ptr<LineClient>> silent, half_closed;
  for (int i = 0; i < each; ++i) {
    silent.push_back(connect());
    if (i % 2 == 1) {
      ASSERT_TRUE(silent.back()->send("GET / HTTP/1.1"));
    }
  }
  std::size_t most_fds = stats().open_descriptors;
  for (int i = 0; i < each; ++i) {
    auto resetter = connect();
    resetter->send("half a line, then RST");
    resetter->reset();
  }
  for (int i = 0; i < each; ++i) {
    half_closed.push_back(connect());
    half_closed.back()->send("half a line, then FIN");
    half_closed.back()->shutdown_send();
    most_fds = std::max(most_fds, stats().open_descriptors);
  }
  std::cout << "[ figures  ] server fds: baseline " << baseline.open_descriptors
            << ", most seen during the attack " << most_fds << "\n";

  // The server closes each half-closed connection once the room let it go...
  for (auto& client : half_closed) EXPECT_TRUE(client->wait_closed(read_timeout));
  // ...and tells each silent one it idled too long, then closes it.
  // (They are members: until then they receive Alice and Bob's lines like anyone else.)
  int timed_out = 0;
  for (auto& client : silent) {
    int notices = 0;
    bool only_chat_otherwise = true;
    while (const auto line = client->read_line(read_timeout)) {
      if (*line == "! disconnected: idle for too long") {
        ++notices;
      } else if (!line->starts_with(alice_name + ":round ") &&
                 !line->starts_with(bob_name + ":round ")) {
        only_chat_otherwise = false;
      }
    }
    if (notices == 1 && only_chat_otherwise && client->wait_closed(read_timeout)) ++timed_out;
  }
  EXPECT_EQ(timed_out, each);
  // Everything the attack opened in the server is closed again: the baseline counts the
  // listener, the epoll and timer descriptors and Alice and Bob; nothing else may remain.
  const bool back =
      eventually([&] { return stats().open_descriptors <= baseline.open_descriptors; },
                 std::chrono::milliseconds(5s) * slowdown);
  EXPECT_TRUE(back) << "server fds " << stats().open_descriptors << ", baseline "
                    << baseline.open_descriptors;

  stop_chat = true;
  chatting.join();
  EXPECT_EQ(chat_problem, "");
  std::cout << "[ figures  ] Alice and Bob chatted " << rounds << " rounds through the attack\n";
  // 1500 sessions came and went; their memory must have gone back to the allocator's caches.
  expect_memory_bounded(baseline, 16 * MiB * memory_scale, "after 1500 hostile connections");
  EXPECT_TRUE(fresh_client_can_chat());
}

// `threads` threads each run `cycles` times: connect, send "cycle T I", close at once.
// Returns the number of cycles that failed to connect or send.
int connect_send_close(std::uint16_t port, int threads, int cycles) {
  std::atomic<int> failures{0};
  std::vector<std::jthread> cycling;
  for (int t = 0; t < threads; ++t) {
    cycling.emplace_back([&, t] {
      for (int i = 0; i < cycles; ++i) {
        try {
          LineClient client(port);
          if (!client.send("cycle " + std::to_string(t) + " " + std::to_string(i) + "\n"))
            ++failures;
        } catch (const std::exception&) {
          ++failures;
        }
      }
    });
  }
  cycling.clear();  // joins
  return failures.load();
}

// The text of each "NAME:cycle T I" line `client` receives, up to its own `marker` line.
// Everything else (except lines starting with `also_allowed`) is returned in `others`.
std::multiset<std::string> cycle_lines_until(LineClient& client, const std::string& marker,
                                             const std::string& also_allowed, Lines& others) {
  std::multiset<std::string> cycles;
  for (;;) {
    const auto line = client.read_line(read_timeout);
    if (!line) {
      others.push_back("(the stream stopped before the marker)");
      return cycles;
    }
    if (*line == client.name() + ":" + marker) return cycles;
    const auto text_at = line->find(':', line->find(':') + 1);  // after "127.0.0.1:PORT:"
    const std::string text = text_at == std::string::npos ? *line : line->substr(text_at + 1);
    if (text.starts_with("cycle ")) {
      cycles.insert(text);
    } else if (also_allowed.empty() || !line->starts_with(also_allowed)) {
      others.push_back(*line);
    }
  }
}

std::multiset<std::string> all_cycle_lines(int threads, int cycles) {
  std::multiset<std::string> expected;
  for (int t = 0; t < threads; ++t)
    for (int i = 0; i < cycles; ++i)
      expected.insert("cycle " + std::to_string(t) + " " + std::to_string(i));
  return expected;
}

TEST_F(HostileClients, TwoThousandConnectSendCloseCyclesFromFourThreadsReturnDescriptorsAndMemory) {
  start({"--history", "0", "--notice-limit", "0"});
  auto watcher = connect();
  ASSERT_TRUE(wait_for_members(*watcher, 1));
  const ProcessStats baseline = stats();

  EXPECT_EQ(connect_send_close(port_, 4, 500), 0);
  // Descriptors come back to the baseline; the assertion allows a few more for closes still in
  // flight when we look, the wait does not (it also orders the marker below).
  wait_until_only_baseline_sessions(baseline);
  const ProcessStats after = stats();
  EXPECT_LE(after.open_descriptors, baseline.open_descriptors + 3);

  // Every session is over, so the room has handled every Say: the watcher's marker comes after
  // all of them. Each relayed line is one the cycles sent, once. (That every one of them is
  // relayed is the business of ALineSentJustBeforeClosing... below: under load a few are lost.)
  ASSERT_TRUE(watcher->send("after the churn\n"));
  Lines others;
  const auto relayed = cycle_lines_until(*watcher, "after the churn", "", others);
  EXPECT_EQ(others, Lines{});
  const auto expected = all_cycle_lines(4, 500);
  EXPECT_TRUE(std::includes(expected.begin(), expected.end(), relayed.begin(), relayed.end()))
      << "a line relayed twice, or one nobody sent";
  std::cout << "[ figures  ] " << relayed.size() << " of 2000 cycle lines relayed; server fds "
            << after.open_descriptors << " after, baseline " << baseline.open_descriptors << "\n";
  RecordProperty("fds_after", std::to_string(after.open_descriptors));
  RecordProperty("fds_baseline", std::to_string(baseline.open_descriptors));

  // Up to a few hundred sessions overlap; what they used goes back to the allocator's caches.
  expect_memory_bounded(baseline, 16 * MiB * memory_scale, "after 2000 connect/send/close cycles");
  EXPECT_TRUE(fresh_client_can_chat());
}

// Found by the churn case under load. A client that sends a complete line and closes at once
// (as `printf 'hi\n' | nc -q0 HOST PORT` does) loses that line whenever the server writes room
// traffic to it before reading it: the write fails (EPIPE or ECONNRESET, the client is gone),
// write_lines() calls Connection::end(), which sets `closing` and cancels the socket, and
// read_lines() leaves its loop without reading the line that sits in the receive buffer. The
// protocol discards only "bytes after the last \n". With other traffic flowing to every member,
// 2 to 20 of these 400 lines are lost per run here; the churn case, without it, loses about 1%.
TEST_F(HostileClients, ALineSentJustBeforeClosingIsRelayedEvenWhenWritingToThatClientFails) {
  start({"--rate", "0", "--history", "0", "--notice-limit", "0"});
  auto watcher = connect();
  auto talker = connect();
  ASSERT_TRUE(wait_for_members(*watcher, 2));
  const std::string talker_name = talker->name();
  const ProcessStats two_clients = stats();

  // The talker keeps traffic flowing to every member, so that the server writes to each cycling
  // client while it is still connected, or just after it has gone.
  std::atomic<bool> stop_talking{false};
  std::multiset<std::string> relayed;
  Lines watcher_others;
  {
    std::jthread talking([&] {
      for (int i = 0; !stop_talking; ++i) {
        if (!talker->send("noise " + std::to_string(i) + "\n")) return;
        if (i % 10 == 9) std::this_thread::sleep_for(1ms);
      }
      talker->send("talk over\n");
    });
    std::jthread talker_draining([&] {
      while (const auto line = talker->read_line(read_timeout))
        if (*line == talker_name + ":talk over") return;
    });
    std::jthread watching([&] {
      relayed = cycle_lines_until(*watcher, "the end", talker_name + ":", watcher_others);
    });
    EXPECT_EQ(connect_send_close(port_, 4, 100), 0);
    stop_talking = true;
    talking.join();
    talker_draining.join();
    // Every cycling session is over (only the watcher and the talker remain), so the room has
    // handled every line they sent; then the watcher's own marker closes the record.
    EXPECT_TRUE(wait_until_only_baseline_sessions(two_clients));
    ASSERT_TRUE(watcher->send("the end\n"));
  }
  EXPECT_EQ(watcher_others, Lines{});
  const auto expected = all_cycle_lines(4, 100);
  std::cout << "[ figures  ] " << relayed.size()
            << " of 400 lines sent just before closing were relayed\n";
  EXPECT_EQ(relayed.size(), expected.size()) << "complete lines lost";
  EXPECT_TRUE(relayed == expected);
  EXPECT_TRUE(fresh_client_can_chat());
}

}  // namespace
}  // namespace chatd::test
