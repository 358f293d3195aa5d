// Server: wires the room directory, the doors' listeners and the connections together on an
// io_context.
//
// Shutdown is two-phase: stop() stops accepting and tells every room to stop, which makes every
// connection flush what it owes (bounded by its flush deadline) and close. Whoever owns the
// io_context may then force the rest with io_context::stop() after its own deadline.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "actors/room.hpp"
#include "net/door.hpp"
#include "net/session_context.hpp"

namespace chatd::net {

struct ServerOptions {
  SessionLimits session;
  actors::RoomLimits room;
  // Connection number max_clients + 1, whatever its door, is told "! server full" and closed.
  std::size_t max_clients = 10000;
};

class Server {
 public:
  // Binds and listens on every door at once, so a port in use is reported before anything runs.
  // Throws DoorError on failure. With `cluster`, the rooms are the cluster's (cluster_link.hpp).
  Server(boost::asio::io_context& io, ServerOptions options, std::vector<Door> doors,
         std::shared_ptr<cluster::ClusterLink> cluster = nullptr);

  // The address each door actually bound (port 0 picks a free port), in the order given.
  std::vector<boost::asio::ip::tcp::endpoint> local_endpoints() const;
  // Spawns the accept loops (rooms start on demand). Call once.
  void start();
  // any thread, any number of times: begins the graceful shutdown.
  void stop();
  // Completes once every room and every connection have finished after stop().
  boost::asio::awaitable<void> wait_drained();

  // The lobby's counters (the room everybody starts in), for tests and logs.
  const actors::RoomCounters& lobby_counters() const noexcept { return state_->lobby->counters(); }
  std::size_t live_sessions() const noexcept { return state_->sessions.load(); }
  const ServerMetrics& metrics() const noexcept { return *state_->context->metrics; }
  const actors::RoomDirectory& rooms() const noexcept { return *state_->context->rooms; }

 private:
  struct Listener {
    Door door;
    boost::asio::ip::tcp::acceptor acceptor;
    DoorCounters* counters;
  };
  // Everything the coroutines reach, shared so that it outlives whichever of them ends last.
  struct State : std::enable_shared_from_this<State> {
    State(boost::asio::io_context& io, ServerOptions options, std::vector<Door> doors);

    boost::asio::io_context& io;
    ServerOptions options;
    boost::asio::strand<boost::asio::io_context::executor_type> accept_strand;
    std::vector<Listener> listeners;
    std::shared_ptr<SessionContext> context;
    // Held from start to stop so the lobby (and its history) lives as long as the server.
    std::shared_ptr<actors::Room> lobby;
    std::atomic<std::size_t> sessions{0};
    // TLS handshakes under way (not clients yet); at most max_clients of them at once.
    std::atomic<std::size_t> handshakes{0};
    std::atomic<bool> stopping{false};
    // Any thread: a TLS connection is admitted on its own strand, once its handshake is done.
    std::atomic<std::uint64_t> next_member{1};
    // Capacity 1: one token says "everything has finished".
    boost::asio::experimental::concurrent_channel<void(boost::system::error_code)> drained;

    static void start_session(std::shared_ptr<State> state, const Listener& listener,
                              boost::asio::ip::tcp::socket socket);
    static void admit(std::shared_ptr<State> state, const Listener& listener,
                      ClientStream stream);
    static boost::asio::awaitable<void> admit_after_handshake(std::shared_ptr<State> state,
                                                              const Listener* listener,
                                                              boost::asio::ip::tcp::socket socket);
    void finished_one();
  };

  std::shared_ptr<State> state_;
};

// A door that could not listen: which one, where, and why.
class DoorError : public boost::system::system_error {
 public:
  DoorError(const Door& door, boost::system::error_code ec)
      : boost::system::system_error(ec), door_name(door.name), endpoint(door.endpoint) {}
  std::string door_name;
  boost::asio::ip::tcp::endpoint endpoint;
};

}  // namespace chatd::net
