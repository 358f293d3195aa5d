// Server: the rooms, the doors and the connections on one io_context; see server.hpp.
#include "net/server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <string>

#include "base/log.hpp"
#include "net/listener.hpp"
#include "net/peer_name.hpp"
#include "net/tls/tls_door.hpp"

namespace chatd::net {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {
const boost::system::error_code no_error;

tcp::acceptor listen_on(const Door& door, asio::strand<asio::io_context::executor_type> strand) {
  tcp::acceptor acceptor(strand);
  boost::system::error_code ec;
  acceptor.open(door.endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(door.endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw DoorError(door, ec);
  return acceptor;
}

// A private message another node routed here: told to its recipient through the recipient's
// room, as a local one is. The link's strand must not wait, so a recipient who has left since,
// or whose room's inbox is full (thousands of events behind), does not get it.
void deliver_arrival(const actors::NameRegistry& names, cluster::PrivateArrival arrival) {
  const std::optional<actors::Recipient> recipient = names.find(arrival.to);
  if (!recipient) return;
  actors::RoomEvent message = actors::Private{recipient->id, std::move(arrival.from),
                                              recipient->name, actors::SafeText(arrival.text)};
  if (!recipient->room->inbox().try_send(no_error, std::move(message)))
    base::log_line("a private message for " + recipient->name +
                   " from another node was dropped: its room is too far behind");
}
}  // namespace

Server::State::State(asio::io_context& io_context, ServerOptions server_options,
                     std::vector<Door> doors)
    : io(io_context),
      options(std::move(server_options)),
      accept_strand(asio::make_strand(io.get_executor())),
      context(std::make_shared<SessionContext>()),
      drained(io.get_executor(), 1) {
  context->metrics = std::make_shared<ServerMetrics>();
  for (Door& door : doors) {
    auto acceptor = listen_on(door, accept_strand);
    DoorCounters& counters = context->metrics->door(door.name);
    listeners.push_back(Listener{std::move(door), std::move(acceptor), &counters});
  }
}

Server::Server(asio::io_context& io, ServerOptions options, std::vector<Door> doors,
               std::shared_ptr<cluster::ClusterLink> cluster)
    : state_(std::make_shared<State>(io, std::move(options), std::move(doors))) {
  // The rooms report their end through a weak pointer: they may outlive the server's state.
  std::weak_ptr<State> weak = state_;
  actors::RoomDirectory::RelayFactory relays;
  if (cluster) {
    relays = [cluster](const std::string& room, asio::any_io_executor room_executor) {
      return cluster->relay_for(room, std::move(room_executor));
    };
  }
  state_->context->cluster = std::move(cluster);
  state_->context->rooms = std::make_shared<actors::RoomDirectory>(
      io.get_executor(), state_->options.room,
      [weak] {
        if (auto state = weak.lock()) state->finished_one();
      },
      state_->context->metrics->chat_shared(), std::move(relays));
  state_->context->names = std::make_shared<actors::NameRegistry>();
  if (state_->context->cluster) {
    state_->context->cluster->on_private([names = state_->context->names](
                                             cluster::PrivateArrival arrival) {
      deliver_arrival(*names, std::move(arrival));
    });
  }
  state_->context->limits = state_->options.session;
  state_->context->limits.max_write =
      std::min(state_->options.session.max_write, state_->options.room.outbox_bytes / 4);
  state_->lobby = state_->context->rooms->open_lobby();
}

std::vector<tcp::endpoint> Server::local_endpoints() const {
  std::vector<tcp::endpoint> endpoints;
  for (const Listener& listener : state_->listeners)
    endpoints.push_back(listener.acceptor.local_endpoint());
  return endpoints;
}

void Server::start() {
  auto state = state_;
  for (Listener& listener : state->listeners) {
    Listener* door = &listener;  // lives in state, which the loop holds
    asio::co_spawn(
        state->accept_strand,
        [state, door]() -> asio::awaitable<void> {
          // A named handler: a capturing lambda temporary inside a co_await statement is
          // destroyed twice by g++ 12.
          ClientHandler start_session = [state, door](tcp::socket socket) {
            State::start_session(state, *door, std::move(socket));
          };
          co_await accept_clients(door->acceptor, state->io.get_executor(),
                                  std::move(start_session));
        },
        base::log_escape(listener.door.name + " listener"));
  }
}

void Server::State::start_session(std::shared_ptr<State> state, const Listener& listener,
                                  tcp::socket socket) {
  if (!listener.door.tls) {
    admit(std::move(state), listener, ClientStream(std::move(socket)));
    return;
  }
  // A handshake takes no client's place, but handshakes are bounded too: each holds a socket.
  if (state->handshakes.load() >= state->options.max_clients) {
    listener.counters->handshakes_failed.add();
    return;  // closed: a flood of handshakes is not worth a log line each
  }
  state->handshakes.fetch_add(1);
  const auto executor = socket.get_executor();
  asio::co_spawn(executor, admit_after_handshake(state, &listener, std::move(socket)),
                 base::log_escape(listener.door.name + " handshake"));
}

asio::awaitable<void> Server::State::admit_after_handshake(std::shared_ptr<State> state,
                                                           const Listener* listener,
                                                           tcp::socket socket) {
  std::optional<ClientStream> stream =
      co_await tls::tls_handshake(std::move(socket), listener->door.tls, listener->counters);
  state->handshakes.fetch_sub(1);
  if (stream) admit(state, *listener, std::move(*stream));
}

void Server::State::admit(std::shared_ptr<State> state, const Listener& listener,
                          ClientStream stream) {
  const Door& door = listener.door;
  DoorCounters& counters = *listener.counters;
  if (state->sessions.load() >= state->options.max_clients) {
    counters.refused_full.add();
    boost::system::error_code ec;
    stream.socket().non_blocking(true, ec);
    stream.end_with(door.refusal);
    const auto peer = stream.socket().remote_endpoint(ec);
    if (!ec) base::log_line(peer_name(peer) + " refused (server full)");
    return;
  }
  const actors::MemberId id{state->next_member.fetch_add(1)};
  state->sessions.fetch_add(1);
  counters.accepted.add();
  counters.connections.add();
  // Released when the connection's last coroutine lets go of it.
  SessionGuard guard(nullptr, [state, &counters](void*) {
    counters.connections.sub();
    state->sessions.fetch_sub(1);
    state->finished_one();
  });
  const auto executor = stream.get_executor();
  asio::co_spawn(executor,
                 door.serve(std::move(stream), id,
                            std::shared_ptr<const SessionContext>(state->context), counters,
                            std::move(guard)),
                 base::log_escape(door.name + " session"));
}

void Server::State::finished_one() {
  if (!stopping.load() || context->rooms->running() != 0 || sessions.load() != 0) return;
  drained.try_send(no_error);
  // Doors that answered during the drain stop now: nothing is left for them to report on.
  asio::post(accept_strand, [self = shared_from_this()] {
    boost::system::error_code ignored;
    for (Listener& listener : self->listeners) listener.acceptor.close(ignored);
  });
}

void Server::stop() {
  if (state_->stopping.exchange(true)) return;
  auto state = state_;
  state->context->metrics->stop_accepting();
  asio::post(state->accept_strand, [state] {
    boost::system::error_code ignored;
    for (Listener& listener : state->listeners)
      if (!listener.door.answers_while_draining) listener.acceptor.close(ignored);
  });
  state->context->rooms->stop();
  state->finished_one();
}

asio::awaitable<void> Server::wait_drained() {
  auto state = state_;
  co_await state->drained.async_receive(asio::as_tuple(asio::use_awaitable));
}

}  // namespace chatd::net
