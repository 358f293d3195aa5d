// What a finished run adds up to: totals over the members, the verdict, and the figures the
// report prints. Main thread only, after the io_contexts have stopped.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "chat_bench/run.hpp"
#include "loadgen/latency_histogram.hpp"

namespace chatd::chat_bench {

// What the members of one door received.
struct DoorTotals {
  std::size_t members = 0;
  std::uint64_t deliveries = 0;
  loadgen::LatencyHistogram latency;  // all members, idle ones' one line included
};

struct Totals {
  std::uint64_t deliveries = 0;
  // Distinct publisher lines received: per publisher, the most of its lines one member
  // received. A server sequences each line once, however many members it reaches.
  std::uint64_t messages_sequenced = 0;
  std::uint64_t lost = 0;
  std::uint64_t reordered = 0;
  std::uint64_t ignored_lines = 0;
  std::uint64_t disconnected = 0;
  std::string first_disconnect;
  loadgen::LatencyHistogram latency;
  // Idle: the measured line's arrival at each idle member (the announcer's own echo excluded),
  // when it was read, and when the kernel queued it on the member's socket.
  loadgen::LatencyHistogram arrival;
  loadgen::LatencyHistogram kernel_arrival;
  std::array<DoorTotals, 3> doors;  // indexed by Door
  // With workload.check_order: which members received different sequences, if any did.
  std::optional<std::string> order_difference;
};

inline DoorTotals& totals_of(Totals& totals, Door door) {
  return totals.doors[static_cast<std::size_t>(door)];
}
inline const DoorTotals& totals_of(const Totals& totals, Door door) {
  return totals.doors[static_cast<std::size_t>(door)];
}

Totals add_up(const Run& run);

struct Verdict {
  std::string status;  // "ok", or what went wrong first
  std::string detail;
};

Verdict judge(const Run& run, const Totals& totals);

// The figures both outputs print, computed once.
struct Figures {
  double elapsed_s = 0;
  std::optional<double> deliveries_per_s;
  std::optional<double> messages_sequenced_per_s;
  // Server figures are sums over every --server-pid; the _each ones are per PID, in order.
  std::optional<double> server_cpu_s;
  std::optional<double> server_cpu_s_per_million;
  std::vector<std::optional<double>> server_cpu_s_each;
  std::optional<double> client_cpu_s;  // this process, over the same span as server_cpu_s
  std::optional<double> server_rss_kb;
  std::optional<double> server_hwm_kb;
  std::vector<std::optional<double>> server_rss_kb_each;
  // --store-pid, over the same span.
  std::optional<double> store_cpu_s;
  std::optional<double> store_cpu_s_per_million;
  std::optional<double> store_rss_kb;
  std::optional<double> rss_per_conn_kb;
  std::optional<double> broadcast_ms;  // idle: from the send until the last member had it
  // Opening the connections: the client's wall time, and the server's CPU time once it settled.
  std::optional<double> connect_s;
  std::optional<double> connect_us_per_conn;
  std::optional<double> connect_server_cpu_s;
  std::optional<double> connect_server_cpu_us_per_conn;
  std::optional<double> connect_server_settle_s;  // after the last connect, until it went quiet
};

Figures compute_figures(const Run& run, const Totals& totals);

// The q-quantile of a histogram in microseconds (q >= 1: the maximum); nothing if it is empty.
std::optional<double> quantile_us(const loadgen::LatencyHistogram& histogram, double q);

}  // namespace chatd::chat_bench
