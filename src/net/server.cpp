// Server: the room, the listener and the sessions on one io_context; see server.hpp.
#include "net/server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <string>

#include "net/listener.hpp"
#include "net/log.hpp"

namespace chatd::net {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {
const boost::system::error_code no_error;

// Completion handler for spawned coroutines: an escaped exception is a bug in one session (or
// the room) and is logged, not allowed to take the whole server down.
auto log_escape(std::string what) {
  return [what = std::move(what)](std::exception_ptr error) {
    if (!error) return;
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      log_line(what + " failed: " + e.what());
    }
  };
}
}  // namespace

Server::State::State(asio::io_context& io_context, ServerOptions server_options)
    : io(io_context),
      options(std::move(server_options)),
      accept_strand(asio::make_strand(io.get_executor())),
      acceptor(accept_strand),
      context(std::make_shared<SessionContext>()),
      drained(io.get_executor(), 1) {
  acceptor.open(options.endpoint.protocol());
  acceptor.set_option(tcp::acceptor::reuse_address(true));
  acceptor.bind(options.endpoint);
  acceptor.listen(asio::socket_base::max_listen_connections);
}

Server::Server(asio::io_context& io, ServerOptions options)
    : state_(std::make_shared<State>(io, std::move(options))) {
  // The rooms report their end through a weak pointer: they may outlive the server's state.
  std::weak_ptr<State> weak = state_;
  state_->context->rooms =
      std::make_shared<actors::RoomDirectory>(io.get_executor(), state_->options.room, [weak] {
        if (auto state = weak.lock()) state->finished_one();
      });
  state_->context->names = std::make_shared<actors::NameRegistry>();
  state_->context->limits = state_->options.session;
  state_->context->limits.max_write =
      std::min(state_->options.session.max_write, state_->options.room.outbox_bytes / 4);
  state_->lobby = state_->context->rooms->open_lobby();
}

tcp::endpoint Server::local_endpoint() const {
  return state_->acceptor.local_endpoint();
}

void Server::start() {
  auto state = state_;
  asio::co_spawn(
      state->accept_strand,
      [state]() -> asio::awaitable<void> {
        // A named handler: a capturing lambda temporary inside a co_await statement is
        // destroyed twice by g++ 12.
        ClientHandler start_session = [state](tcp::socket socket) {
          State::start_session(state, std::move(socket));
        };
        co_await accept_clients(state->acceptor, state->io.get_executor(),
                                std::move(start_session));
      },
      log_escape("listener"));
}

namespace {
// Best effort, without waiting: the client is refused either way.
void refuse(tcp::socket& socket, std::string_view why) {
  boost::system::error_code ignored;
  socket.non_blocking(true, ignored);
  socket.write_some(asio::buffer(why), ignored);
}
}  // namespace

void Server::State::start_session(std::shared_ptr<State> state, tcp::socket socket) {
  if (state->sessions.load() >= state->options.max_clients) {
    refuse(socket, "! server full\n");
    boost::system::error_code ec;
    const auto peer = socket.remote_endpoint(ec);
    if (!ec)
      log_line(peer.address().to_string() + ":" + std::to_string(peer.port()) +
               " refused (server full)");
    return;
  }
  const actors::MemberId id{state->next_member++};
  state->sessions.fetch_add(1);
  // Released when the session's last coroutine lets go of it.
  SessionGuard guard(nullptr, [state](void*) {
    state->sessions.fetch_sub(1);
    state->finished_one();
  });
  const auto executor = socket.get_executor();
  asio::co_spawn(
      executor,
      [context = std::shared_ptr<const SessionContext>(state->context), socket = std::move(socket),
       id, guard = std::move(guard)]() mutable -> asio::awaitable<void> {
        co_await run_session(std::move(socket), id, context, std::move(guard));
      },
      log_escape("session"));
}

void Server::State::finished_one() {
  if (stopping.load() && context->rooms->running() == 0 && sessions.load() == 0)
    drained.try_send(no_error);
}

void Server::stop() {
  if (state_->stopping.exchange(true)) return;
  auto state = state_;
  asio::post(state->accept_strand, [state] {
    boost::system::error_code ignored;
    state->acceptor.close(ignored);
  });
  state->context->rooms->stop();
  state->finished_one();
}

asio::awaitable<void> Server::wait_drained() {
  auto state = state_;
  co_await state->drained.async_receive(asio::as_tuple(asio::use_awaitable));
}

}  // namespace chatd::net
