// A door's TLS twin; see tls_door.hpp.
#include "net/tls/tls_door.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <string>

#include "base/log.hpp"
#include "net/peer_name.hpp"

namespace chatd::net::tls {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
// A client that has not finished its handshake by then is not going to: it only holds a slot.
constexpr auto handshake_deadline = std::chrono::seconds(10);

// A coroutine of its own, so that the timer lives only while the handshake does.
asio::awaitable<boost::system::error_code> handshake(ClientStream& stream) {
  asio::steady_timer timer(stream.get_executor(), handshake_deadline);
  auto outcome = co_await (
      stream.tls()->async_handshake(asio::ssl::stream_base::server, use_tuple) ||
      timer.async_wait(use_tuple));
  if (outcome.index() == 1) co_return asio::error::timed_out;
  co_return std::get<0>(std::get<0>(outcome));
}

asio::awaitable<void> serve_after_handshake(ClientStream accepted, actors::MemberId id,
                                            std::shared_ptr<const SessionContext> context,
                                            DoorCounters* counters, SessionGuard guard,
                                            std::shared_ptr<TlsCredentials> credentials,
                                            ServeConnection serve) {
  tcp::socket& socket = accepted.socket();
  boost::system::error_code ec;
  const tcp::endpoint remote = socket.remote_endpoint(ec);
  if (ec) co_return;  // reset before we got to it
  ClientStream stream(std::move(socket), credentials->current());
  const boost::system::error_code failed = co_await handshake(stream);
  if (failed) {
    counters->handshakes_failed.add();
    const std::string why =
        failed == asio::error::timed_out ? std::string("timed out") : failed.message();
    base::log_line(peer_name(remote) + " TLS handshake failed: " + why);
    co_return;
  }
  co_await serve(std::move(stream), id, std::move(context), *counters, std::move(guard));
}

}  // namespace

Door over_tls(Door plain, tcp::endpoint endpoint, std::shared_ptr<TlsCredentials> credentials) {
  ServeConnection serve = [credentials, inner = std::move(plain.serve)](
                              ClientStream stream, actors::MemberId id,
                              std::shared_ptr<const SessionContext> context,
                              DoorCounters& counters, SessionGuard guard) {
    return serve_after_handshake(std::move(stream), id, std::move(context), &counters,
                                 std::move(guard), credentials, inner);
  };
  return Door{plain.name + "-tls", endpoint, std::move(serve), std::string_view(),
              plain.answers_while_draining};
}

}  // namespace chatd::net::tls
