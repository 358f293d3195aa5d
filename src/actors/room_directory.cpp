// Rooms by name, created on demand; see room_directory.hpp.
#include "actors/room_directory.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/strand.hpp>

#include "base/ascii.hpp"
#include "base/log.hpp"

namespace chatd::actors {

namespace asio = boost::asio;

RoomDirectory::RoomDirectory(asio::io_context::executor_type pool, RoomLimits limits,
                             std::function<void()> on_room_finished,
                             std::shared_ptr<ChatCounters> counters, RelayFactory relays)
    : pool_(pool),
      limits_(limits),
      on_room_finished_(std::move(on_room_finished)),
      counters_(counters ? std::move(counters) : std::make_shared<ChatCounters>()),
      relays_(std::move(relays)) {}

std::shared_ptr<Room> RoomDirectory::enter(std::string_view name) {
  std::lock_guard lock(mutex_);
  if (stopped_) return nullptr;
  Entry& entry = rooms_[base::folded(name)];
  if (!entry.room) entry.room = start_room(std::string(name));
  ++entry.members;
  return entry.room;
}

std::shared_ptr<Room> RoomDirectory::open_lobby() {
  std::lock_guard lock(mutex_);
  if (stopped_) return nullptr;
  Entry& entry = rooms_[std::string(lobby)];
  if (!entry.room) entry.room = start_room(std::string(lobby));
  return entry.room;
}

void RoomDirectory::exit(const std::shared_ptr<Room>& room) {
  std::shared_ptr<Room> emptied;
  {
    std::lock_guard lock(mutex_);
    const auto it = rooms_.find(base::folded(room->name()));
    if (it == rooms_.end() || it->second.room != room) return;
    if (--it->second.members > 0 || it->first == lobby) return;
    // Nobody holds this room any more, so no Join can race with its end.
    emptied = std::move(it->second.room);
    rooms_.erase(it);
  }
  send_stop(emptied);
}

std::vector<RoomSummary> RoomDirectory::list() const {
  std::lock_guard lock(mutex_);
  std::vector<RoomSummary> rooms;
  rooms.reserve(rooms_.size());
  for (const auto& [key, entry] : rooms_) rooms.push_back({entry.room->name(), entry.members});
  return rooms;
}

void RoomDirectory::stop() {
  std::map<std::string, Entry> stopping;
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    stopping.swap(rooms_);
  }
  for (const auto& [name, entry] : stopping) send_stop(entry.room);
}

std::shared_ptr<Room> RoomDirectory::start_room(std::string name) {
  const auto strand = asio::make_strand(pool_);
  auto relay = relays_ ? relays_(name, strand) : nullptr;
  auto room = std::make_shared<Room>(strand, limits_, std::move(name), counters_, std::move(relay));
  running_.fetch_add(1);
  asio::co_spawn(
      strand, [room]() -> asio::awaitable<void> { co_await room->run(); },
      [self = shared_from_this(), name = room->name()](std::exception_ptr error) {
        // A room that throws is a bug: say so, and still count it as finished.
        base::log_escape("room " + name)(error);
        self->running_.fetch_sub(1);
        if (self->on_room_finished_) self->on_room_finished_();
      });
  return room;
}

void RoomDirectory::send_stop(const std::shared_ptr<Room>& room) {
  // Through send(), not try_send(): a full inbox must delay the Stop, not lose it.
  asio::co_spawn(
      room->inbox().get_executor(),
      [room]() -> asio::awaitable<void> {
        RoomEvent stop = Stop{};
        co_await room->send(std::move(stop));
      },
      asio::detached);
}

}  // namespace chatd::actors
