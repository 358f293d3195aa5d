// DeliveryProbe: one sampled message in flight per room log; see delivery_probe.hpp.
#include "actors/delivery_probe.hpp"

namespace chatd::actors {

void DeliveryProbe::start(std::uint64_t end, Clock::time_point arrival,
                          std::size_t readers) noexcept {
  end_.store(end, std::memory_order_relaxed);
  arrival_.store(arrival.time_since_epoch().count(), std::memory_order_relaxed);
  remaining_.store(readers, std::memory_order_relaxed);
  // Release: a writer that sees the new generation sees the fields above with it.
  generation_.fetch_add(1, std::memory_order_release);
}

void DeliveryProbe::count_off(Seen& seen) noexcept {
  const std::uint64_t generation = generation_.load(std::memory_order_relaxed);
  // The writer may be counting itself right now; whichever moves `seen` first counts.
  if (seen.exchange(generation, std::memory_order_acq_rel) < generation)
    remaining_.fetch_sub(1, std::memory_order_acq_rel);
}

void DeliveryProbe::count(std::uint64_t generation, std::uint64_t counted, Seen& seen) noexcept {
  // Read before counting: once `remaining` reaches zero the room may start the next probe and
  // overwrite the arrival. While this reader is uncounted, the probe cannot end.
  const Clock::rep arrival = arrival_.load(std::memory_order_relaxed);
  // Only from the value seen: if the room counted this reader off meanwhile, it has counted.
  if (!seen.compare_exchange_strong(counted, generation, std::memory_order_acq_rel,
                                    std::memory_order_relaxed))
    return;
  if (remaining_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  const Clock::time_point arrived{Clock::duration{arrival}};
  latency_->observe(Clock::now() - arrived);
}

}  // namespace chatd::actors
