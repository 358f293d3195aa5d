// RoomDirectory: which rooms exist, by name. Creates a room actor (on a strand of its own) on
// first entry and stops it when its last member has left — except the lobby, which everybody
// starts in and which keeps its history.
//
// Any thread; a mutex guards the map because only joins, /rooms, connects and disconnects use
// it. The hot path never does: a member's messages go straight to its room's inbox.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "actors/room.hpp"

namespace chatd::actors {

// One line of a /rooms answer.
struct RoomSummary {
  std::string name;
  std::size_t members = 0;
};

// Create with std::make_shared: running rooms keep the directory alive until they end.
class RoomDirectory : public std::enable_shared_from_this<RoomDirectory> {
 public:
  static constexpr std::string_view lobby = "lobby";

  // A room's relay to the cluster, made as the room starts on its strand (room_relay.hpp).
  using RelayFactory = std::function<std::shared_ptr<RoomRelay>(
      const std::string& room, boost::asio::any_io_executor room_executor)>;

  // `on_room_finished` runs (on the room's strand) each time a room actor ends. Every room adds
  // to `counters` (null: the directory makes its own), so totals outlive the rooms. With
  // `relays`, every room is one of a cluster's.
  RoomDirectory(boost::asio::io_context::executor_type pool, RoomLimits limits,
                std::function<void()> on_room_finished,
                std::shared_ptr<ChatCounters> counters = nullptr, RelayFactory relays = nullptr);

  // The room called `name` (ignoring ASCII case), created if needed; the caller counts as one of
  // its members until exit(). Null once stop() was called.
  std::shared_ptr<Room> enter(std::string_view name);
  // The lobby, created if needed, without counting the caller as a member: lets the server keep
  // it (and its history) for as long as it runs.
  std::shared_ptr<Room> open_lobby();
  // The caller is no longer a member (it has sent its Leave).
  void exit(const std::shared_ptr<Room>& room);
  // Every room and its member count, sorted by name (ignoring case).
  std::vector<RoomSummary> list() const;
  // Stops every room; later enter() calls return null.
  void stop();
  // Room actors still running.
  std::size_t running() const noexcept { return running_.load(); }

 private:
  struct Entry {
    std::shared_ptr<Room> room;
    std::size_t members = 0;
  };

  std::shared_ptr<Room> start_room(std::string name);
  static void send_stop(const std::shared_ptr<Room>& room);

  boost::asio::io_context::executor_type pool_;
  RoomLimits limits_;
  std::function<void()> on_room_finished_;
  std::shared_ptr<ChatCounters> counters_;
  RelayFactory relays_;
  std::atomic<std::size_t> running_{0};

  mutable std::mutex mutex_;
  std::map<std::string, Entry> rooms_;  // by folded name; guarded by mutex_
  bool stopped_ = false;                // guarded by mutex_
};

}  // namespace chatd::actors
