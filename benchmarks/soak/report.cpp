// The reckoning and the report; see report.hpp.
#include "soak/report.hpp"

#include "loadgen/json_line.hpp"
#include "loadgen/number_format.hpp"
#include "soak/stamp.hpp"

namespace chatd::soak {

using loadgen::fixed;
using loadgen::optional_text;

namespace {

constexpr long long kDescriptorLeakSlack = 2;

std::uint64_t total_lost(const Totals& t) {
  return t.lost_in_stays + t.lost_echoes + t.lost_at_observer;
}

std::optional<std::uint64_t> sample_field(const std::optional<ProcessSample>& sample,
                                          std::optional<std::uint64_t> ProcessSample::*field) {
  if (!sample) return std::nullopt;
  return (*sample).*field;
}

double talk_seconds(const Soak& soak) {
  return std::chrono::duration<double>(soak.talk_ended - soak.talk_began).count();
}

}  // namespace

void reconcile_senders(Soak& soak) {
  for (const auto& client : soak.everyone) {
    const bool owed_everything = client->read_to_eof && (client->ending == Ending::polite ||
                                                         client->ending == Ending::half_close ||
                                                         client->ending == Ending::final_close);
    for (std::size_t seq = 0; seq < client->sent_room.size(); ++seq) {
      if (!client->echoed[seq]) {
        if (owed_everything) ++soak.totals.lost_echoes;
        continue;
      }
      const auto& log = soak.logs[client->sent_room[seq]];
      if (log.index_of.find(stamp_key(client->id, seq)) == log.index_of.end()) {
        ++soak.totals.lost_at_observer;
      }
    }
  }
}

Verdict judge(const Soak& soak) {
  Verdict verdict;
  const auto& t = soak.totals;
  auto fail = [&verdict](std::string key, std::string reason) {
    verdict.failures.push_back(std::move(key));
    verdict.reasons.push_back(std::move(reason));
  };
  if (soak.setup_failed) fail("setup_failed", "the observers could not take their places");
  if (soak.watch.died) fail("server_died", "the server process died during the run");
  if (total_lost(t) > 0) {
    fail("lost", std::to_string(total_lost(t)) + " deliveries lost (" +
                     std::to_string(t.lost_in_stays) + " gaps in members' stays, " +
                     std::to_string(t.lost_echoes) + " own lines never echoed, " +
                     std::to_string(t.lost_at_observer) +
                     " echoed lines missing from the room's observer)");
  }
  if (t.reordered > 0) fail("reordered", std::to_string(t.reordered) + " lines out of room order");
  if (t.duplicated > 0) fail("duplicated", std::to_string(t.duplicated) + " lines received twice");
  if (t.misrouted > 0)
    fail("misrouted", std::to_string(t.misrouted) + " lines from the wrong room");
  if (t.unresolved > 0) {
    fail("unresolved",
         std::to_string(t.unresolved) + " lines a member got but its room's observer did not");
  }
  const auto& start = soak.watch.start;
  const auto& end = soak.watch.end;
  if (start && end && start->fds && end->fds &&
      static_cast<long long>(*end->fds) >
          static_cast<long long>(*start->fds) + kDescriptorLeakSlack) {
    fail("fd_leak", "the server held " + std::to_string(*end->fds) +
                        " descriptors after every client closed, " + std::to_string(*start->fds) +
                        " before the first connected");
  }
  if (t.errors > 0) {
    fail("errors", std::to_string(t.errors) + " errors (first: " +
                       (t.first_errors.empty() ? std::string("?") : t.first_errors.front()) + ")");
  }
  if (t.messages_sent == 0 && !soak.setup_failed) fail("no_traffic", "no message was sent");
  const auto quarter = soak.watch.rss_quarter_kb;
  const auto talk_end = soak.watch.rss_talk_end_kb;
  // Bounded memory is a promise: steady load after the first quarter must not keep growing it.
  if (quarter && talk_end && *talk_end > *quarter + *quarter / 2 + 10240) {
    fail("memory_growth", "server RSS grew from " + std::to_string(*quarter) +
                              " kB a quarter into the run to " + std::to_string(*talk_end) +
                              " kB when the talking stopped");
  }
  if (soak.options.slow_pause_s > 0 && t.evictions == 0) {
    verdict.warnings.push_back(
        "the slow client was never evicted (a pause shorter than the outbox takes to fill?)");
  }
  return verdict;
}

std::string json_report(const Soak& soak, const Verdict& verdict, double elapsed_s) {
  const auto& t = soak.totals;
  const auto& w = soak.watch;
  const double mean_latency =
      t.latency_count > 0 ? t.latency_sum_ms / static_cast<double>(t.latency_count) : 0;
  loadgen::JsonLine json;
  json.text("status", verdict.ok() ? "ok" : verdict.failures.front())
      .strings("failures", verdict.failures)
      .strings("warnings", verdict.warnings)
      .count("seed", soak.options.seed)
      .count("clients", soak.options.clients)
      .number("rate", soak.options.rate, 2)
      .number("churn", soak.options.churn, 2)
      .count("bytes", soak.options.bytes)
      .number("duration_s", talk_seconds(soak), 1)
      .number("elapsed_s", elapsed_s, 1)
      .count("connections_opened", t.connections_opened)
      .count("connections_closed",
             t.closed_polite + t.closed_reset + t.closed_half + t.closed_final + t.closed_by_server)
      .count("closed_polite", t.closed_polite)
      .count("closed_reset", t.closed_reset)
      .count("closed_half", t.closed_half)
      .count("closed_at_end", t.closed_final)
      .count("closed_by_server", t.closed_by_server)
      .count("connect_failures", t.connect_failures)
      .count("messages_sent", t.messages_sent)
      .count("commands", t.commands)
      .count("deliveries_expected", t.deliveries_expected)
      .count("deliveries_received", t.deliveries_received)
      .count("observer_received", t.observer_received)
      .count("lost", total_lost(t))
      .count("lost_in_stays", t.lost_in_stays)
      .count("lost_echoes", t.lost_echoes)
      .count("lost_at_observer", t.lost_at_observer)
      .count("reordered", t.reordered)
      .count("duplicated", t.duplicated)
      .count("misrouted", t.misrouted)
      .count("unresolved", t.unresolved)
      .count("stays", t.stays)
      .count("evictions", t.evictions)
      .count("too_slow_notices", t.too_slow_notices)
      .count("slow_pauses", t.slow_pauses)
      .count("history_markers", t.history_markers)
      .number("latency_mean_ms", mean_latency, 3)
      .number("latency_max_ms", t.latency_max_ms, 3)
      .count("rss_start_kb", sample_field(w.start, &ProcessSample::rss_kb))
      .count("rss_end_kb", sample_field(w.end, &ProcessSample::rss_kb))
      .count("rss_max_kb", w.rss_max_kb)
      .count("hwm_kb", w.hwm_kb)
      .count("fd_start", sample_field(w.start, &ProcessSample::fds))
      .count("fd_max", w.fds_max)
      .count("fd_end", sample_field(w.end, &ProcessSample::fds))
      .raw("server_alive", soak.options.server.pid() ? (w.died ? "false" : "true") : "null")
      .count("errors", t.errors)
      .strings("first_errors", t.first_errors);
  return json.str();
}

void print_summary(std::ostream& out, const Soak& soak, const Verdict& verdict, double elapsed_s) {
  const auto& t = soak.totals;
  const auto& w = soak.watch;
  const auto& o = soak.options;
  out << "chat-soak against " << soak.server << " (seed " << o.seed << "): " << o.clients
      << " clients (" << kRooms << " observers, " << (o.slow_pause_s > 0 ? 1 : 0) << " slow, "
      << o.commanders << " commanders), " << fixed(o.rate, 2) << " lines/s each, churn "
      << fixed(o.churn, 2) << "/s, " << o.bytes << " B lines\n";
  out << "  ran " << fixed(talk_seconds(soak), 1) << " s of traffic (" << fixed(elapsed_s, 1)
      << " s in all)\n";
  out << "  connections: opened " << t.connections_opened << ", closed "
      << t.closed_polite + t.closed_reset + t.closed_half + t.closed_final + t.closed_by_server
      << " (/quit " << t.closed_polite << ", RST " << t.closed_reset << ", half-close "
      << t.closed_half << ", at the end " << t.closed_final << ", by the server "
      << t.closed_by_server << "), connect failures " << t.connect_failures << '\n';
  out << "  messages sent " << t.messages_sent << " (+" << t.commands << " commands: " << t.nick
      << " /nick, " << t.join << " /join, " << t.who << " /who, " << t.me << " /me)\n";
  out << "  deliveries expected " << t.deliveries_expected << ", received " << t.deliveries_received
      << " over " << t.stays << " stays; observers logged " << t.observer_received << '\n';
  out << "  lost " << total_lost(t) << " (stays " << t.lost_in_stays << ", echoes " << t.lost_echoes
      << ", observers " << t.lost_at_observer << "), reordered " << t.reordered << ", duplicated "
      << t.duplicated << ", misrouted " << t.misrouted << ", unresolved " << t.unresolved << '\n';
  out << "  evictions seen " << t.evictions << " (slow pauses " << t.slow_pauses
      << ", 'left (too slow)' notices " << t.too_slow_notices << "); latency mean "
      << fixed(t.latency_count > 0 ? t.latency_sum_ms / static_cast<double>(t.latency_count) : 0, 2)
      << " ms, max " << fixed(t.latency_max_ms, 1) << " ms\n";
  if (o.server.pid()) {
    out << "  server pid " << *o.server.pid() << ": RSS start "
        << optional_text(sample_field(w.start, &ProcessSample::rss_kb)) << " kB, max "
        << optional_text(w.rss_max_kb) << " kB, end "
        << optional_text(sample_field(w.end, &ProcessSample::rss_kb)) << " kB (VmHWM "
        << optional_text(w.hwm_kb) << " kB); fds start "
        << optional_text(sample_field(w.start, &ProcessSample::fds)) << ", max "
        << optional_text(w.fds_max) << ", end "
        << optional_text(sample_field(w.end, &ProcessSample::fds)) << "; "
        << (w.died ? "DIED" : "stayed up") << '\n';
  }
  out << "  errors " << t.errors << '\n';
  for (const auto& error : t.first_errors) out << "    " << error << '\n';
  for (const auto& warning : verdict.warnings) out << "  warning: " << warning << '\n';
  if (verdict.ok()) {
    out << "  result: ok: nothing lost, reordered or duplicated; the server stayed up\n";
  } else {
    out << "  result: FAILED\n";
    for (const auto& reason : verdict.reasons) out << "    - " << reason << '\n';
  }
}
}  // namespace chatd::soak
