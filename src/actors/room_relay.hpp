// RoomRelay: what stands between a room and the cluster link when the node is one of several
// sharing rooms through a store. The room proposes batches of its members' records; the link
// hands them to the store and delivers back what the store sequenced — every node's batches,
// this one's included — which the room then applies in that order.
//
// Two bounded lock-free queues, one producer and one consumer each, so neither side ever waits
// on the other: a full proposal queue makes the room stop taking new events (its senders wait,
// as TCP back-pressure), a full delivery queue makes the link stop reading that room (the store
// keeps the rest). Wake-ups cross as channel signals that coalesce.
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/lockfree/spsc_queue.hpp>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <variant>

namespace chatd::actors {

class RoomRelay {
 public:
  using Batch = std::shared_ptr<const std::string>;  // cluster_batch.hpp text

  // Room to link.
  struct Proposal {
    Batch batch;
    // Holds joins, leaves, renames or a topic: state the store keeps beside the stream.
    bool presence = false;
    bool rejoin = false;    // only re-registrations of members after the link was lost
  };

  // Link to room: a batch in its place in the room's order.
  struct Sequenced {
    Batch batch;
    bool history = false;  // from before this node read the room: replayed to newcomers only
  };
  // The link is up and the room's order flows (again). Sent once after the history of a
  // room, and after each reconnection.
  enum class LinkChange : std::uint8_t {
    first,       // the room is read for the first time
    back,        // after a loss, with the store's data intact: nothing was missed
    store_lost,  // after a loss, the store had lost its data: messages may have been missed
  };
  struct Linked {
    LinkChange change = LinkChange::first;
  };
  // The link is down: the room runs on its own, for this node's members only.
  struct Unlinked {
    std::string why;
  };
  // The room's topic as the store keeps it, read when the room is (re)read: the record that set
  // it may be older than the history read, or gone from the stream.
  struct TopicKnown {
    std::string set_by;
    std::string topic;  // empty: none
  };
  using Delivery = std::variant<Sequenced, Linked, Unlinked, TopicKnown>;

  // `node`: this node's id in the cluster; `origin`: this process's, which its batches carry.
  // `room_executor`: the room's strand. `wake_link` is called (from the room's strand) when
  // proposals are waiting and the link may not be looking.
  RoomRelay(std::string room, std::string node, std::string origin, std::size_t capacity,
            boost::asio::any_io_executor room_executor, std::function<void()> wake_link);

  const std::string& room() const noexcept { return room_; }
  const std::string& node() const noexcept { return node_; }
  // The node instance this relay writes as (cluster_batch.hpp's origin).
  const std::string& origin() const noexcept { return origin_; }

  // --- room side (the room's strand) ---
  // False when the queue is full: the proposal is not taken.
  bool propose(Proposal proposal);
  bool proposals_full() const noexcept { return outbound_.write_available() == 0; }
  // Until the link has taken proposals since the last wait (returns at once if it has).
  boost::asio::awaitable<void> wait_for_space();
  // Until deliveries are waiting; false once the room side is closed.
  boost::asio::awaitable<bool> wait_for_deliveries();
  bool take_delivery(Delivery& out) { return inbound_.pop(out); }
  // The room has ended: the link forgets the relay once it has sent what was proposed.
  void close_room_side();

  // --- link side (the link's strand) ---
  bool take_proposal(Proposal& out);
  bool proposals_waiting() const noexcept { return outbound_.read_available() > 0; }
  // False when the queue is full: the link keeps `delivery` and tries again later.
  bool deliver(const Delivery& delivery);
  bool deliveries_full() const noexcept { return inbound_.write_available() == 0; }
  bool room_closed() const noexcept { return room_closed_.load(std::memory_order_acquire); }

 private:
  using Signal = boost::asio::experimental::concurrent_channel<void(boost::system::error_code)>;

  std::string room_;
  std::string node_;
  std::string origin_;
  boost::lockfree::spsc_queue<Proposal> outbound_;
  boost::lockfree::spsc_queue<Delivery> inbound_;
  Signal deliveries_signal_;
  Signal space_signal_;
  std::function<void()> wake_link_;
  std::atomic<bool> link_woken_{false};
  std::atomic<bool> room_closed_{false};
};

}  // namespace chatd::actors
