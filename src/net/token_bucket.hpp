// TokenBucket: flood control for one connection. `rate` lines per second on average, bursts
// of up to `burst`. Pure arithmetic on times the caller passes in, so tests need no clock.
#pragma once

#include <algorithm>
#include <chrono>

namespace chatd::net {

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  // rate <= 0 turns flood control off: every take succeeds.
  TokenBucket(double rate, double burst, Clock::time_point now)
      : rate_(rate), burst_(std::max(burst, 1.0)), tokens_(burst_), refilled_(now) {}

  // Takes one token if there is one.
  bool try_take(Clock::time_point now) {
    if (rate_ <= 0) return true;
    refill(now);
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
  }
  // True when the bucket has refilled completely: the client has been calm for a while.
  bool full(Clock::time_point now) {
    refill(now);
    return tokens_ >= burst_;
  }

 private:
  void refill(Clock::time_point now) {
    const std::chrono::duration<double> elapsed = now - refilled_;
    tokens_ = std::min(burst_, tokens_ + elapsed.count() * rate_);
    refilled_ = now;
  }

  double rate_;
  double burst_;
  double tokens_;
  Clock::time_point refilled_;
};

}  // namespace chatd::net
