// chat-bench's outputs; see report.hpp.
#include "chat_bench/report.hpp"

#include "loadgen/json_line.hpp"
#include "loadgen/number_format.hpp"

namespace chatd::chat_bench {

using loadgen::fixed;
using loadgen::optional_text;

namespace {

// One door's address, or several nodes' as "a, b and c".
std::string doors_text(const std::vector<boost::asio::ip::tcp::endpoint>& doors) {
  std::string text;
  for (std::size_t index = 0; index < doors.size(); ++index) {
    if (index > 0) text += index + 1 == doors.size() ? " and " : ", ";
    text += doors[index].address().to_string() + ":" + std::to_string(doors[index].port());
  }
  return text;
}

void print_workload(std::ostream& out, const Run& run) {
  const Workload& workload = run.workload;
  out << "chat-bench " << mode_name(run.options.mode) << " against ";
  if (workload.nodes > 1) out << workload.nodes << " nodes, ";
  const auto doors = workload.nodes > 1 ? " doors" : " door";
  switch (workload.doors) {
    case Doors::line:
      out << doors_text(run.line_servers) << " (line" << doors << "): ";
      break;
    case Doors::web:
      out << doors_text(run.web_servers) << " (web" << doors << "): ";
      break;
    case Doors::mixed:
      out << doors_text(run.line_servers) << " (line" << doors << ") and "
          << doors_text(run.web_servers) << " (web" << doors << "), alternating: ";
      break;
    case Doors::irc:
      out << doors_text(run.irc_servers) << " (IRC" << doors << "): ";
      break;
  }
  if (workload.tls) out << "over TLS, ";
  if (workload.idle) {
    out << workload.subscribers << " idle members and 1 announcer sending one " << workload.bytes
        << " B line; " << run.options.threads << " client thread(s)\n";
    return;
  }
  out << workload.members() << " members (" << workload.subscribers << " subscribers + "
      << workload.publishers << " publishers), " << workload.messages << " lines x "
      << workload.bytes << " B per publisher, "
      << (workload.rate > 0 ? fixed(workload.rate, 1) + " lines/s each" : std::string("unpaced"))
      << ", window " << workload.window << '\n';
}

void print_connect(std::ostream& out, const Run& run, const Figures& figures) {
  out << "  connect: " << run.workload.members() << " connections in "
      << optional_text(figures.connect_s, 3, " s") << " ("
      << optional_text(figures.connect_us_per_conn, 1, " us each") << ")";
  if (!run.options.server.pids.empty()) {
    out << "; server" << (run.options.server.pids.size() > 1 ? "s " : " ")
        << optional_text(figures.connect_server_cpu_s, 4, " CPU-s") << " ("
        << optional_text(figures.connect_server_cpu_us_per_conn, 2, " CPU-us per connection")
        << ", busy " << optional_text(figures.connect_server_settle_s, 3, " s")
        << " after the last connect)";
  }
  out << '\n';
}

void print_latency(std::ostream& out, std::string_view what,
                   const loadgen::LatencyHistogram& histogram) {
  out << "  " << what << ": p50 " << optional_text(quantile_us(histogram, 0.5), 0, " us")
      << ", p99 " << optional_text(quantile_us(histogram, 0.99), 0, " us") << ", p99.9 "
      << optional_text(quantile_us(histogram, 0.999), 0, " us") << ", max "
      << optional_text(quantile_us(histogram, 1.0), 0, " us") << '\n';
}

// Mixed runs: what each door's members received.
void print_doors(std::ostream& out, const Totals& totals) {
  for (const Door door : {Door::line, Door::web}) {
    const DoorTotals& each = totals_of(totals, door);
    out << "  " << door_name(door) << " door: " << each.members << " members, " << each.deliveries
        << " deliveries, latency p50 " << optional_text(quantile_us(each.latency, 0.5), 0, " us")
        << ", p99 " << optional_text(quantile_us(each.latency, 0.99), 0, " us") << '\n';
  }
}

std::string_view order_result(const Run& run, const Totals& totals) {
  if (!run.workload.check_order) return "unchecked";
  return totals.order_difference ? "differs" : "identical";
}

void print_order(std::ostream& out, const Run& run, const Totals& totals) {
  if (!run.workload.check_order) return;
  if (totals.order_difference)
    out << "  order: differs: " << *totals.order_difference << '\n';
  else
    out << "  order: identical at " << run.members.size() << " members\n";
}

std::string pids_text(const std::vector<int>& pids) {
  if (pids.size() == 1) return "server pid " + std::to_string(pids.front());
  std::string text = "servers (pids";
  for (const int pid : pids) text += " " + std::to_string(pid);
  return text + ", summed)";
}

std::optional<double> each(const std::vector<std::optional<double>>& values, std::size_t index) {
  return index < values.size() ? values[index] : std::nullopt;
}

// Several servers: each one's share, after the sums.
void print_each_server(std::ostream& out, const Run& run, const Totals& totals,
                       const Figures& figures) {
  const auto& pids = run.options.server.pids;
  if (pids.size() < 2) return;
  for (std::size_t index = 0; index < pids.size(); ++index) {
    const auto cpu_s = each(figures.server_cpu_s_each, index);
    std::optional<double> per_million;
    if (cpu_s && totals.deliveries > 0)
      per_million = *cpu_s / static_cast<double>(totals.deliveries) * 1e6;
    out << "    pid " << pids[index] << ": " << optional_text(cpu_s, 3, " CPU-s") << " ("
        << optional_text(per_million, 4, " CPU-s per million deliveries") << "), RSS "
        << optional_text(each(figures.server_rss_kb_each, index), 0, " kB") << '\n';
  }
}

void print_store(std::ostream& out, const Run& run, const Figures& figures) {
  out << "  store pid " << *run.options.store_pid << ": "
      << optional_text(figures.store_cpu_s, 3, " CPU-s") << " ("
      << optional_text(figures.store_cpu_s_per_million, 4, " CPU-s per million deliveries")
      << "), RSS " << optional_text(figures.store_rss_kb, 0, " kB") << '\n';
}

void print_server(std::ostream& out, const Run& run, const Figures& figures) {
  out << "  " << pids_text(run.options.server.pids) << ": "
      << optional_text(figures.server_cpu_s, 3, " CPU-s") << " ("
      << optional_text(figures.server_cpu_s_per_million, 4, " CPU-s per million deliveries")
      << "), RSS " << optional_text(figures.server_rss_kb, 0, " kB") << " (peak "
      << optional_text(figures.server_hwm_kb, 0, " kB") << ")";
  if (run.workload.idle) {
    out << ", " << optional_text(figures.rss_per_conn_kb, 2, " kB per connection");
  }
  out << "; chat-bench itself " << optional_text(figures.client_cpu_s, 3, " CPU-s") << '\n';
}

std::vector<std::optional<double>> pids_as_numbers(const std::vector<int>& pids) {
  return {pids.begin(), pids.end()};
}

}  // namespace

std::string json_report(const Run& run, const Totals& totals, const Figures& figures,
                        const Verdict& verdict) {
  const Workload& workload = run.workload;
  const bool idle = workload.idle;
  const auto idle_only = [idle](std::optional<double> value) {
    return idle ? value : std::nullopt;
  };
  loadgen::JsonLine json;
  const DoorTotals& line = totals_of(totals, Door::line);
  const DoorTotals& web = totals_of(totals, Door::web);
  json.text("mode", mode_name(run.options.mode))
      .text("door", doors_name(workload.doors))
      .text("tls", workload.tls ? "yes" : "no")
      .text("status", verdict.status)
      .count("subscribers", workload.subscribers)
      .count("publishers", workload.publishers)
      .count("messages", workload.messages)
      .count("bytes", workload.bytes)
      .number("rate", workload.rate, 1)
      .count("window", workload.window)
      .count("connections", idle ? run.options.connections : workload.members())
      .count("threads", run.options.threads)
      .count("deliveries", totals.deliveries)
      .count("expected_deliveries", workload.expected_deliveries())
      .count("lost", totals.lost)
      .count("reordered", totals.reordered)
      .count("disconnected", totals.disconnected)
      .number("elapsed_s", figures.elapsed_s, 6)
      .number("deliveries_per_s", figures.deliveries_per_s, 0)
      .number("p50_us", quantile_us(totals.latency, 0.50), 0)
      .number("p99_us", quantile_us(totals.latency, 0.99), 0)
      .number("p999_us", quantile_us(totals.latency, 0.999), 0)
      .number("max_us", quantile_us(totals.latency, 1.0), 0)
      .number("server_cpu_s", figures.server_cpu_s, 3)
      .number("server_cpu_s_per_million", figures.server_cpu_s_per_million, 4)
      .number("client_cpu_s", figures.client_cpu_s, 3)
      .text("order", order_result(run, totals))
      .count("line_members", line.members)
      .count("web_members", web.members)
      .count("line_deliveries", line.deliveries)
      .count("web_deliveries", web.deliveries)
      .number("line_p50_us", quantile_us(line.latency, 0.50), 0)
      .number("line_p99_us", quantile_us(line.latency, 0.99), 0)
      .number("web_p50_us", quantile_us(web.latency, 0.50), 0)
      .number("web_p99_us", quantile_us(web.latency, 0.99), 0)
      .number("server_rss_kb", figures.server_rss_kb, 0)
      .number("server_hwm_kb", figures.server_hwm_kb, 0)
      .number("rss_per_conn_kb", figures.rss_per_conn_kb, 2)
      .number("broadcast_ms", figures.broadcast_ms, 3)
      .number("connect_s", figures.connect_s, 6)
      .number("connect_us_per_conn", figures.connect_us_per_conn, 1)
      .number("connect_server_cpu_s", figures.connect_server_cpu_s, 4)
      .number("connect_server_cpu_us_per_conn", figures.connect_server_cpu_us_per_conn, 2)
      .number("connect_server_settle_s", figures.connect_server_settle_s, 3)
      .number("broadcast_p50_us", idle_only(quantile_us(totals.arrival, 0.50)), 0)
      .number("broadcast_p99_us", idle_only(quantile_us(totals.arrival, 0.99)), 0)
      .number("broadcast_max_us", idle_only(quantile_us(totals.arrival, 1.0)), 0)
      .number("broadcast_kernel_p50_us", idle_only(quantile_us(totals.kernel_arrival, 0.50)), 0)
      .number("broadcast_kernel_p99_us", idle_only(quantile_us(totals.kernel_arrival, 0.99)), 0)
      .number("broadcast_kernel_max_us", idle_only(quantile_us(totals.kernel_arrival, 1.0)), 0)
      .count("nodes", workload.nodes)
      .count("messages_sequenced", totals.messages_sequenced)
      .number("messages_sequenced_per_s", figures.messages_sequenced_per_s, 0)
      .numbers("server_pids", pids_as_numbers(run.options.server.pids), 0)
      .numbers("server_cpu_s_each", figures.server_cpu_s_each, 3)
      .numbers("server_rss_kb_each", figures.server_rss_kb_each, 0)
      .number("store_cpu_s", figures.store_cpu_s, 3)
      .number("store_cpu_s_per_million", figures.store_cpu_s_per_million, 4)
      .number("store_rss_kb", figures.store_rss_kb, 0);
  return json.str();
}

void print_summary(std::ostream& out, const Run& run, const Totals& totals, const Figures& figures,
                   const Verdict& verdict) {
  print_workload(out, run);
  print_connect(out, run, figures);
  out << "  delivered " << totals.deliveries << " of " << run.workload.expected_deliveries()
      << " in " << fixed(figures.elapsed_s, 3)
      << " s = " << optional_text(figures.deliveries_per_s, 0, " deliveries/s") << "; lost "
      << totals.lost << ", reordered " << totals.reordered << ", disconnected "
      << totals.disconnected << ", ignored lines " << totals.ignored_lines << '\n';
  if (!run.workload.idle) {
    out << "  sequenced " << totals.messages_sequenced << " distinct publisher lines = "
        << optional_text(figures.messages_sequenced_per_s, 0, " messages sequenced/s") << '\n';
  }
  if (run.workload.idle) {
    print_latency(out, "broadcast arrival, read", totals.arrival);
    print_latency(out, "broadcast arrival, kernel", totals.kernel_arrival);
  } else {
    print_latency(out, "latency", totals.latency);
  }
  if (run.workload.doors == Doors::mixed) print_doors(out, totals);
  print_order(out, run, totals);
  if (!run.options.server.pids.empty()) {
    print_server(out, run, figures);
    print_each_server(out, run, totals, figures);
  }
  if (run.options.store_pid) print_store(out, run, figures);
  out << "  result: " << verdict.status << ": " << verdict.detail << '\n';
}

}  // namespace chatd::chat_bench
