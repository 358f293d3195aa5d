// The server's own numbers, for /metrics and /healthz: per door, and whether it still accepts.
// Sessions update their door's counters with relaxed atomic increments; a scrape reads them all.
#pragma once

#include <atomic>
#include <deque>
#include <memory>
#include <string>
#include <string_view>

#include "actors/chat_counters.hpp"
#include "base/metrics.hpp"

namespace chatd::net {

struct DoorCounters {
  explicit DoorCounters(std::string door_name) : name(std::move(door_name)) {}
  DoorCounters(const DoorCounters&) = delete;
  DoorCounters& operator=(const DoorCounters&) = delete;

  const std::string name;         // "line", "web"
  base::Gauge connections;        // open right now
  base::Counter accepted;         // connections accepted
  base::Counter refused_full;     // connections refused: server full
  base::Counter bytes_in;         // read from clients
  base::Counter bytes_out;        // written to clients
  base::Counter timed_out;        // disconnected by the idle timeout (or a dead keepalive)
  base::Gauge throttled;          // clients being slowed down by flood control right now
  base::Counter throttle_episodes;  // times a client ran over its budget
  base::Counter handshakes_failed;  // TLS doors: handshakes that failed or timed out
};

class ServerMetrics {
 public:
  // The counters of door `name`, created on first use. Addresses stay valid for the lifetime of
  // this object. Called while the server is built, before any session runs.
  DoorCounters& door(std::string_view name) {
    for (auto& each : doors_)
      if (each.name == name) return each;
    return doors_.emplace_back(std::string(name));
  }
  const std::deque<DoorCounters>& doors() const noexcept { return doors_; }

  actors::ChatCounters& chat() noexcept { return *chat_; }
  const actors::ChatCounters& chat() const noexcept { return *chat_; }
  const std::shared_ptr<actors::ChatCounters>& chat_shared() const noexcept { return chat_; }

  // False from the moment the server begins its graceful shutdown (/healthz says 503).
  bool accepting() const noexcept { return accepting_.load(std::memory_order_relaxed); }
  void stop_accepting() noexcept { accepting_.store(false, std::memory_order_relaxed); }

 private:
  std::deque<DoorCounters> doors_;
  std::shared_ptr<actors::ChatCounters> chat_ = std::make_shared<actors::ChatCounters>();
  std::atomic<bool> accepting_{true};
};

}  // namespace chatd::net
