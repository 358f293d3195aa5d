// End to end: the /metrics page of a real in-process server after real traffic, checked by the
// real `promtool check metrics` (Debian package `prometheus`, scripts/install-deps.sh), and its
// numbers checked against what the clients did.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <sstream>
#include <string>
#include <vector>

#include "net/metrics_text.hpp"
#include "support/command_output.hpp"
#include "support/line_client.hpp"
#include "support/test_server.hpp"

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
  options.room.notice_limit = 0;  // no join notices: every line a client reads is a message
  options.session.rate = 0;       // the clients send faster than a person
  TestServer server(2, options);

  constexpr std::size_t members = 4, messages_each = 5;
  std::vector<std::unique_ptr<LineClient>> clients;
  for (std::size_t i = 0; i < members; ++i)
    clients.push_back(std::make_unique<LineClient>(server.port()));
  ASSERT_TRUE(eventually([&] { return server.server().lobby_counters().members == members; }));

  std::size_t sent_bytes = 0;
  for (std::size_t m = 0; m < messages_each; ++m) {
    for (auto& client : clients) {
      const std::string line = "message " + std::to_string(m) + "\n";
      ASSERT_TRUE(client->send(line));
      sent_bytes += line.size();
    }
  }
  std::size_t received_bytes = 0;
  for (auto& client : clients) {
    for (std::size_t i = 0; i < members * messages_each; ++i) {
      const auto line = client->read_line();
      ASSERT_TRUE(line) << "line " << i;
      received_bytes += line->size() + 1;
    }
  }
  const auto& chat = server.server().metrics().chat();
  // A writer commits (and counts its bytes) just after its client could read: give it a moment.
  const net::DoorCounters& line_door = server.server().metrics().doors().front();
  ASSERT_EQ(line_door.name, "line");
  ASSERT_TRUE(eventually([&] {
    return observations(chat.delivery_latency) > 0 && line_door.bytes_out.value() >= received_bytes;
  }));

  const std::string text = net::metrics_text(server.server().metrics(), server.server().rooms());
  const CommandOutput checked = promtool_check(text);
  EXPECT_EQ(checked.exit_status, 0) << checked.standard_output << "\n" << text;
  EXPECT_EQ(checked.standard_output, "") << text;

  const double total = static_cast<double>(members * messages_each);
  EXPECT_EQ(sample(text, "chatd_messages_received_total"), total) << text;
  EXPECT_GE(sample(text, "chatd_deliveries_total"), total * members) << text;
  // Quiet room: every delivery is a message line a client read.
  EXPECT_EQ(sample(text, "chatd_deliveries_total"), total * members) << text;
  EXPECT_EQ(sample(text, "chatd_connections{door=\"line\"}"), members) << text;
  EXPECT_EQ(sample(text, "chatd_connections_accepted_total{door=\"line\"}"), members) << text;
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
}

}  // namespace
}  // namespace chatd::test
