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

  bool enabled() const noexcept { return rate_ > 0; }
  // Takes one token if there is one.
  bool try_take(Clock::time_point now) {
    if (!enabled()) return true;
    refill(now);
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
  }
  // Takes `n` tokens even when fewer are left, leaving a debt that until_token() waits out: for
  // input that has been read already (a WebSocket message) and cannot be left in the kernel.
  void take(double n, Clock::time_point now) {
    if (!enabled()) return;
    refill(now);
    tokens_ -= n;
  }
  // True when a token could be taken now.
  bool has_token(Clock::time_point now) {
    if (!enabled()) return true;
    refill(now);
    return tokens_ >= 1.0;
  }
  // How long until a token can be taken (zero when one can now).
  Clock::duration until_token(Clock::time_point now) {
    if (has_token(now)) return Clock::duration::zero();
    const std::chrono::duration<double> wait((1.0 - tokens_) / rate_);
    return std::chrono::ceil<Clock::duration>(wait);
  }
  // True when the bucket has refilled completely: the client has been calm for a while.
  bool full(Clock::time_point now) {
    if (!enabled()) return true;
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
