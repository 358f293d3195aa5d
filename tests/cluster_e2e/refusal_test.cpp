// Redis refusing the node for good is fatal at start: a wrong password, or no Redis at all on
// the other end, ends chatd with status 1 and one clear line, and never shows the password.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "cluster_e2e/cluster_support.hpp"
#include "support/redis_server.hpp"

namespace chatd::test {
namespace {

using namespace std::chrono_literals;

std::vector<std::string> node_flags(const std::string& redis_url) {
  return {"--port", std::to_string(free_port()), "--web", "off", "--irc", "off", "--redis", redis_url, "--node-id",
          "node-a"};
}

TEST(ClusterRefusal, AWrongPasswordEndsChatdAtStartWithoutShowingThePassword) {
  RedisServerOptions guarded;
  guarded.password = "right-horse-battery";
  RedisServer redis(guarded);
  const std::string wrong = "wrong-staple-91";
  const std::string where = "redis://127.0.0.1:" + std::to_string(redis.port());
  const auto start = Clock::now();
  const Refusal refusal =
      run_chatd_until_exit(node_flags("redis://:" + wrong + "@" + where.substr(8)), scaled(5s));
  EXPECT_EQ(refusal.status, 1) << refusal.error_output;
  EXPECT_LT(Clock::now() - start, scaled(5s));
  EXPECT_NE(refusal.error_output.find("chatd: cannot use " + where + "/0: wrong password"),
            std::string::npos)
      << refusal.error_output;
  EXPECT_EQ(refusal.error_output.find(wrong), std::string::npos) << refusal.error_output;
}

// Accepts connections on a loopback port and answers each with a line that is not RESP.
class NotRedis {
 public:
  NotRedis() {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    ::bind(listener_, reinterpret_cast<const sockaddr*>(&address), sizeof address);
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    ::listen(listener_, 16);
    port_ = ntohs(address.sin_port);
    answering_ = std::jthread([this](std::stop_token stop) {
      while (!stop.stop_requested()) {
        const int peer = ::accept(listener_, nullptr, nullptr);
        if (peer < 0) return;  // the listener was shut down
        answer(peer);
      }
    });
  }
  ~NotRedis() {
    answering_.request_stop();
    ::shutdown(listener_, SHUT_RDWR);  // wakes the accept
    answering_ = {};
    ::close(listener_);
  }
  std::uint16_t port() const { return port_; }

 private:
  // Reads the client's first commands before answering and reads on until it closes: closing
  // with unread bytes would send a reset, which might reach the client before the answer.
  static void answer(int peer) {
    const timeval patience{1, 0};
    ::setsockopt(peer, SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof patience);
    char buffer[4096];
    (void)::recv(peer, buffer, sizeof buffer, 0);
    const std::string_view garbage = "hello, this is not Redis\r\n";
    (void)::send(peer, garbage.data(), garbage.size(), MSG_NOSIGNAL);
    ::shutdown(peer, SHUT_WR);
    while (::recv(peer, buffer, sizeof buffer, 0) > 0) {
    }
    ::close(peer);
  }

  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::jthread answering_;
};

TEST(ClusterRefusal, SomethingOtherThanRedisEndsChatdAtStart) {
  NotRedis impostor;
  const std::string where = "redis://127.0.0.1:" + std::to_string(impostor.port());
  const Refusal refusal = run_chatd_until_exit(node_flags(where), scaled(5s));
  EXPECT_EQ(refusal.status, 1) << refusal.error_output;
  EXPECT_NE(refusal.error_output.find("chatd: cannot use " + where + "/0: not a Redis"),
            std::string::npos)
      << refusal.error_output;
}

}  // namespace
}  // namespace chatd::test
