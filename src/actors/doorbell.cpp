// Doorbell: a writer's wake-up; see doorbell.hpp.
#include "actors/doorbell.hpp"

namespace chatd::actors {

namespace asio = boost::asio;

Doorbell::Doorbell(asio::any_io_executor writer_executor)
    : bell_(std::move(writer_executor), asio::steady_timer::time_point::max()) {}

bool Doorbell::ring() {
  if (!sleeping_.load(std::memory_order_seq_cst) ||
      !sleeping_.exchange(false, std::memory_order_seq_cst))
    return false;
  asio::post(bell_.get_executor(),
             [self = shared_from_this()] { self->wake_from_writer_strand(); });
  return true;
}

void Doorbell::interrupt() {
  asio::post(bell_.get_executor(), [self = shared_from_this()] {
    if (self->on_interrupt_) self->on_interrupt_();
  });
}

void Doorbell::wake_from_writer_strand() {
  sleeping_.store(false, std::memory_order_seq_cst);
  bell_.cancel();
}

}  // namespace chatd::actors
