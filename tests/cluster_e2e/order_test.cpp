// One order per room across the nodes: thirty members on three nodes, behind either door, all
// talking at once, every one of them reads the same 3000 messages in the same order.
#include <gtest/gtest.h>

#include <exception>
#include <latch>

#include "cluster_e2e/cluster_support.hpp"
#include "support/redis_server.hpp"
#include "support/ws_client.hpp"

namespace chatd::test {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t nodes = 3;
constexpr std::size_t members_per_node = 10;
constexpr std::size_t lines_each = 100;
constexpr std::size_t everything = nodes * members_per_node * lines_each;

// A member of the lobby behind either door. It says lines, and reads the room's messages as
// "FROM:TEXT" whichever door it came through. Used by one thread at a time.
class Member {
 public:
  virtual ~Member() = default;
  virtual std::string name() const = 0;
  virtual bool say(const Lines& lines) = 0;
  virtual std::optional<std::string> next_message(std::chrono::milliseconds timeout) = 0;
};

class LineMember : public Member {
 public:
  explicit LineMember(const ChatdNode& node) : client_(node.connect()) {}
  std::string name() const override { return client_->name(); }
  bool say(const Lines& lines) override {
    std::string bytes;
    for (const auto& line : lines) bytes += line + "\n";
    return client_->send(bytes);
  }
  std::optional<std::string> next_message(std::chrono::milliseconds timeout) override {
    return read_until(
        *client_, [](const std::string& line) { return is_message(line); }, timeout);
  }

 private:
  std::unique_ptr<LineClient> client_;
};

class WebSocketMember : public Member {
 public:
  explicit WebSocketMember(const ChatdNode& node) : client_(node.web_port()) {}
  std::string name() const override { return client_.name(); }
  bool say(const Lines& lines) override {
    // The texts are plain ASCII without quotes or backslashes: no JSON escaping needed.
    try {
      for (const auto& line : lines) client_.send(R"({"type":"say","text":")" + line + R"("})");
    } catch (const std::exception&) {
      return false;  // a failed write throws; this runs on a thread of its own
    }
    return true;
  }
  std::optional<std::string> next_message(std::chrono::milliseconds timeout) override {
    const auto message = client_.read_type("message", timeout);
    if (!message) return std::nullopt;
    return text_of(*message, "from") + ":" + text_of(*message, "text");
  }

 private:
  WsClient client_;
};

// Everything wrong with one member's sequence of messages, or "". Member i says "ci-K"; its
// name is names[i]. (Names are "IP:PORT" and need not be unique: a line client and a WebSocket
// client may get the same local port, as they connect to different ports.)
std::string problems_in(const Lines& received, const Lines& names) {
  if (received.size() != everything)
    return "got " + std::to_string(received.size()) + " of " + std::to_string(everything);
  std::vector<std::size_t> next(names.size(), 0);
  for (const auto& line : received) {
    const auto colon = line.rfind(':');
    std::size_t sender = names.size();
    if (colon != std::string::npos && line.compare(colon + 1, 1, "c") == 0)
      sender = std::stoul(line.substr(colon + 2));
    if (sender >= names.size() || line.substr(0, colon) != names[sender])
      return "a message from nobody here: '" + line + "'";
    const std::string due = "c" + std::to_string(sender) + "-" + std::to_string(next[sender]);
    if (line.substr(colon + 1) != due)
      return "'" + line + "' where '" + due + "' was due (lost, repeated or out of order)";
    ++next[sender];
  }
  return {};
}

class ClusterOrder : public ::testing::TestWithParam<std::size_t> {};

TEST_P(ClusterOrder, EveryMemberOnEveryNodeReadsTheSameMessagesInOneOrder) {
  const std::size_t websocket_members_per_node = GetParam();
  RedisServer redis;
  std::vector<std::unique_ptr<ChatdNode>> cluster;
  for (std::size_t n = 0; n < nodes; ++n)
    cluster.push_back(std::make_unique<ChatdNode>(
        redis.url(), "node-" + std::to_string(n),
        std::vector<std::string>{"--notice-limit", "0", "--rate", "0"}));
  std::vector<std::unique_ptr<Member>> members;
  for (std::size_t n = 0; n < nodes; ++n) {
    for (std::size_t m = 0; m < members_per_node; ++m) {
      if (m < websocket_members_per_node)
        members.push_back(std::make_unique<WebSocketMember>(*cluster[n]));
      else
        members.push_back(std::make_unique<LineMember>(*cluster[n]));
    }
  }
  Lines names;
  for (const auto& member : members) names.push_back(member->name());
  {
    // Asked by a member of its own, cluster-wide: the joins are in the store, so every message
    // from now on comes after them.
    auto asker = cluster[0]->connect();
    const std::string all_in = "* " + std::to_string(members.size() + 1) + " in lobby:";
    ASSERT_TRUE(ask_who_until(*asker, [&](const std::string& reply) {
                  return reply.starts_with(all_in);
                }).starts_with(all_in));
  }

  std::vector<Lines> received(members.size());
  std::vector<std::string> failures(members.size());
  {
    std::latch start(static_cast<std::ptrdiff_t>(members.size()));
    std::vector<std::jthread> talking;
    for (std::size_t i = 0; i < members.size(); ++i) {
      talking.emplace_back([&, i] {
        Lines lines;
        for (std::size_t k = 0; k < lines_each; ++k)
          lines.push_back("c" + std::to_string(i) + "-" + std::to_string(k));
        start.arrive_and_wait();  // all at once, for the most interleaving
        if (!members[i]->say(lines)) failures[i] = "could not send";
        const auto deadline = Clock::now() + scaled(60s);
        while (received[i].size() < everything && Clock::now() < deadline) {
          auto message = members[i]->next_message(read_timeout);
          if (!message) break;
          received[i].push_back(std::move(*message));
        }
      });
    }
  }
  for (std::size_t i = 0; i < members.size(); ++i) {
    EXPECT_EQ(failures[i], "") << "member " << i;
    EXPECT_EQ(problems_in(received[i], names), "")
        << "member " << i << " (node " << i / members_per_node << ")";
  }
  for (std::size_t i = 1; i < members.size(); ++i) {
    if (received[i] == received[0]) continue;
    std::size_t at = 0;
    while (at < received[i].size() && at < received[0].size() && received[i][at] == received[0][at])
      ++at;
    ADD_FAILURE() << "member " << i << " (node " << i / members_per_node
                  << ") parts from member 0 at message " << at;
  }
}

// The parameter: how many of each node's ten members use the WebSocket door.
std::string door_mix(const ::testing::TestParamInfo<std::size_t>& mix) {
  return mix.param == 0 ? "AllOnTheLineDoor" : "HalfOnWebSockets";
}

INSTANTIATE_TEST_SUITE_P(Doors, ClusterOrder, ::testing::Values(std::size_t{0}, std::size_t{5}),
                         door_mix);

}  // namespace
}  // namespace chatd::test
