// Subscription: a participant's feed from one room; see subscription.hpp.
#include "actors/subscription.hpp"

#include <algorithm>
#include <utility>

namespace chatd::actors {

namespace asio = boost::asio;

Subscription::Subscription(std::shared_ptr<Doorbell> bell, bool after_previous)
    : bell_(std::move(bell)), after_previous_(after_previous) {}

Subscription::~Subscription() {
  // Both sides have let go by now: whatever the writer never took is freed here.
  if (Lane* lane = lane_.load(std::memory_order_acquire)) {
    lane->consume_all([](Reply* reply) { delete reply; });
    delete lane;
  }
}

void Subscription::attach(LogCursor start, std::string greeting,
                          std::shared_ptr<DeliveryProbe> probe) {
  delivered_.store(start.position(), std::memory_order_relaxed);
  // A message already being timed was appended before this reader came: do not wait for it.
  if (probe) probe_seen_.store(probe->generation(), std::memory_order_relaxed);
  probe_ = std::move(probe);
  cursor_ = std::move(start);
  greeting_ = std::move(greeting);
  attached_.store(true, std::memory_order_seq_cst);
}

PushResult Subscription::push_reply(std::uint64_t after, std::string& bytes) {
  if (farewell() != Farewell::none) return PushResult::closed;
  Lane* lane = lane_.load(std::memory_order_relaxed);
  if (lane == nullptr) {
    lane = new Lane;
    lane_.store(lane, std::memory_order_release);
  }
  // The room is the only producer, so room seen now is room still there at the push.
  if (lane->write_available() == 0) return PushResult::full;
  lane->push(new Reply{after, std::move(bytes)});
  return PushResult::accepted;
}

void Subscription::close(Farewell why, std::uint64_t flush_until, std::vector<Reply> rest) {
  rest_ = std::move(rest);
  flush_until_.store(flush_until, std::memory_order_relaxed);
  farewell_.store(why, std::memory_order_seq_cst);
  bell_->ring();
}

void Subscription::evict(Farewell why) {
  farewell_.store(why, std::memory_order_seq_cst);
  bell_->ring();
  bell_->interrupt();
}

const Subscription::Reply* Subscription::next_reply() const noexcept {
  Lane* lane = lane_.load(std::memory_order_acquire);
  if (lane != nullptr && lane->read_available() > 0) return lane->front();
  // rest_ is the room's until the farewell is visible, then never changes again.
  if (farewell() != Farewell::none && rest_sent_ + rest_gathered_ < rest_.size())
    return &rest_[rest_sent_ + rest_gathered_];
  return nullptr;
}

bool Subscription::reply_ready() const noexcept {
  const Reply* next = next_reply();
  return next != nullptr && next->after <= cursor_.position();
}

bool Subscription::has_output() const noexcept {
  if (farewell() != Farewell::none) return true;
  if (!attached_.load(std::memory_order_seq_cst)) return false;
  // A reply further on waits for the room traffic before it, which rings again when published.
  return !greeting_.empty() || cursor_.has_published() || reply_ready();
}

bool Subscription::finished() const noexcept {
  const Farewell why = farewell();
  if (why == Farewell::none) return false;
  if (why == Farewell::too_slow || !attached_.load(std::memory_order_seq_cst)) return true;
  return greeting_.empty() && !replies_pending() &&
         cursor_.position() >= flush_until_.load(std::memory_order_relaxed);
}

std::size_t Subscription::gather(std::vector<asio::const_buffer>& out, std::size_t max_bytes) {
  const Farewell why = farewell();
  if (why == Farewell::too_slow || !attached_.load(std::memory_order_seq_cst)) return 0;
  std::size_t total = 0;
  if (!greeting_.empty() && !greeting_gathered_) {
    out.push_back(asio::buffer(greeting_));
    total += greeting_.size();
    greeting_gathered_ = true;
  }
  const std::uint64_t at = cursor_.position();
  std::uint64_t until = at + max_bytes;
  if (why != Farewell::none) until = std::min(until, flush_until_.load(std::memory_order_relaxed));
  const Reply* next = next_reply();
  if (next != nullptr) until = std::min(until, next->after);
  gathered_log_bytes_ = until <= at ? 0
                                    : cursor_.visit_published(static_cast<std::size_t>(until - at),
                                                              [&](std::string_view bytes) {
                                                                out.push_back(asio::buffer(bytes));
                                                              });
  // The replies that follow exactly where this gather ends go with it.
  const std::uint64_t reached = at + gathered_log_bytes_;
  Lane* lane = lane_.load(std::memory_order_acquire);
  while (next != nullptr && next->after <= reached) {
    if (lane != nullptr && lane->read_available() > 0) {
      sending_.emplace_back(lane->front());
      lane->pop();
    } else {
      ++rest_gathered_;
    }
    out.push_back(asio::buffer(next->bytes));
    total += next->bytes.size();
    next = next_reply();
  }
  return total + gathered_log_bytes_;
}

void Subscription::commit_gathered() {
  sending_.clear();
  rest_sent_ += std::exchange(rest_gathered_, 0);
  if (greeting_gathered_) std::string().swap(greeting_);  // sent once: free it
  if (gathered_log_bytes_ > 0) {
    cursor_.advance(gathered_log_bytes_);
    gathered_log_bytes_ = 0;
    delivered_.store(cursor_.position(), std::memory_order_relaxed);
    // Two atomic loads and a compare, unless this write delivered the message being timed.
    if (probe_) probe_->reached(cursor_.position(), probe_seen_);
  }
}

}  // namespace chatd::actors
