// What a finished run adds up to; see results.hpp.
#include "chat_bench/results.hpp"

#include <chrono>

namespace chatd::chat_bench {

namespace {

void add_member(Totals& totals, const Member& member, const Workload& workload) {
  DoorTotals& door = totals_of(totals, member.connection.door());
  ++door.members;
  door.deliveries += member.deliveries;
  if (member.latency)
    door.latency.merge(*member.latency);
  else if (member.deliveries > 0)
    door.latency.record(member.last_latency_us);
  totals.deliveries += member.deliveries;
  totals.lost += member.lost;
  for (const auto next : member.next_sequence)
    totals.lost += workload.messages - next;  // never came
  totals.reordered += member.reordered;
  totals.ignored_lines += member.ignored_lines;
  if (!member.failure.empty()) {
    ++totals.disconnected;
    if (totals.first_disconnect.empty()) totals.first_disconnect = member.failure;
  }
  if (member.latency) {
    totals.latency.merge(*member.latency);
  } else if (member.deliveries > 0) {
    totals.latency.record(member.last_latency_us);
    if (member.publisher) return;  // the announcer's own echo is not an arrival at a member
    totals.arrival.record(member.last_latency_us);
    if (member.last_kernel_latency_us) totals.kernel_arrival.record(*member.last_kernel_latency_us);
  }
}

std::optional<double> difference(std::optional<double> after, std::optional<double> before) {
  if (!after || !before) return std::nullopt;
  return *after - *before;
}

std::optional<double> as_double(std::optional<std::uint64_t> value) {
  if (!value) return std::nullopt;
  return static_cast<double>(*value);
}

void compute_connect_figures(const Run& run, Figures& figures) {
  const Timeline& timeline = run.timeline;
  if (timeline.connect_ended_ns <= timeline.connect_began_ns) return;
  const auto members = static_cast<double>(run.workload.members());
  figures.connect_s =
      static_cast<double>(timeline.connect_ended_ns - timeline.connect_began_ns) / 1e9;
  figures.connect_us_per_conn = *figures.connect_s * 1e6 / members;
  const auto cpu_ns = difference(as_double(timeline.after_connect.thread_cpu_ns),
                                 as_double(timeline.before_connect.thread_cpu_ns));
  if (!cpu_ns) return;
  figures.connect_server_settle_s =
      static_cast<double>(timeline.server_settled_ns - timeline.connect_ended_ns) / 1e9;
  figures.connect_server_cpu_s = *cpu_ns / 1e9;
  figures.connect_server_cpu_us_per_conn = *cpu_ns / 1e3 / members;
}

}  // namespace

Totals add_up(const Run& run) {
  Totals totals;
  for (const auto& member : run.members) add_member(totals, *member, run.workload);
  if (run.workload.check_order) {
    std::vector<OrderWitness> witnesses;
    witnesses.reserve(run.members.size());
    for (std::size_t index = 0; index < run.members.size(); ++index) {
      const Member& member = *run.members[index];
      witnesses.push_back(OrderWitness{index, door_name(member.connection.door()), &*member.order});
    }
    totals.order_difference = compare_orders(witnesses);
  }
  return totals;
}

Verdict judge(const Run& run, const Totals& totals) {
  const Timeline& timeline = run.timeline;
  if (!timeline.setup_status.empty()) return {timeline.setup_status, timeline.setup_detail};
  if (timeline.end == RunEnd::deadline) {
    return {"timeout", "the duration limit passed before every member had every line"};
  }
  if (totals.disconnected > 0) {
    return {"loss", std::to_string(totals.disconnected) +
                        " member(s) lost their connection (first: " + totals.first_disconnect +
                        ")"};
  }
  if (timeline.end == RunEnd::quiet &&
      run.progress.publishers_done.load() < run.workload.publishers) {
    return {"stalled",
            "no delivery for " +
                std::to_string(std::chrono::duration<double>(quiet_period(run.workload)).count()) +
                " s while publishers still had lines to send"};
  }
  if (totals.lost > 0 || timeline.end == RunEnd::quiet) {
    return {"loss", std::to_string(totals.lost) + " of " +
                        std::to_string(run.workload.expected_deliveries()) +
                        " deliveries never arrived"};
  }
  if (totals.reordered > 0)
    return {"reordered", std::to_string(totals.reordered) + " lines arrived out of order"};
  if (totals.order_difference) return {"order_differs", *totals.order_difference};
  return {"ok", "every member received every line"};
}

Figures compute_figures(const Run& run, const Totals& totals) {
  const Timeline& timeline = run.timeline;
  Figures figures;
  compute_connect_figures(run, figures);
  if (timeline.end == RunEnd::not_started) return figures;
  figures.elapsed_s = static_cast<double>(timeline.end_ns - timeline.start_ns) / 1e9;
  const auto deliveries = static_cast<double>(totals.deliveries);
  if (figures.elapsed_s > 0) figures.deliveries_per_s = deliveries / figures.elapsed_s;
  figures.server_cpu_s = difference(timeline.after_run.cpu_s, timeline.after_warmup.cpu_s);
  figures.client_cpu_s =
      difference(timeline.after_run.client_cpu_s, timeline.after_warmup.client_cpu_s);
  if (figures.server_cpu_s && totals.deliveries > 0) {
    figures.server_cpu_s_per_million = *figures.server_cpu_s / deliveries * 1e6;
  }
  figures.server_rss_kb = as_double(timeline.after_run.rss_kb);
  figures.server_hwm_kb = as_double(timeline.after_run.hwm_kb);
  if (run.workload.idle) {
    const auto growth = difference(as_double(timeline.after_warmup.rss_kb),
                                   as_double(timeline.before_connect.rss_kb));
    if (growth) figures.rss_per_conn_kb = *growth / static_cast<double>(run.options.connections);
    if (timeline.end == RunEnd::finished) figures.broadcast_ms = figures.elapsed_s * 1000;
  }
  return figures;
}

std::optional<double> quantile_us(const loadgen::LatencyHistogram& histogram, double q) {
  if (histogram.count() == 0) return std::nullopt;
  return static_cast<double>(q >= 1 ? histogram.max() : histogram.quantile(q));
}

}  // namespace chatd::chat_bench
