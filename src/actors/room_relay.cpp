// Between a room and the cluster link; see room_relay.hpp.
#include "actors/room_relay.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace chatd::actors {

namespace asio = boost::asio;

namespace {
const boost::system::error_code no_error;
}

RoomRelay::RoomRelay(std::string room, std::string node, std::string origin, std::size_t capacity,
                     asio::any_io_executor room_executor, std::function<void()> wake_link)
    : room_(std::move(room)),
      node_(std::move(node)),
      origin_(std::move(origin)),
      outbound_(capacity),
      inbound_(capacity),
      deliveries_signal_(room_executor, 1),
      space_signal_(room_executor, 1),
      wake_link_(std::move(wake_link)) {}

bool RoomRelay::propose(Proposal proposal) {
  if (!outbound_.push(proposal)) return false;
  // The link clears the flag before it looks, so a proposal made after that look wakes it again.
  if (!link_woken_.exchange(true, std::memory_order_acq_rel)) wake_link_();
  return true;
}

asio::awaitable<void> RoomRelay::wait_for_space() {
  co_await space_signal_.async_receive(asio::as_tuple(asio::use_awaitable));
}

asio::awaitable<bool> RoomRelay::wait_for_deliveries() {
  auto [ec] = co_await deliveries_signal_.async_receive(asio::as_tuple(asio::use_awaitable));
  co_return !ec;
}

void RoomRelay::close_room_side() {
  room_closed_.store(true, std::memory_order_release);
  deliveries_signal_.close();
  space_signal_.close();
  // The link may be asleep with proposals still to send.
  if (!link_woken_.exchange(true, std::memory_order_acq_rel)) wake_link_();
}

bool RoomRelay::take_proposal(Proposal& out) {
  link_woken_.store(false, std::memory_order_release);
  if (!outbound_.pop(out)) return false;
  // A full channel already holds a signal the room has not taken: nothing is lost.
  space_signal_.try_send(no_error);
  return true;
}

bool RoomRelay::deliver(const Delivery& delivery) {
  if (!inbound_.push(delivery)) return false;
  deliveries_signal_.try_send(no_error);
  return true;
}

}  // namespace chatd::actors
