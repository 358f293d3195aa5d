// Doorbell: how a room wakes one participant's writer, which sleeps on it between writes.
//
// The writer owns the bell; rooms on other strands ring it. Ringing costs one atomic load unless
// the writer really sleeps: the writer sets `sleeping_` and re-checks for output before it
// suspends, the ringer makes output visible and then reads `sleeping_` (all seq_cst, Dekker
// style), so one of them always sees the other and a wake-up is never lost. A real wake-up is a
// post to the writer's strand that cancels the timer the writer sleeps on: the check and the
// start of that wait happen in one run of the strand, so the posted wake always finds the wait
// pending. A timer costs a third of a channel (measured per idle connection) and needs no lock.
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <functional>
#include <memory>

namespace chatd::actors {

// Create with std::make_shared: a ring in flight keeps the bell alive.
class Doorbell : public std::enable_shared_from_this<Doorbell> {
 public:
  explicit Doorbell(boost::asio::any_io_executor writer_executor);

  // any: wakes the writer if it sleeps. Returns true when that took a real wake-up.
  bool ring();
  // any: asks the writer's strand to run the interrupt handler (see below).
  void interrupt();

  // writer: completes once `has_output()` is true.
  template <class HasOutput>
  boost::asio::awaitable<void> wait_until(HasOutput has_output);
  // writer: wakes its own wait, from the writer's strand.
  void wake_from_writer_strand();
  // writer, before the bell is shared: what interrupt() runs on the writer's strand — the
  // session cancels a write blocked on a client that stopped reading.
  void set_interrupt_handler(std::function<void()> handler) { on_interrupt_ = std::move(handler); }

 private:
  std::atomic<bool> sleeping_{false};
  boost::asio::steady_timer bell_;  // writer strand only; never expires, cancelled to wake
  std::function<void()> on_interrupt_;
};

template <class HasOutput>
boost::asio::awaitable<void> Doorbell::wait_until(HasOutput has_output) {
  namespace asio = boost::asio;
  while (!has_output()) {
    sleeping_.store(true, std::memory_order_seq_cst);
    if (has_output()) {
      sleeping_.store(false, std::memory_order_seq_cst);
      break;
    }
    co_await bell_.async_wait(asio::as_tuple(asio::use_awaitable));
    sleeping_.store(false, std::memory_order_seq_cst);
  }
}

}  // namespace chatd::actors
