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
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
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

  // writer: sleeps until rung, unless `has_output()` turns true while it gets ready to. Not a
  // coroutine (an idle writer keeps no frame for it); it may complete without output, so the
  // caller looks again.
  template <class HasOutput>
  boost::asio::awaitable<void> sleep_unless(HasOutput has_output);
  // writer: wakes its own wait, from the writer's strand.
  void wake_from_writer_strand();
  // writer, before the bell is shared: what interrupt() runs on the writer's strand — the
  // session cancels a write blocked on a client that stopped reading.
  void set_interrupt_handler(std::function<void()> handler) { on_interrupt_ = std::move(handler); }

 private:
  std::atomic<bool> sleeping_{false};
  boost::asio::steady_timer bell_;   // writer strand only; never expires, cancelled to wake
  boost::system::error_code woken_;  // writer strand only
  std::function<void()> on_interrupt_;
};

template <class HasOutput>
boost::asio::awaitable<void> Doorbell::sleep_unless(HasOutput has_output) {
  namespace asio = boost::asio;
  sleeping_.store(true, std::memory_order_seq_cst);
  if (has_output()) {
    // Output arrived while we were about to sleep: yield once and look again.
    sleeping_.store(false, std::memory_order_seq_cst);
    return asio::post(bell_.get_executor(), asio::use_awaitable);
  }
  // Cancelled by a wake-up; the error it completes with says nothing, so it goes nowhere useful.
  return bell_.async_wait(asio::redirect_error(asio::use_awaitable, woken_));
}

}  // namespace chatd::actors
