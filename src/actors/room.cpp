// Room: the single owner of membership; see room.hpp.
#include "actors/room.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <vector>

namespace chatd::actors {

namespace asio = boost::asio;

namespace {
const boost::system::error_code no_error;

// Events handled between two delivery passes. Large enough to amortise the pass over all
// members, small enough that the first message of a batch is not held back noticeably.
constexpr std::size_t max_batch = 256;
}  // namespace

Room::Room(asio::any_io_executor executor, RoomLimits limits)
    : limits_(limits), inbox_(std::move(executor), limits.inbox_capacity) {}

asio::awaitable<bool> Room::send(RoomEvent event) {
  auto [ec] = co_await inbox_.async_send(no_error, std::move(event), asio::as_tuple(asio::use_awaitable));
  co_return !ec;
}

asio::awaitable<void> Room::run() {
  while (!stopping_) {
    auto [ec, first] = co_await inbox_.async_receive(asio::as_tuple(asio::use_awaitable));
    if (ec) break;
    handle(std::move(first));
    for (std::size_t handled = 1; handled < max_batch && !stopping_; ++handled) {
      const bool got = inbox_.try_receive(
          [this](boost::system::error_code, RoomEvent event) { handle(std::move(event)); });
      if (!got) break;
    }
    deliver();
  }
  log_.publish();
  for (auto& [id, member] : members_) member.outbox->close(Farewell::shutdown, log_.end_position());
  members_.clear();
  counters_.members.store(0);
  // Late senders get channel_closed instead of waiting on a room that no longer reads.
  inbox_.close();
}

void Room::handle(RoomEvent event) {
  std::visit([this](auto& e) { on(e); }, event);
}

void Room::on(Join& join) {
  join.outbox->attach(log_.end_cursor());
  members_.insert_or_assign(join.id, Member{std::move(join.name), std::move(join.outbox)});
  counters_.members.store(members_.size());
}

void Room::on(Leave& leave) {
  const auto it = members_.find(leave.id);
  if (it == members_.end()) return;  // already evicted
  it->second.outbox->close(Farewell::left, log_.end_position());
  members_.erase(it);
  counters_.members.store(members_.size());
}

void Room::on(Say& say) {
  const auto it = members_.find(say.id);
  if (it == members_.end()) return;  // evicted while its last lines were in flight
  log_.append({it->second.name, ":", say.text, "\n"});
  counters_.messages.fetch_add(1, std::memory_order_relaxed);
}

void Room::on(Stop&) { stopping_ = true; }

void Room::deliver() {
  log_.publish();
  const std::uint64_t end = log_.end_position();
  std::vector<MemberId> laggards;
  for (auto& [id, member] : members_) {
    if (end - member.outbox->delivered() > limits_.outbox_bytes) {
      laggards.push_back(id);
    } else {
      member.outbox->notify();
    }
  }
  for (MemberId id : laggards) evict_slow_consumer(id);
}

void Room::evict_slow_consumer(MemberId id) {
  const auto it = members_.find(id);
  it->second.outbox->evict(Farewell::too_slow);
  members_.erase(it);
  counters_.members.store(members_.size());
  counters_.evicted_slow.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace chatd::actors
