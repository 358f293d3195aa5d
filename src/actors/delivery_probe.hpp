// DeliveryProbe: samples delivery latency — from a message's arrival at its room to the write
// that handed it to the last reader of its log — without touching the fan-out hot path.
//
// One probe per room log (one per wire format in use), and one message in flight on it at a
// time. The room starts the probe on a message when none is in flight: the log position just
// past the message, the arrival time, a new generation, and `remaining` = the log's readers.
// Each reader's Subscription keeps `seen`, the last generation it was counted for. A writer
// whose committed position passes the probe's counts itself once (seen: older → current); the
// one that brings `remaining` to zero observes the latency. A reader that leaves, or is evicted,
// is counted off by the room the same way, so nobody who will never write it holds the probe;
// a newcomer starts with seen = current generation and is not waited for. Whoever moves `seen`
// first counts that (reader, generation): exactly once, and no probe is ever stuck.
//
// Why sampling and not every message: timing each message for each member would cost a clock
// read and a histogram update per delivery. With one message in flight, a writer's extra cost
// per write is two atomic loads and a compare; each reader does one compare-and-swap and one
// decrement per probed message, not per message. A probe whose last outstanding reader left
// ends without a sample: nobody got the message last, so there is nothing to time.
//
// Threading: "room" = the room's strand, the only one that starts probes; "writer" = the writer
// of a reader of this log. Every field a writer reads is atomic; start() writes the message's
// fields, then publishes the generation with a release store, and the room writes them again
// only after `remaining` reached zero, which no writer waits for.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "base/metrics.hpp"

namespace chatd::actors {

class DeliveryProbe {
 public:
  using Clock = std::chrono::steady_clock;
  // The last generation a reader was counted for (owned by its Subscription).
  using Seen = std::atomic<std::uint64_t>;

  explicit DeliveryProbe(std::shared_ptr<base::LatencyHistogram> latency)
      : latency_(std::move(latency)) {}
  DeliveryProbe(const DeliveryProbe&) = delete;
  DeliveryProbe& operator=(const DeliveryProbe&) = delete;

  // room: a message is being waited for.
  bool in_flight() const noexcept { return remaining_.load(std::memory_order_acquire) > 0; }
  // room: waits for `readers` readers to write up to log position `end` (just past a message
  // that reached the room at `arrival`). Only when !in_flight() and readers > 0.
  void start(std::uint64_t end, Clock::time_point arrival, std::size_t readers) noexcept;
  // room: what a newcomer's `seen` starts at, so it is not waited for.
  std::uint64_t generation() const noexcept { return generation_.load(std::memory_order_relaxed); }
  // room: the reader owning `seen` will not be reading this log any more.
  void count_off(Seen& seen) noexcept;

  // writer: its reader has written everything before log position `delivered`.
  void reached(std::uint64_t delivered, Seen& seen) noexcept {
    const std::uint64_t generation = generation_.load(std::memory_order_acquire);
    const std::uint64_t counted = seen.load(std::memory_order_relaxed);
    if (counted >= generation) return;  // nothing in flight for this reader: the usual case
    if (delivered < end_.load(std::memory_order_relaxed)) return;
    count(generation, counted, seen);
  }

 private:
  void count(std::uint64_t generation, std::uint64_t counted, Seen& seen) noexcept;

  // Read by every writer on every write; written once per probe.
  const std::shared_ptr<base::LatencyHistogram> latency_;
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<std::uint64_t> end_{0};
  std::atomic<Clock::rep> arrival_{0};
  // Decremented once per reader per probe: a cache line of its own, so those decrements do not
  // take the fields above away from the writers that only read them.
  alignas(64) std::atomic<std::size_t> remaining_{0};
};

}  // namespace chatd::actors
