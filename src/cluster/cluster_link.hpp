// ClusterLink: a node's one link to the cluster's store (Redis). It hands each room's proposals
// to the room's stream, reads every room's stream back in order (a blocking XREAD on a
// connection of its own) and delivers it to the room's relay, keeps this node alive with a
// heartbeat (which also reaps dead nodes), and answers the cluster-wide questions: who is in a
// room, which rooms there are, whether a nickname is free.
//
// When Redis cannot be reached it says so to every room (they go on alone) and retries with
// backoff and jitter; when it is back it resumes each room where it stopped, or tells the
// rooms the store lost its data.
//
// Threading: everything runs on the link's own strand; the public functions may be called from
// any thread (the awaitables from any strand).
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <functional>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/room_directory.hpp"
#include "actors/room_relay.hpp"
#include "cluster/cluster_counters.hpp"
#include "cluster/redis_address.hpp"
#include "cluster/redis_connection.hpp"

namespace chatd::cluster {

struct ClusterOptions {
  RedisAddress address;
  std::string node_id;
  std::chrono::milliseconds heartbeat{1000};
  // A node not heard from for this long is reaped: its members leave as "node lost".
  std::chrono::milliseconds node_timeout{10000};
  std::chrono::milliseconds connect_timeout{2000};
  std::size_t history = 100;           // stream entries read for a room new to this node
  std::size_t stream_length = 10000;  // entries a room's stream keeps (MAXLEN ~)
  std::size_t relay_capacity = 256;   // batches queued each way per room
};

// claimed: this node holds it now; ours: this node held it already (its own registry says
// whether for this member); taken: another live node holds it; unlinked: nobody could ask.
enum class NickClaim : std::uint8_t { claimed, ours, taken, unlinked };

// sent: in the inbox of the live node that holds the nickname; unknown: no live node holds it;
// unlinked: nobody could ask.
enum class PrivateSend : std::uint8_t { sent, unknown, unlinked };

// A private message another node (or this one) put in this node's inbox, for a member here.
struct PrivateArrival {
  std::string from;
  std::string to;
  std::string text;
};
using PrivateHandler = std::function<void(PrivateArrival)>;

class ClusterLink : public std::enable_shared_from_this<ClusterLink> {
 public:
  ClusterLink(boost::asio::io_context::executor_type pool, ClusterOptions options);
  ~ClusterLink();

  // The first connection, before the node serves: an empty string when it is up, else why
  // not. `fatal` tells a wrong password or a server that is not Redis (the node should not
  // start) from one that is only unreachable for now (it starts alone and keeps trying).
  struct FirstContact {
    std::string error;
    bool fatal = false;
  };
  boost::asio::awaitable<FirstContact> contact();
  // Before start(): what to do with each private message that arrives for this node (called on
  // the link's strand; must not block).
  void on_private(PrivateHandler handler) { private_handler_ = std::move(handler); }
  // Runs the link until stop(): keeps it up, reconnecting with backoff.
  void start();
  // Flushes what rooms proposed (for at most `deadline`), removes this node from the store and
  // closes. Call after the rooms have stopped.
  boost::asio::awaitable<void> stop(std::chrono::milliseconds deadline);

  // Any thread: the relay for a room starting on this node; its deliveries begin with the
  // room's history and the link's state.
  std::shared_ptr<actors::RoomRelay> relay_for(const std::string& room,
                                               boost::asio::any_io_executor room_executor);

  // Any strand. Nullopt when the link is down (the caller answers from this node alone).
  boost::asio::awaitable<std::optional<std::vector<std::string>>> members(std::string room);
  boost::asio::awaitable<std::optional<std::vector<actors::RoomSummary>>> rooms();
  boost::asio::awaitable<NickClaim> claim_nick(std::string nickname);
  void release_nick(std::string nickname);
  // Any strand: puts a private message in the inbox of the node whose member holds `to`.
  boost::asio::awaitable<PrivateSend> send_private(std::string from, std::string to,
                                                   std::string text);

  const std::string& node_id() const noexcept { return options_.node_id; }
  const ClusterCounters& counters() const noexcept { return counters_; }
  bool linked() const noexcept { return linked_.load(std::memory_order_relaxed); }

 private:
  struct Stream;
  using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;

  boost::asio::awaitable<std::string> connect_once(bool* fatal);
  boost::asio::awaitable<void> keep_linked();
  boost::asio::awaitable<void> read_streams();
  boost::asio::awaitable<void> beat();
  boost::asio::awaitable<void> bootstrap(Stream* stream, actors::RoomRelay::LinkChange change);
  boost::asio::awaitable<void> reclaim_nicks();
  void lost(std::string why);
  // A completion for the link's coroutines: it holds the link until their frames are gone (they
  // refer to it), and logs what one of them threw.
  std::function<void(std::exception_ptr)> keep_alive();
  void add_stream(std::shared_ptr<actors::RoomRelay> relay);
  void send_proposals();
  void send(Stream& stream, const actors::RoomRelay::Proposal& proposal);
  void deliver(Stream& stream, actors::RoomRelay::Delivery delivery);
  bool flush_pending(Stream& stream);
  void wake_reader();
  void unblock_reader();
  void forget_closed_streams();

  static boost::asio::awaitable<std::optional<std::vector<std::string>>> members_here(
      std::shared_ptr<ClusterLink> self, std::string room);
  static boost::asio::awaitable<std::optional<std::vector<actors::RoomSummary>>> rooms_here(
      std::shared_ptr<ClusterLink> self);
  static boost::asio::awaitable<FirstContact> contact_here(std::shared_ptr<ClusterLink> self);
  static boost::asio::awaitable<void> stop_here(std::shared_ptr<ClusterLink> self,
                                                std::chrono::milliseconds deadline);
  static boost::asio::awaitable<NickClaim> claim_here(std::shared_ptr<ClusterLink> self,
                                                      std::string nickname);
  static boost::asio::awaitable<PrivateSend> send_private_here(std::shared_ptr<ClusterLink> self,
                                                               std::string from, std::string to,
                                                               std::string text);
  // Where this node's inbox ends now, so reading starts after it.
  boost::asio::awaitable<std::string> inbox_end();
  void take_inbox_entry(RedisReply& fields);

  Strand strand_;
  ClusterOptions options_;
  std::string instance_;       // this process, in batch headers: node id and a random suffix
  std::string stream_length_;  // options_.stream_length as text, for every XADD
  std::string inbox_key_;      // this node's inbox of private messages (store_keys.hpp)
  std::unique_ptr<RedisConnection> writer_;
  std::unique_ptr<RedisConnection> reader_;
  std::string reader_id_;  // the reader's CLIENT ID, to unblock its XREAD
  std::string epoch_;      // the store's epoch when first seen
  std::atomic<bool> linked_{false};
  ClusterCounters counters_;
  bool tried_ = false;  // a connection attempt has failed: new rooms start alone
  bool xread_in_flight_ = false;
  bool xread_stale_ = false;  // rooms changed since the XREAD in flight was sent
  bool connected_ = false;    // strand only: both connections up and the rooms resumed
  bool stopping_ = false;
  std::uint64_t generation_ = 0;  // connections made so far: stale coroutines stop
  std::string lost_why_;
  boost::asio::steady_timer lost_signal_;  // cancelled when the connection is lost
  boost::asio::steady_timer reader_idle_;  // cancelled when there is something to read
  std::vector<std::unique_ptr<Stream>> streams_;
  std::string inbox_last_id_;  // the last inbox entry read; empty: not positioned yet
  PrivateHandler private_handler_;
  std::map<std::string, std::string> nicks_;  // folded -> as claimed, held by this node
  std::size_t in_flight_ = 0;                 // proposals sent, not yet answered
  // When the heartbeat now in flight was sent (time_point::max(): none is).
  std::chrono::steady_clock::time_point heartbeat_sent_;
};

}  // namespace chatd::cluster
