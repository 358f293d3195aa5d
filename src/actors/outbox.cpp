// Outbox: a member's cursor into the room log, its direct lines, and its writer's doorbell.
#include "actors/outbox.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace chatd::actors {

namespace asio = boost::asio;

namespace {
const boost::system::error_code no_error;
}

Outbox::Outbox(asio::any_io_executor consumer_executor) : bell_(std::move(consumer_executor), 1) {}

void Outbox::attach(LogCursor start) {
  delivered_.store(start.position(), std::memory_order_relaxed);
  cursor_ = std::move(start);
  attached_.store(true, std::memory_order_seq_cst);
  ring();
}

// The wake-up handshake is Dekker-style: the producer publishes data then reads sleeping_, the
// consumer sets sleeping_ then re-reads the data, all seq_cst, so at least one of them sees the
// other and a wake-up is never lost. A spare bell token only causes one extra look.
void Outbox::notify() noexcept {
  if (sleeping_.load(std::memory_order_seq_cst) &&
      sleeping_.exchange(false, std::memory_order_seq_cst)) {
    bell_.try_send(no_error);
  }
}

void Outbox::ring() {
  sleeping_.store(false, std::memory_order_seq_cst);
  bell_.try_send(no_error);
}

void Outbox::close(Farewell why, std::uint64_t flush_until) {
  flush_until_.store(flush_until, std::memory_order_relaxed);
  farewell_.store(why, std::memory_order_seq_cst);
  ring();
}

void Outbox::evict(Farewell why) {
  farewell_.store(why, std::memory_order_seq_cst);
  ring();
  if (on_evicted_) on_evicted_();
}

PushResult Outbox::push_direct(std::string line) {
  if (farewell() != Farewell::none) return PushResult::closed;
  {
    std::lock_guard lock(direct_mutex_);
    if (direct_.size() >= max_direct_lines) return PushResult::full;
    direct_.push_back(std::move(line));
    direct_count_.store(direct_.size(), std::memory_order_seq_cst);
  }
  notify();
  return PushResult::accepted;
}

bool Outbox::has_output() const noexcept {
  if (farewell() != Farewell::none) return true;
  if (direct_count_.load(std::memory_order_seq_cst) > 0) return true;
  return attached_.load(std::memory_order_seq_cst) && cursor_.has_published();
}

asio::awaitable<void> Outbox::wait_for_output() {
  while (!has_output()) {
    sleeping_.store(true, std::memory_order_seq_cst);
    if (has_output()) {
      sleeping_.store(false, std::memory_order_seq_cst);
      break;
    }
    auto [ec] = co_await bell_.async_receive(asio::as_tuple(asio::use_awaitable));
    sleeping_.store(false, std::memory_order_seq_cst);
    if (ec) break;  // the bell was cancelled: the caller is being torn down
  }
}

std::size_t Outbox::gather(std::vector<asio::const_buffer>& out, std::size_t max_bytes) {
  const Farewell why = farewell();
  if (why == Farewell::too_slow) return 0;
  std::size_t total = 0;
  if (direct_count_.load(std::memory_order_seq_cst) > 0) {
    std::lock_guard lock(direct_mutex_);
    sending_.swap(direct_);
    direct_count_.store(0, std::memory_order_seq_cst);
  }
  for (const std::string& line : sending_) {
    out.push_back(asio::buffer(line));
    total += line.size();
  }
  if (!attached_.load(std::memory_order_seq_cst)) return total;
  std::size_t budget = max_bytes;
  if (why != Farewell::none) {
    const std::uint64_t until = flush_until_.load(std::memory_order_relaxed);
    const std::uint64_t at = cursor_.position();
    budget = until > at ? static_cast<std::size_t>(std::min<std::uint64_t>(until - at, budget)) : 0;
  }
  gathered_log_bytes_ =
      budget == 0 ? 0 : cursor_.visit_published(budget, [&](std::string_view bytes) {
        out.push_back(asio::buffer(bytes));
      });
  return total + gathered_log_bytes_;
}

void Outbox::commit_gathered() {
  sending_.clear();
  if (gathered_log_bytes_ > 0) {
    cursor_.advance(gathered_log_bytes_);
    gathered_log_bytes_ = 0;
    delivered_.store(cursor_.position(), std::memory_order_relaxed);
  }
}

}  // namespace chatd::actors
