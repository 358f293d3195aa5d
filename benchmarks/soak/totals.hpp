// Everything chat-soak counts, for the verdict and the report.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace chatd::soak {

struct Totals {
  std::uint64_t connections_opened = 0;
  std::uint64_t connect_failures = 0;
  std::uint64_t closed_polite = 0;
  std::uint64_t closed_reset = 0;
  std::uint64_t closed_half = 0;
  std::uint64_t closed_final = 0;
  std::uint64_t closed_by_server = 0;
  std::uint64_t churned = 0;
  std::uint64_t churn_skipped = 0;
  std::uint64_t messages_sent = 0;  // stamped lines, /me included
  std::uint64_t echoes = 0;
  std::uint64_t commands = 0;
  std::uint64_t nick = 0, join = 0, who = 0, me = 0;
  std::uint64_t who_replies = 0;
  std::uint64_t deliveries_expected = 0;
  std::uint64_t deliveries_received = 0;  // stamps received by members (observers excluded)
  std::uint64_t observer_received = 0;
  std::uint64_t lost_in_stays = 0;     // gaps in a member's stay
  std::uint64_t lost_echoes = 0;       // a sender that left gracefully never saw its own line
  std::uint64_t lost_at_observer = 0;  // echoed to its sender, never logged by its room's observer
  std::uint64_t reordered = 0;
  std::uint64_t duplicated = 0;
  std::uint64_t misrouted = 0;
  std::uint64_t unresolved = 0;  // a member got a stamp its room's observer never did
  std::uint64_t stays = 0;
  std::uint64_t evictions = 0;  // the slow client cut off by the server
  std::uint64_t too_slow_notices = 0;
  std::uint64_t slow_pauses = 0;
  std::uint64_t history_markers = 0;
  std::uint64_t notices = 0;
  std::uint64_t foreign_stamps = 0;
  std::uint64_t errors = 0;
  std::vector<std::string> first_errors;
  double latency_sum_ms = 0;
  double latency_max_ms = 0;
  std::uint64_t latency_count = 0;
};

}  // namespace chatd::soak
