// The /metrics page: every family once with HELP and TYPE, per-door samples labelled by door,
// label values escaped, rooms and members from the directory, and a cumulative histogram.
#include "net/metrics_text.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace chatd::test {
namespace {

using namespace std::chrono_literals;

// The lines of `text` that start with `prefix`.
std::vector<std::string> lines_starting(const std::string& text, const std::string& prefix) {
  std::vector<std::string> found;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(prefix, 0) == 0) found.push_back(line);
  return found;
}

// Named for the function under test, so that the tests read MetricsText.Sentence.
class MetricsText : public ::testing::Test {
 protected:
  ~MetricsText() override {
    rooms->stop();
    io.restart();
    while (io.poll() > 0) {
    }
  }

  std::string render() const { return net::metrics_text(metrics, *rooms); }

  boost::asio::io_context io;
  net::ServerMetrics metrics;
  std::shared_ptr<actors::RoomDirectory> rooms = std::make_shared<actors::RoomDirectory>(
      io.get_executor(), actors::RoomLimits{}, nullptr, metrics.chat_shared());
};

TEST_F(MetricsText, DoorCountersAppearOncePerDoorUnderTheirOwnNames) {
  net::DoorCounters& line = metrics.door("line");
  net::DoorCounters& web = metrics.door("web");
  line.connections.add(3);
  line.accepted.add(7);
  line.refused_full.add(1);
  line.bytes_in.add(1234);
  line.bytes_out.add(56789);
  line.timed_out.add(2);
  line.throttled.add(1);
  line.throttle_episodes.add(4);
  web.connections.add(2);
  web.accepted.add(5);
  web.timed_out.add(3);

  const std::string text = render();
  EXPECT_EQ(lines_starting(text, "chatd_connections{"),
            (std::vector<std::string>{"chatd_connections{door=\"line\"} 3",
                                      "chatd_connections{door=\"web\"} 2"}));
  EXPECT_EQ(lines_starting(text, "chatd_connections_accepted_total{"),
            (std::vector<std::string>{"chatd_connections_accepted_total{door=\"line\"} 7",
                                      "chatd_connections_accepted_total{door=\"web\"} 5"}));
  EXPECT_NE(text.find("\nchatd_connections_refused_total{door=\"line\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("\nchatd_received_bytes_total{door=\"line\"} 1234\n"), std::string::npos);
  EXPECT_NE(text.find("\nchatd_sent_bytes_total{door=\"line\"} 56789\n"), std::string::npos);
  EXPECT_NE(text.find("\nchatd_idle_timeouts_total{door=\"web\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("\nchatd_clients_throttled{door=\"line\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("\nchatd_throttle_episodes_total{door=\"line\"} 4\n"), std::string::npos);
  EXPECT_NE(text.find("\n# TYPE chatd_connections gauge\n"), std::string::npos);
  EXPECT_NE(text.find("\n# TYPE chatd_connections_accepted_total counter\n"), std::string::npos);
  // Timeouts of every door add up to the timed_out evictions.
  EXPECT_NE(text.find("\nchatd_evictions_total{reason=\"timed_out\"} 5\n"), std::string::npos);
}

TEST_F(MetricsText, EveryFamilyHasOneHelpAndOneTypeLineBeforeItsSamples) {
  metrics.door("line");
  const std::string text = render();
  const auto types = lines_starting(text, "# TYPE ");
  const auto helps = lines_starting(text, "# HELP ");
  ASSERT_EQ(types.size(), helps.size());
  for (const std::string& type : types) {
    std::istringstream words(type);
    std::string hash, keyword, name, kind;
    words >> hash >> keyword >> name >> kind;
    EXPECT_EQ(lines_starting(text, "# TYPE " + name + " ").size(), 1u) << name;
    EXPECT_EQ(lines_starting(text, "# HELP " + name + " ").size(), 1u) << name;
    EXPECT_LT(text.find("# HELP " + name + " "), text.find("\n" + name)) << name;
    if (kind == "counter") {
      EXPECT_TRUE(name.ends_with("_total")) << name;
    }
  }
  EXPECT_TRUE(text.ends_with("\n"));
}

TEST_F(MetricsText, LabelValuesEscapeBackslashQuoteAndNewline) {
  metrics.door("we\"ird\\door\nname").accepted.add(1);
  EXPECT_NE(
      render().find("\nchatd_connections_accepted_total{door=\"we\\\"ird\\\\door\\nname\"} 1\n"),
      std::string::npos);
}

TEST_F(MetricsText, RoomsAndMembersComeFromTheDirectory) {
  const auto lobby = rooms->enter("lobby");
  const auto rust = rooms->enter("rust");
  rooms->enter("lobby");
  rooms->enter("rust");
  rooms->enter("rust");
  const std::string text = render();
  EXPECT_NE(text.find("\nchatd_rooms 2\n"), std::string::npos);
  EXPECT_NE(text.find("\nchatd_room_members 5\n"), std::string::npos);
}

TEST_F(MetricsText, ChatCountersAppearAsTotalsAndEvictionsByReason) {
  metrics.chat().messages_in.add(11);
  metrics.chat().deliveries.add(33);
  metrics.chat().evicted_too_slow.add(2);
  const std::string text = render();
  EXPECT_NE(text.find("\nchatd_messages_received_total 11\n"), std::string::npos);
  EXPECT_NE(text.find("\nchatd_deliveries_total 33\n"), std::string::npos);
  EXPECT_NE(text.find("\nchatd_evictions_total{reason=\"too_slow\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("\nchatd_evictions_total{reason=\"timed_out\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("\nchatd_accepting 1\n"), std::string::npos);
}

TEST_F(MetricsText, HistogramBucketsAreCumulativeAndInfEqualsCount) {
  auto& latency = metrics.chat().delivery_latency;
  latency.observe(50us);   // le 0.0001
  latency.observe(200us);  // le 0.00025
  latency.observe(200us);
  latency.observe(3ms);  // le 0.005
  latency.observe(20s);  // +Inf only
  const std::string text = render();
  EXPECT_NE(text.find("\n# TYPE chatd_delivery_latency_seconds histogram\n"), std::string::npos);
  const auto buckets = lines_starting(text, "chatd_delivery_latency_seconds_bucket{");
  ASSERT_EQ(buckets.size(), base::LatencyHistogram::bounds.size() + 1);
  EXPECT_EQ(buckets.front(), "chatd_delivery_latency_seconds_bucket{le=\"0.0001\"} 1");
  EXPECT_EQ(buckets[1], "chatd_delivery_latency_seconds_bucket{le=\"0.00025\"} 3");
  EXPECT_EQ(buckets[2], "chatd_delivery_latency_seconds_bucket{le=\"0.0005\"} 3");
  EXPECT_EQ(buckets[5], "chatd_delivery_latency_seconds_bucket{le=\"0.005\"} 4");
  EXPECT_EQ(buckets[13], "chatd_delivery_latency_seconds_bucket{le=\"10\"} 4");
  EXPECT_EQ(buckets.back(), "chatd_delivery_latency_seconds_bucket{le=\"+Inf\"} 5");
  EXPECT_NE(text.find("\nchatd_delivery_latency_seconds_count 5\n"), std::string::npos);
  EXPECT_NE(text.find("\nchatd_delivery_latency_seconds_sum 20.00345\n"), std::string::npos);
}

TEST_F(MetricsText, TheClusterFamiliesAppearOnlyOnANodeOfACluster) {
  EXPECT_TRUE(lines_starting(render(), "chatd_cluster_").empty());
  cluster::ClusterCounters cluster;
  cluster.linked.add(1);
  cluster.link_losses.add(2);
  cluster.batches_sent.add(40);
  cluster.batches_read.add(120);
  const std::string text = net::metrics_text(metrics, *rooms, &cluster);
  EXPECT_EQ(lines_starting(text, "chatd_cluster_linked "),
            std::vector<std::string>{"chatd_cluster_linked 1"});
  EXPECT_EQ(lines_starting(text, "chatd_cluster_link_losses_total "),
            std::vector<std::string>{"chatd_cluster_link_losses_total 2"});
  EXPECT_EQ(lines_starting(text, "chatd_cluster_batches_sent_total "),
            std::vector<std::string>{"chatd_cluster_batches_sent_total 40"});
  EXPECT_EQ(lines_starting(text, "chatd_cluster_batches_read_total "),
            std::vector<std::string>{"chatd_cluster_batches_read_total 120"});
  EXPECT_EQ(lines_starting(text, "# TYPE chatd_cluster_store_resets_total counter").size(), 1u);
}

}  // namespace
}  // namespace chatd::test
