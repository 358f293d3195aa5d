// The tests' WebSocket client; see ws_client.hpp.
#include "support/ws_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/json/parse.hpp>

namespace chatd::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using asio::ip::tcp;

WsClient::WsClient(std::uint16_t port, Options options) : ws_(io_) {
  tcp::socket& socket = ws_.next_layer();
  socket.open(tcp::v4());
  if (options.receive_buffer > 0)
    socket.set_option(asio::socket_base::receive_buffer_size(options.receive_buffer));
  socket.connect({asio::ip::address_v4::loopback(), port});
  const std::string origin = options.origin;
  ws_.set_option(websocket::stream_base::decorator([origin](websocket::request_type& request) {
    if (!origin.empty()) request.set(beast::http::field::origin, origin);
  }));
  ws_.handshake("127.0.0.1:" + std::to_string(port), options.path);
}

std::string WsClient::name() const {
  const auto local = ws_.next_layer().local_endpoint();
  return local.address().to_string() + ":" + std::to_string(local.port());
}

void WsClient::send(std::string_view text) {
  ws_.text(true);
  ws_.write(asio::buffer(text));
}

void WsClient::send_binary(std::string_view bytes) {
  ws_.binary(true);
  ws_.write(asio::buffer(bytes));
}

void WsClient::send_raw(std::string_view bytes) {
  asio::write(ws_.next_layer(), asio::buffer(bytes));
}

void WsClient::send_fragmented(std::string_view text, std::size_t piece) {
  ws_.text(true);
  while (text.size() > piece) {
    ws_.write_some(false, asio::buffer(text.substr(0, piece)));
    text.remove_prefix(piece);
  }
  ws_.write_some(true, asio::buffer(text));
}

std::optional<std::string> WsClient::read_text(std::chrono::milliseconds timeout) {
  // Asynchronous under the hood so the wait is bounded (a blocking Asio read ignores
  // SO_RCVTIMEO); a read that timed out leaves the stream unusable, which is fine: a test that
  // saw nothing arrive is done with this client.
  beast::flat_buffer buffer;
  std::optional<boost::system::error_code> result;
  ws_.async_read(buffer, [&result](boost::system::error_code ec, std::size_t) { result = ec; });
  io_.restart();
  io_.run_for(timeout);
  if (!result) {
    boost::system::error_code ignored;
    ws_.next_layer().cancel(ignored);
    io_.restart();
    io_.run();
    return std::nullopt;
  }
  if (*result) {
    note_close();
    return std::nullopt;
  }
  return beast::buffers_to_string(buffer.data());
}

std::optional<boost::json::object> WsClient::read(std::chrono::milliseconds timeout) {
  const auto text = read_text(timeout);
  if (!text) return std::nullopt;
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(*text, ec);
  if (ec || !value.is_object()) throw std::runtime_error("not a JSON object: " + *text);
  return std::move(value.as_object());
}

std::optional<boost::json::object> WsClient::read_type(std::string_view type,
                                                       std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    auto object = read(left);
    if (!object) return std::nullopt;
    if (text_of(*object, "type") == type) return object;
  }
}

bool WsClient::wait_closed(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    beast::flat_buffer buffer;
    std::optional<boost::system::error_code> result;
    ws_.async_read(buffer, [&result](boost::system::error_code ec, std::size_t) { result = ec; });
    io_.restart();
    io_.run_for(left);
    if (!result) {
      boost::system::error_code ignored;
      ws_.next_layer().cancel(ignored);
      io_.restart();
      io_.run();
      return false;
    }
    if (*result) {
      note_close();
      return true;
    }
  }
}

void WsClient::note_close() {
  // The server may close its socket right after its close frame: the reason counts even when
  // answering it then failed.
  if (ws_.reason().code == 0) return;
  close_code_ = ws_.reason().code;
  close_reason_ = std::string(ws_.reason().reason.c_str());
}

std::string text_of(const boost::json::object& object, std::string_view key) {
  const auto* field = object.if_contains(key);
  if (field == nullptr || !field->is_string()) return {};
  return std::string(field->as_string().c_str());
}

}  // namespace chatd::test
