// Pacer: one connection's flood control, whatever its door — the token bucket, whether the
// client has been told to slow down in this episode (and the door's throttled gauge that goes
// with it), and the wait for the next token, on a timer allocated only once the client is paced.
//
// Threading: the connection's strand.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "net/participant.hpp"
#include "net/server_metrics.hpp"
#include "net/session_context.hpp"
#include "net/token_bucket.hpp"

namespace chatd::net {

class Pacer {
 public:
  using Clock = TokenBucket::Clock;

  Pacer(const SessionLimits& limits, DoorCounters& counters)
      : bucket_(limits.rate, limits.burst, Clock::now()), counters_(counters) {}
  Pacer(const Pacer&) = delete;
  Pacer& operator=(const Pacer&) = delete;
  ~Pacer() {
    if (told_) counters_.throttled.sub();
  }

  TokenBucket& bucket() noexcept { return bucket_; }

  // Input arrived: if it finds the bucket full, the client has been calm long enough and the
  // next overflow is a new episode, with a new notice.
  void heard(Clock::time_point now) {
    if (told_ && bucket_.full(now)) {
      told_ = false;
      counters_.throttled.sub();
    }
  }

  // Waits until the client may be read again. The first wait of an episode tells `notice` (in
  // static storage: the door's words) to the client first, in its place, if there is a
  // participant to tell it through (an IRC client still registering has none). False when
  // `cancelled` fired (the conversation is over).
  boost::asio::awaitable<bool> wait_for_token(Participant* me, std::string_view notice,
                                              boost::asio::any_io_executor executor,
                                              boost::asio::cancellation_slot cancelled) {
    namespace asio = boost::asio;
    if (bucket_.has_token(Clock::now())) co_return true;
    if (!told_) {
      told_ = true;
      counters_.throttle_episodes.add();
      counters_.throttled.add();
      std::string bytes(notice);
      if (me != nullptr) co_await me->tell(std::move(bytes));
    }
    if (!pause_) pause_ = std::make_unique<asio::steady_timer>(executor);
    while (!bucket_.has_token(Clock::now())) {
      pause_->expires_after(bucket_.until_token(Clock::now()));
      auto [ec] = co_await pause_->async_wait(
          asio::bind_cancellation_slot(cancelled, asio::as_tuple(asio::use_awaitable)));
      if (ec) co_return false;
    }
    co_return true;
  }

 private:
  TokenBucket bucket_;
  bool told_ = false;  // once per episode: until the bucket is full again
  std::unique_ptr<boost::asio::steady_timer> pause_;
  DoorCounters& counters_;
};

}  // namespace chatd::net
