// End to end: the /metrics page of a real in-process server after real traffic from line and
// WebSocket clients, checked by the real `promtool check metrics` (Debian package `prometheus`,
// scripts/install-deps.sh) as rendered and as the web door serves it, and its numbers checked
// against what the clients did.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "net/metrics_text.hpp"
#include "support/command_output.hpp"
#include "support/line_client.hpp"
#include "support/test_server.hpp"
#include "support/ws_client.hpp"

namespace chatd::test {
namespace {

constexpr const char* promtool = "/usr/bin/promtool";

// The value of the sample line that starts with `series` ("name" or "name{labels}"), or -1.
double sample(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.size() > series.size() && line.rfind(series, 0) == 0 && line[series.size()] == ' ')
      return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

std::uint64_t observations(const base::LatencyHistogram& histogram) {
  std::uint64_t total = 0;
  for (std::size_t i = 0; i <= base::LatencyHistogram::bounds.size(); ++i)
    total += histogram.in_bucket(i);
  return total;
}

// `text` in a file of its own for the test, removed when done.
class TempFile {
 public:
  explicit TempFile(const std::string& text) {
    char name[] = "/tmp/chatd_metrics_XXXXXX";
    const int fd = ::mkstemp(name);
    if (fd < 0) throw std::runtime_error("mkstemp failed");
    ::close(fd);
    path_ = name;
    std::ofstream(path_, std::ios::binary) << text;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// What promtool says about `text`: its exit status and every complaint it printed.
CommandOutput promtool_check(const std::string& text) {
  const TempFile file(text);
  return run_to_exit_reading(promtool, {"check", "metrics"}, file.path());
}

const net::DoorCounters& door_named(const net::ServerMetrics& metrics, const std::string& name) {
  for (const net::DoorCounters& door : metrics.doors())
    if (door.name == name) return door;
  throw std::runtime_error("no door " + name);
}

// The body of `GET path` from the web door, lines joined with "\n" as sent.
std::string http_get_body(std::uint16_t port, const std::string& path) {
  LineClient client(port);
  client.send("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  std::string body;
  bool in_body = false;
  while (auto line = client.read_line(std::chrono::seconds(5))) {
    if (in_body) {
      body += *line + "\n";
    } else if (*line == "\r" || line->empty()) {
      in_body = true;
    }
  }
  return body;
}

class Metrics : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::access(promtool, X_OK), 0)
        << promtool << " is missing: install the prometheus package (scripts/install-deps.sh)";
  }
};

TEST_F(Metrics, PromtoolRejectsAPageThatBreaksItsRules) {
  // The check itself can fail: a counter without _total and without help is two complaints.
  const CommandOutput checked = promtool_check("# TYPE chatd_things counter\nchatd_things 1\n");
  EXPECT_NE(checked.exit_status, 0);
  EXPECT_NE(checked.standard_output.find("_total"), std::string::npos) << checked.standard_output;
}

TEST_F(Metrics, APageAfterRealTrafficPassesPromtoolAndCountsWhatTheClientsDid) {
  net::ServerOptions options;
  options.room.history = 0;
  options.room.notice_limit = 0;  // no join notices: every record a client reads is a message
  options.session.rate = 0;       // the clients send faster than a person
  options.room.latency_sample = 1;  // 25 messages: time every one the probe is free for
  TestServer server(2, options);

  constexpr std::size_t line_members = 4, members = line_members + 1, messages_each = 5;
  std::vector<std::unique_ptr<LineClient>> clients;
  for (std::size_t i = 0; i < line_members; ++i)
    clients.push_back(std::make_unique<LineClient>(server.port()));
  WsClient browser(server.web_port());  // a second wire format: a second log and probe
  ASSERT_TRUE(browser.read_type("welcome"));
  ASSERT_TRUE(eventually([&] { return server.server().lobby_counters().members == members; }));

  std::size_t sent_bytes = 0;
  for (std::size_t m = 0; m < messages_each; ++m) {
    for (auto& client : clients) {
      const std::string line = "message " + std::to_string(m) + "\n";
      ASSERT_TRUE(client->send(line));
      sent_bytes += line.size();
    }
    browser.send(R"({"type":"say","text":"from the browser"})");
  }
  const std::size_t total = members * messages_each;
  std::size_t received_bytes = 0;
  for (auto& client : clients) {
    for (std::size_t i = 0; i < total; ++i) {
      const auto line = client->read_line();
      ASSERT_TRUE(line) << "line " << i;
      received_bytes += line->size() + 1;
    }
  }
  for (std::size_t i = 0; i < total; ++i) ASSERT_TRUE(browser.read_type("message")) << i;

  const net::ServerMetrics& metrics = server.server().metrics();
  const net::DoorCounters& line_door = door_named(metrics, "line");
  // A writer commits (and counts its bytes) just after its client could read: give it a moment.
  ASSERT_TRUE(eventually([&] {
    return observations(metrics.chat().delivery_latency) > 0 &&
           line_door.bytes_out.value() >= received_bytes;
  }));

  const std::string text = net::metrics_text(metrics, server.server().rooms());
  const CommandOutput checked = promtool_check(text);
  EXPECT_EQ(checked.exit_status, 0) << checked.standard_output << "\n" << text;
  EXPECT_EQ(checked.standard_output, "") << text;

  EXPECT_EQ(sample(text, "chatd_messages_received_total"), total) << text;
  EXPECT_GE(sample(text, "chatd_deliveries_total"), total * members) << text;
  // Quiet room: every delivery is a message a client read.
  EXPECT_EQ(sample(text, "chatd_deliveries_total"), total * members) << text;
  EXPECT_EQ(sample(text, "chatd_connections{door=\"line\"}"), line_members) << text;
  EXPECT_EQ(sample(text, "chatd_connections{door=\"web\"}"), 1) << text;
  EXPECT_EQ(sample(text, "chatd_connections_accepted_total{door=\"line\"}"), line_members);
  EXPECT_EQ(sample(text, "chatd_received_bytes_total{door=\"line\"}"), sent_bytes) << text;
  EXPECT_EQ(sample(text, "chatd_sent_bytes_total{door=\"line\"}"), received_bytes) << text;
  EXPECT_EQ(sample(text, "chatd_rooms"), 1) << text;
  EXPECT_EQ(sample(text, "chatd_room_members"), members) << text;
  EXPECT_EQ(sample(text, "chatd_evictions_total{reason=\"too_slow\"}"), 0) << text;
  EXPECT_GE(sample(text, "chatd_delivery_latency_seconds_count"), 1) << text;
  EXPECT_LE(sample(text, "chatd_delivery_latency_seconds_count"), total) << text;
  EXPECT_EQ(sample(text, "chatd_delivery_latency_seconds_bucket{le=\"+Inf\"}"),
            sample(text, "chatd_delivery_latency_seconds_count"))
      << text;

  // The page as the web door serves it passes too.
  const std::string served = http_get_body(server.web_port(), "/metrics");
  EXPECT_NE(served.find("chatd_messages_received_total " + std::to_string(total) + "\n"),
            std::string::npos)
      << served;
  const CommandOutput served_check = promtool_check(served);
  EXPECT_EQ(served_check.exit_status, 0) << served_check.standard_output << "\n" << served;
  EXPECT_EQ(served_check.standard_output, "") << served;
}

}  // namespace
}  // namespace chatd::test
