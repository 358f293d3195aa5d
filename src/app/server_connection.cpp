#include "app/server_connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>
#include <utility>

#include "net/peer_name.hpp"

namespace chatd::app {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;
using namespace asio::experimental::awaitable_operators;

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr auto tls_handshake_deadline = std::chrono::seconds(10);

// The client's side of TLS: the server's certificate checked against `options.ca_file` (or the
// system's authorities) and its name against the host we were asked to reach (also sent as SNI).
net::ClientStream over_tls(tcp::socket socket, const ChatClientOptions& options) {
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  error_code ignored;
  if (options.ca_file)
    context->load_verify_file(*options.ca_file, ignored);  // a bad file fails verification
  else
    context->set_default_verify_paths(ignored);
  net::ClientStream stream(std::move(socket), std::move(context));
  net::ClientStream::TlsStream& tls = *stream.tls();
  // SNI. What the SSL_set_tlsext_host_name macro expands to, without its C cast.
  SSL_ctrl(tls.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
           const_cast<char*>(options.host.c_str()));
  if (options.insecure) {
    tls.set_verify_mode(asio::ssl::verify_none);
  } else {
    tls.set_verify_mode(asio::ssl::verify_peer);
    tls.set_verify_callback(asio::ssl::host_name_verification(options.host));
  }
  return stream;
}

asio::awaitable<error_code> handshake(net::ClientStream& stream) {
  asio::steady_timer deadline(stream.get_executor(), tls_handshake_deadline);
  auto outcome =
      co_await (stream.tls()->async_handshake(asio::ssl::stream_base::client, use_tuple) ||
                deadline.async_wait(use_tuple));
  if (outcome.index() == 1) co_return asio::error::timed_out;
  co_return std::get<0>(std::get<0>(outcome));
}

}  // namespace

std::string host_and_port(const ChatClientOptions& options) {
  const bool ipv6_literal = options.host.find(':') != std::string::npos;
  return (ipv6_literal ? "[" + options.host + "]" : options.host) + ":" +
         std::to_string(options.port);
}

asio::awaitable<Connection> connect_to_server(ChatClientOptions options) {
  const auto executor = co_await asio::this_coro::executor;
  tcp::resolver resolver(executor);
  const std::string service = std::to_string(options.port);
  auto [resolve_error, endpoints] = co_await resolver.async_resolve(
      options.host, service, tcp::resolver::numeric_service, use_tuple);
  if (resolve_error) {
    Connection failed = "cannot resolve " + options.host + ": " + resolve_error.message();
    co_return std::move(failed);
  }
  tcp::socket connected(executor);
  auto [connect_error, endpoint] = co_await asio::async_connect(connected, endpoints, use_tuple);
  if (connect_error) {
    Connection failed =
        "cannot connect to " + host_and_port(options) + ": " + connect_error.message();
    co_return std::move(failed);
  }
  error_code ignored;
  connected.set_option(tcp::no_delay(true), ignored);
  Connection stream = options.tls ? over_tls(std::move(connected), options)
                                  : net::ClientStream(std::move(connected));
  if (options.tls) {
    const error_code failed = co_await handshake(std::get<net::ClientStream>(stream));
    if (failed) {
      Connection refused =
          "TLS handshake with " + host_and_port(options) + " failed: " +
          (failed == asio::error::timed_out ? std::string("timed out") : failed.message());
      co_return std::move(refused);
    }
  }
  co_return std::move(stream);
}

std::string address_name(net::ClientStream& stream) {
  error_code error;
  const tcp::endpoint local = stream.socket().local_endpoint(error);
  return error ? std::string() : net::peer_name(local);
}

}  // namespace chatd::app
