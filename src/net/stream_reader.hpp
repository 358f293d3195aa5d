// StreamReader: how a door that frames and paces its clients' input reads a ClientStream.
//
// On a plain socket it waits for readability without a buffer and then reads what the kernel
// holds into the thread's scratch buffer — peeking when paced, so that what the budget does not
// let through stays in the kernel (TCP back-pressure does the rest). Over TLS only a read
// decrypts: it reads into a small buffer of its own, which is not refilled until the door has
// taken everything in it, so a paced TLS client is held back by the same budget.
//
// Threading: the connection's strand.
#pragma once

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstddef>
#include <memory>
#include <span>

#include "net/client_stream.hpp"

namespace chatd::net {

// Whether `first_bytes`, the first a client sent, open a TLS handshake (a handshake record,
// 0x16): a TLS client that found a plaintext port. No line or IRC client starts so.
inline bool opens_tls_handshake(std::span<const char> first_bytes) noexcept {
  return !first_bytes.empty() && first_bytes.front() == '\x16';
}

class StreamReader {
 public:
  explicit StreamReader(ClientStream& stream) : stream_(stream) {}

  // Completes when there may be input to read, or a TLS read found the end (read_available then
  // reports it); with operation_aborted when cancelled through `slot`. An idle plain connection
  // holds no buffer while it waits.
  boost::asio::awaitable<boost::system::error_code> wait_for_input(
      boost::asio::cancellation_slot slot) {
    namespace asio = boost::asio;
    constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
    if (asio::ip::tcp::socket* socket = stream_.plain()) {
      auto [ec] = co_await socket->async_wait(asio::ip::tcp::socket::wait_read,
                                              asio::bind_cancellation_slot(slot, use_tuple));
      co_return ec;
    }
    if (begin_ < end_ || error_) co_return boost::system::error_code();
    if (!buffer_) buffer_ = std::make_unique<char[]>(tls_buffer_size);
    begin_ = end_ = 0;
    auto [ec, read] = co_await stream_.async_read_some(
        asio::buffer(buffer_.get(), tls_buffer_size), asio::bind_cancellation_slot(slot, use_tuple));
    if (ec == asio::error::operation_aborted) co_return ec;
    end_ = read;
    // A client that closes without TLS's close_notify has still closed.
    error_ = ec == asio::ssl::error::stream_truncated ? asio::error::eof : ec;
    co_return boost::system::error_code();
  }

  // Hands the bytes that have arrived to `take(std::span<const char>)`, which returns how many
  // it consumed; `paced`: what it leaves must stay to be read again. Returns would_block when
  // nothing is there, eof at the end, and `consumed` says how many bytes were taken.
  template <class Take>
  boost::system::error_code read_available(bool paced, std::size_t& consumed, Take&& take) {
    namespace asio = boost::asio;
    consumed = 0;
    asio::ip::tcp::socket* socket = stream_.plain();
    if (socket == nullptr) {
      if (begin_ == end_) return error_ ? error_ : asio::error::would_block;
      consumed = take(std::span<const char>(buffer_.get() + begin_, end_ - begin_));
      begin_ += consumed;
      return begin_ == end_ ? error_ : boost::system::error_code();
    }
    // A plain function, not a coroutine: the scratch buffer is never held across a suspension.
    thread_local std::array<char, 64 * 1024> scratch;
    boost::system::error_code ec;
    const std::size_t n = socket->receive(
        asio::buffer(scratch), paced ? asio::ip::tcp::socket::message_peek : 0, ec);
    if (ec) return ec;
    if (n == 0) return asio::error::eof;
    const std::size_t taken = take(std::span<const char>(scratch.data(), n));
    if (paced) socket->receive(asio::buffer(scratch.data(), taken), 0, ec);
    consumed = paced ? taken : n;
    return ec;
  }

 private:
  // Decrypted input, at most this much at a time (a TLS record holds up to 16 KiB; a chat line
  // rarely needs more than this).
  static constexpr std::size_t tls_buffer_size = 4096;

  ClientStream& stream_;
  // Over TLS only: [begin_, end_) of buffer_ not taken yet, and how the read that brought them
  // ended, reported once they have been taken.
  std::unique_ptr<char[]> buffer_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  boost::system::error_code error_;
};

}  // namespace chatd::net
