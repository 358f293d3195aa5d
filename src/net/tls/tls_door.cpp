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

}  // namespace

Door over_tls(Door plain, tcp::endpoint endpoint, std::shared_ptr<TlsCredentials> credentials) {
  plain.name += "-tls";
  plain.endpoint = endpoint;
  plain.tls = std::move(credentials);
  return plain;
}

asio::awaitable<std::optional<ClientStream>> tls_handshake(
    tcp::socket socket, std::shared_ptr<TlsCredentials> credentials, DoorCounters* counters) {
  boost::system::error_code ec;
  const tcp::endpoint remote = socket.remote_endpoint(ec);
  if (ec) co_return std::nullopt;  // reset before we got to it
  ClientStream stream(std::move(socket), credentials->current());
  const boost::system::error_code failed = co_await handshake(stream);
  if (failed) {
    counters->handshakes_failed.add();
    const std::string why =
        failed == asio::error::timed_out ? std::string("timed out") : failed.message();
    base::log_line(peer_name(remote) + " TLS handshake failed: " + why);
    co_return std::nullopt;
  }
  co_return std::optional<ClientStream>(std::move(stream));
}

}  // namespace chatd::net::tls
