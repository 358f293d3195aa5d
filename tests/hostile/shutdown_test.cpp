// SIGTERM to the real chatd process: under load it flushes the same in-order prefix to every
// reader and closes every connection in an orderly way, and when idle it exits cleanly every time.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

#include "hostile/hostile_support.hpp"
#include "support/test_server.hpp"

namespace chatd::test {
namespace {

using namespace std::chrono_literals;

// A plain socket that reads until the server closes and says how it closed (an orderly FIN, a
// reset, or not at all), which LineClient does not tell apart. For the SIGTERM case.
class RawConnection {
 public:
  enum class End { closed, reset, timed_out };

  // `receive_buffer` > 0 shrinks SO_RCVBUF first, so that what the server owes this client
  // waits in the server rather than in our kernel.
  explicit RawConnection(std::uint16_t port, int receive_buffer = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (receive_buffer > 0)
      ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0)
      throw std::runtime_error("connect failed");
  }
  ~RawConnection() { ::close(fd_); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  // Everything received until the server closes (or `timeout` passes); `lines` counts the
  // newlines received so far, for another thread to watch.
  End read_until_closed(std::string& received, std::atomic<std::size_t>& lines,
                        std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return End::timed_out;
      pollfd readable{fd_, POLLIN, 0};
      if (::poll(&readable, 1, static_cast<int>(left.count())) <= 0) continue;
      char buffer[16 * 1024];
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n == 0) return End::closed;
      if (n < 0) return End::reset;
      const std::string_view chunk(buffer, static_cast<std::size_t>(n));
      received.append(chunk);
      lines += static_cast<std::size_t>(std::count(chunk.begin(), chunk.end(), '\n'));
    }
  }

 private:
  int fd_ = -1;
};

TEST_F(HostileClients, SigtermFlushesTheSameInOrderPrefixToEveryReaderThenClosesAndExitsZero) {
  start({"--rate", "0", "--history", "0", "--notice-limit", "0"});
  auto sender = connect();
  RawConnection live_reader(port_);
  // Reads nothing until the signal, through a small window: its lines queue up in the server.
  RawConnection late_reader(port_, 4096);
  ASSERT_TRUE(wait_for_members(*sender, 3));
  const std::string name = sender->name();
  const std::string padding(200, 'q');

  std::string live_bytes, late_bytes;
  std::atomic<std::size_t> live_lines{0}, late_lines{0};
  RawConnection::End live_end{}, late_end{};
  Lines echoes;
  std::chrono::duration<double> exit_after{};
  std::optional<int> status;
  {
    std::jthread live(
        [&] { live_end = live_reader.read_until_closed(live_bytes, live_lines, read_timeout); });
    std::jthread echoing([&] {
      while (const auto line = sender->read_line(read_timeout)) echoes.push_back(*line);
    });
    // ~200 µs apart, so that the signal lands mid-stream; 220-byte lines, so that the late
    // reader's share (~100 KB by then) outgrows the kernel's buffers.
    std::jthread sending([&] {
      for (int i = 0; i < 1000; ++i) {
        if (!sender->send("line " + std::to_string(i) + " " + padding + "\n"))
          break;  // the server may be gone
        std::this_thread::sleep_for(200us);
      }
    });
    // Mid-stream: line 500 is through, later ones are in flight or queued.
    ASSERT_TRUE(eventually([&] { return live_lines.load() > 500; }, read_timeout));
    chatd_->signal(SIGTERM);
    const auto signalled = Clock::now();
    late_end = late_reader.read_until_closed(late_bytes, late_lines, read_timeout);
    status = wait_for_exit(std::chrono::milliseconds(10s) * slowdown);
    exit_after = Clock::now() - signalled;
    stopped_ = true;
  }
  EXPECT_EQ(status, 0) << chatd_->error_output();
  EXPECT_EQ(chatd_->error_output(), "");
  std::cout << "[ figures  ] exited " << figure(exit_after.count() * 1000, 0)
            << " ms after SIGTERM, having relayed " << live_lines
            << " of 1000 lines; the late reader got " << late_bytes.size()
            << " bytes after the signal\n";
  // The server's own drain deadline is 2.5 s; sanitizers add their exit-time checks on top.
  EXPECT_LE(exit_after.count(), 3.0 + (slowdown - 1) * 1.0) << "seconds from SIGTERM to exit";

  // Every member is owed the same room log up to the moment of the Stop: the three copies must
  // be one contiguous, in-order prefix of what was sent, each ending with a complete line and
  // an orderly close.
  const auto as_lines = [](const std::string& bytes) {
    Lines lines;
    std::size_t start = 0;
    for (std::size_t end; (end = bytes.find('\n', start)) != std::string::npos; start = end + 1)
      lines.push_back(bytes.substr(start, end - start));
    return lines;
  };
  const Lines live = as_lines(live_bytes);
  ASSERT_GT(live.size(), 500u);
  Lines prefix;
  for (std::size_t i = 0; i < live.size(); ++i)
    prefix.push_back(name + ":line " + std::to_string(i) + " " + padding);
  EXPECT_EQ(live, prefix);
  EXPECT_EQ(as_lines(late_bytes), prefix) << "the reader that was behind got the same lines";
  EXPECT_EQ(echoes, prefix) << "the sender got the same lines";
  EXPECT_TRUE(live_bytes.ends_with('\n'));
  EXPECT_TRUE(late_bytes.ends_with('\n'));
  EXPECT_EQ(live_end, RawConnection::End::closed);
  EXPECT_EQ(late_end, RawConnection::End::closed);
}

// Found by TearDown under TSan. shut_down_on_signal() (chatd_main.cpp) awaits
// `wait_drained() || deadline || second signal` in a coroutine spawned on the io_context itself,
// not on a strand; with --threads 2 the group's branches start and finish on both threads at
// once. When the drain completes at once (no client left), one thread clears the group's
// cancellation slot (cancellation_signal.ipp:42) while the other is still installing it
// (parallel_group.hpp:394): a data race TSan reports in about one shutdown in five. Spawning
// it on a strand (asio::make_strand(io)) would serialise them. Plain builds pass this case.
TEST_F(HostileClients, SigtermRightAfterTheLastClientLeftExitsCleanlyEveryTime) {
  for (int round = 0; round < 20 && !HasFailure(); ++round) {
    start({"--notice-limit", "0"});
    {
      auto client = connect();
      ASSERT_TRUE(client->send("hello\n"));
      ASSERT_TRUE(next_is(*client, client->name() + ":hello"));
    }
    std::this_thread::sleep_for(20ms);  // the session ends; the server is idle again
    TearDown();                         // SIGTERM; exit 0 with nothing on stderr
  }
}

}  // namespace
}  // namespace chatd::test
