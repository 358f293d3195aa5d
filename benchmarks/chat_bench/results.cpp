// What a finished run adds up to; see results.hpp.
#include "chat_bench/results.hpp"

#include <algorithm>
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

std::optional<double> as_double(std::optional<double> value) {
  return value;
}

// A field of every server sample, summed; nothing if there are none or one is missing.
template <class Field>
std::optional<double> summed(const ServerSample& sample, Field field) {
  if (sample.servers.empty()) return std::nullopt;
  double total = 0;
  for (const ProcessSample& server : sample.servers) {
    const auto value = as_double(server.*field);
    if (!value) return std::nullopt;
    total += *value;
  }
  return total;
}

std::optional<double> per_million(std::optional<double> cpu_s, std::uint64_t deliveries) {
  if (!cpu_s || deliveries == 0) return std::nullopt;
  return *cpu_s / static_cast<double>(deliveries) * 1e6;
}

// Each line is sequenced once: count, per publisher, the most of its lines any member got.
std::uint64_t count_sequenced(const Run& run) {
  std::uint64_t total = 0;
  for (std::size_t publisher = 0; publisher < run.workload.publishers; ++publisher) {
    std::uint64_t most = 0;
    for (const auto& member : run.members)
      most = std::max(most, member->deliveries_from[publisher]);
    total += most;
  }
  return total;
}

void compute_process_figures(const Run& run, const Totals& totals, Figures& figures) {
  const ServerSample& before = run.timeline.after_warmup;
  const ServerSample& after = run.timeline.after_run;
  figures.server_cpu_s =
      difference(summed(after, &ProcessSample::cpu_s), summed(before, &ProcessSample::cpu_s));
  figures.server_cpu_s_per_million = per_million(figures.server_cpu_s, totals.deliveries);
  for (std::size_t index = 0; index < after.servers.size() && index < before.servers.size();
       ++index) {
    figures.server_cpu_s_each.push_back(
        difference(after.servers[index].cpu_s, before.servers[index].cpu_s));
    figures.server_rss_kb_each.push_back(as_double(after.servers[index].rss_kb));
  }
  figures.server_rss_kb = summed(after, &ProcessSample::rss_kb);
  figures.server_hwm_kb = summed(after, &ProcessSample::hwm_kb);
  if (after.store && before.store) {
    figures.store_cpu_s = difference(after.store->cpu_s, before.store->cpu_s);
    figures.store_cpu_s_per_million = per_million(figures.store_cpu_s, totals.deliveries);
    figures.store_rss_kb = as_double(after.store->rss_kb);
  }
}

void compute_connect_figures(const Run& run, Figures& figures) {
  const Timeline& timeline = run.timeline;
  if (timeline.connect_ended_ns <= timeline.connect_began_ns) return;
  const auto members = static_cast<double>(run.workload.members());
  figures.connect_s =
      static_cast<double>(timeline.connect_ended_ns - timeline.connect_began_ns) / 1e9;
  figures.connect_us_per_conn = *figures.connect_s * 1e6 / members;
  const auto cpu_ns = difference(summed(timeline.after_connect, &ProcessSample::thread_cpu_ns),
                                 summed(timeline.before_connect, &ProcessSample::thread_cpu_ns));
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
  totals.messages_sequenced = count_sequenced(run);
  if (run.workload.check_order) {
    // Members on several nodes are told apart by their node's door.
    std::vector<std::string> nodes(run.members.size());
    std::vector<OrderWitness> witnesses;
    witnesses.reserve(run.members.size());
    for (std::size_t index = 0; index < run.members.size(); ++index) {
      const Member& member = *run.members[index];
      if (run.workload.nodes > 1) {
        const auto& door = run.endpoint_for(member.connection.door(), member.node);
        nodes[index] = door.address().to_string() + ":" + std::to_string(door.port());
      }
      witnesses.push_back(
          OrderWitness{index, door_name(member.connection.door()), &*member.order, nodes[index]});
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
  if (figures.elapsed_s > 0) {
    figures.deliveries_per_s = deliveries / figures.elapsed_s;
    figures.messages_sequenced_per_s =
        static_cast<double>(totals.messages_sequenced) / figures.elapsed_s;
  }
  compute_process_figures(run, totals, figures);
  figures.client_cpu_s =
      difference(timeline.after_run.client_cpu_s, timeline.after_warmup.client_cpu_s);
  if (run.workload.idle) {
    const auto growth = difference(summed(timeline.after_warmup, &ProcessSample::rss_kb),
                                   summed(timeline.before_connect, &ProcessSample::rss_kb));
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
