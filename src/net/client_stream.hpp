// ClientStream: the bytes to and from one client — a TCP socket, or TLS over one. Every door's
// session reads and writes through it, so serving a door over TLS takes a different stream, not
// a different session.
//
// It is an Asio AsyncReadStream and AsyncWriteStream (Beast's HTTP and WebSocket code run on
// it); the fast paths that need a bare socket (peeking, writing what fits without waiting) ask
// for `plain()` and fall back to the asynchronous operations over TLS.
//
// Threading: the connection's strand; one read and one write may be in flight at once.
#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <memory>
#include <string_view>
#include <utility>
#include <variant>

namespace chatd::net {

class ClientStream {
 public:
  using executor_type = boost::asio::ip::tcp::socket::executor_type;
  // Beast's ssl_stream copies a gather write into one buffer first: Asio's TLS stream would
  // otherwise write one TLS record, and make one system call, per buffer (per chat line).
  using TlsStream = boost::beast::ssl_stream<boost::asio::ip::tcp::socket>;

  explicit ClientStream(boost::asio::ip::tcp::socket socket) : layers_(std::move(socket)) {}
  // TLS, server side, with the certificate `context` holds; the handshake is still to come.
  ClientStream(boost::asio::ip::tcp::socket socket,
               std::shared_ptr<boost::asio::ssl::context> context)
      : layers_(std::make_unique<Tls>(std::move(socket), std::move(context))) {}

  executor_type get_executor() noexcept { return socket().get_executor(); }

  // The TCP socket at the bottom: addresses, options, cancel, close.
  boost::asio::ip::tcp::socket& socket() noexcept {
    return std::visit([](auto& layer) -> boost::asio::ip::tcp::socket& { return bottom(layer); },
                      layers_);
  }
  // The socket when nothing runs over it (no TLS), else null.
  boost::asio::ip::tcp::socket* plain() noexcept {
    return std::get_if<boost::asio::ip::tcp::socket>(&layers_);
  }
  // The TLS stream, or null for a plain connection.
  TlsStream* tls() noexcept {
    auto* layer = std::get_if<std::unique_ptr<Tls>>(&layers_);
    return layer != nullptr ? &(*layer)->stream : nullptr;
  }

  // A connection's last words before it closes, best effort, without waiting and with no other
  // write in flight; over TLS then its close_notify, so that the client can tell the end from
  // a cut. What does not fit is lost, which only matters to a connection closing anyway. The
  // socket must be non-blocking.
  void end_with(std::string_view last_words) noexcept {
    boost::system::error_code ignored;
    if (!last_words.empty()) {
      std::visit(
          [&](auto& layer) { top(layer).write_some(boost::asio::buffer(last_words), ignored); },
          layers_);
    }
    // Sends close_notify; the wait for the client's own ends at once on a non-blocking socket.
    if (TlsStream* secure = tls()) secure->shutdown(ignored);
  }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const MutableBuffers& into) {
          std::visit([&](auto& layer) { top(layer).async_read_some(into, std::move(handler)); },
                     layers_);
        },
        token, buffers);
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const ConstBuffers& from) {
          std::visit([&](auto& layer) { top(layer).async_write_some(from, std::move(handler)); },
                     layers_);
        },
        token, buffers);
  }

 private:
  // Held apart so that a plain connection does not carry the TLS state's size; the context is
  // kept for as long as the connection uses the certificate it was handed (SIGHUP may replace
  // the server's).
  struct Tls {
    Tls(boost::asio::ip::tcp::socket socket, std::shared_ptr<boost::asio::ssl::context> tls)
        : context(std::move(tls)), stream(std::move(socket), *context) {}
    std::shared_ptr<boost::asio::ssl::context> context;
    TlsStream stream;
  };

  static boost::asio::ip::tcp::socket& top(boost::asio::ip::tcp::socket& socket) noexcept {
    return socket;
  }
  static TlsStream& top(std::unique_ptr<Tls>& tls) noexcept { return tls->stream; }
  static boost::asio::ip::tcp::socket& bottom(boost::asio::ip::tcp::socket& socket) noexcept {
    return socket;
  }
  static boost::asio::ip::tcp::socket& bottom(std::unique_ptr<Tls>& tls) noexcept {
    return tls->stream.next_layer();
  }

  std::variant<boost::asio::ip::tcp::socket, std::unique_ptr<Tls>> layers_;
};

// Beast closes a stream it gave up on (a WebSocket timeout) through this.
inline void beast_close_socket(ClientStream& stream) {
  boost::system::error_code ignored;
  stream.socket().close(ignored);
}

}  // namespace chatd::net
