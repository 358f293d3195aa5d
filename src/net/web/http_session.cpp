// The web door's HTTP side; see http_session.hpp.
#include "net/web/http_session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <chrono>
#include <string>

#include "base/log.hpp"
#include "net/metrics_text.hpp"
#include "net/peer_name.hpp"
#include "net/web/assets.hpp"
#include "net/web/origin.hpp"
#include "net/web/ws_session.hpp"

namespace chatd::net::web {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
// A request (and the wait for the next one on a kept-alive connection) must arrive in this
// time, and an answer must be taken in this time: a slowloris holds a connection no longer.
constexpr auto request_deadline = std::chrono::seconds(10);
constexpr std::uint32_t header_limit = 8 * 1024;

using Response = http::response<http::string_body>;

Response answer(const http::request<http::empty_body>& request, http::status status,
                std::string_view content_type, std::string body) {
  Response response(status, request.version());
  response.set(http::field::server, "chatd");
  response.set(http::field::content_type, content_type);
  response.set(http::field::cache_control, "no-cache");
  response.set("X-Content-Type-Options", "nosniff");
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

Response plain(const http::request<http::empty_body>& request, http::status status,
               std::string text) {
  return answer(request, status, "text/plain; charset=utf-8", std::move(text) + "\n");
}

// What a request that is not an upgrade gets.
Response route(const http::request<http::empty_body>& request, const SessionContext& context) {
  const std::string_view target(request.target().data(), request.target().size());
  const std::string_view path = target.substr(0, target.find('?'));
  const ServerMetrics& metrics = *context.metrics;
  if (path == "/metrics")
    return answer(request, http::status::ok, "text/plain; version=0.0.4; charset=utf-8",
                  metrics_text(metrics, *context.rooms,
                               context.cluster ? &context.cluster->counters() : nullptr));
  if (path == "/healthz")
    return metrics.accepting() ? plain(request, http::status::ok, "ok")
                               : plain(request, http::status::service_unavailable, "draining");
  if (path == "/ws")
    return plain(request, http::status::upgrade_required, "this is a WebSocket endpoint");
  const Asset* asset = find_asset(path);
  if (asset == nullptr) return plain(request, http::status::not_found, "not found");
  Response response =
      answer(request, http::status::ok, asset->content_type, std::string(asset->body));
  // The page needs nothing from anywhere else; nothing injected could load or run either.
  response.set("Content-Security-Policy",
               "default-src 'self'; connect-src 'self'; frame-ancestors 'none'");
  return response;
}

// Writes `response` (only its header for HEAD) unless the deadline passes first.
asio::awaitable<bool> send(ClientStream& stream, Response response, bool head_only) {
  http::response_serializer<http::string_body> serializer(response);
  asio::steady_timer timer(stream.get_executor(), request_deadline);
  if (head_only) {
    auto outcome = co_await (http::async_write_header(stream, serializer, use_tuple) ||
                             timer.async_wait(use_tuple));
    co_return outcome.index() == 0 && !std::get<0>(std::get<0>(outcome));
  }
  auto outcome =
      co_await (http::async_write(stream, serializer, use_tuple) || timer.async_wait(use_tuple));
  co_return outcome.index() == 0 && !std::get<0>(std::get<0>(outcome));
}

}  // namespace

asio::awaitable<void> serve_http(ClientStream stream, actors::MemberId id,
                                 std::shared_ptr<const SessionContext> context,
                                 DoorCounters* counters, SessionGuard guard,
                                 std::shared_ptr<const WebOptions> options) {
  tcp::socket& socket = stream.socket();
  boost::system::error_code ec;
  const tcp::endpoint remote = socket.remote_endpoint(ec);
  if (ec) co_return;
  socket.set_option(tcp::no_delay(true), ec);
  const std::string peer = peer_name(remote);
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::empty_body> parser;
    parser.header_limit(header_limit);
    asio::steady_timer timer(socket.get_executor(), request_deadline);
    auto outcome = co_await (http::async_read(stream, buffer, parser, use_tuple) ||
                             timer.async_wait(use_tuple));
    if (outcome.index() == 1) {
      if (buffer.size() > 0) base::log_line(peer + " HTTP request timed out");
      co_return;
    }
    const auto [read_error, read] = std::get<0>(outcome);
    counters->bytes_in.add(read);
    if (read_error == http::error::end_of_stream) co_return;
    if (read_error) {
      base::log_line(peer + " bad HTTP request: " + read_error.message());
      http::request<http::empty_body> nothing;
      const auto status = read_error == http::error::header_limit
                              ? http::status::request_header_fields_too_large
                              : http::status::bad_request;
      Response refusal = plain(nothing, status, read_error.message());
      refusal.keep_alive(false);
      co_await send(stream, std::move(refusal), false);
      co_return;
    }
    http::request<http::empty_body>& request = parser.get();
    const bool accepting = context->metrics->accepting();
    const bool head = request.method() == http::verb::head;
    Response response;
    if (request.method() != http::verb::get && !head) {
      response = plain(request, http::status::method_not_allowed, "only GET and HEAD");
      response.set(http::field::allow, "GET, HEAD");
    } else if (beast::websocket::is_upgrade(request)) {
      const std::string_view target(request.target().data(), request.target().size());
      const auto origin = request[http::field::origin];
      const auto host = request[http::field::host];
      if (target.substr(0, target.find('?')) != "/ws") {
        response = plain(request, http::status::not_found, "not found");
      } else if (!origin_allowed(std::string_view(origin.data(), origin.size()),
                                 std::string_view(host.data(), host.size()),
                                 stream.tls() != nullptr, options->allowed_origins)) {
        base::log_line(peer + " WebSocket refused: origin " +
                       std::string(origin.data(), origin.size()) + " not allowed");
        response = plain(request, http::status::forbidden, "origin not allowed");
      } else if (!accepting) {
        response = plain(request, http::status::service_unavailable, "server shutting down");
      } else {
        start_ws_session(std::move(stream), parser.release(), peer, id, std::move(context),
                         *counters, std::move(guard));
        co_return;
      }
    } else {
      response = route(request, *context);
    }
    // Draining, every answer is the connection's last.
    const bool keep_alive = request.keep_alive() && accepting;
    response.keep_alive(keep_alive);
    const std::size_t size = response.body().size();
    const bool sent = co_await send(stream, std::move(response), head);
    if (!sent) co_return;
    counters->bytes_out.add(size);
    if (!keep_alive) {
      socket.shutdown(tcp::socket::shutdown_send, ec);
      co_return;
    }
  }
}

}  // namespace chatd::net::web
