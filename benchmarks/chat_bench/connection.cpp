// A member's connection through one of chatd's doors; see connection.hpp.
#include "chat_bench/connection.hpp"

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/websocket/stream_base.hpp>

namespace chatd::chat_bench {

namespace asio = boost::asio;
namespace websocket = boost::beast::websocket;
using asio::ip::tcp;

namespace {

constexpr unsigned char kFinalTextFrame = 0x81;
constexpr unsigned char kMasked = 0x80;

std::variant<tcp::socket, WebStream> stream_for(Strand strand, Door door) {
  if (door == Door::web) return std::variant<tcp::socket, WebStream>(std::in_place_type<WebStream>, strand);
  return std::variant<tcp::socket, WebStream>(std::in_place_type<tcp::socket>, strand);
}

// Distinct, never-zero seeds for the connections' masking keys (xorshift32 stays at zero).
std::uint32_t mask_seed() {
  static std::atomic<std::uint32_t> connections{0};
  const std::uint32_t seed = (connections.fetch_add(1) + 1) * 2654435761U;
  return seed != 0 ? seed : 1;
}

// The client-to-server frame header of RFC 6455 §5.2 without the key: FIN + text, MASK, and the
// payload length in the shortest of its three encodings (servers refuse a longer one).
void append_header(std::string& out, std::uint64_t payload) {
  out += static_cast<char>(kFinalTextFrame);
  if (payload < 126) {
    out += static_cast<char>(kMasked | payload);
  } else if (payload <= 0xFFFF) {
    out += static_cast<char>(kMasked | 126);
    out += static_cast<char>(payload >> 8);
    out += static_cast<char>(payload & 0xFF);
  } else {
    out += static_cast<char>(kMasked | 127);
    for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((payload >> shift) & 0xFF);
  }
}

}  // namespace

Connection::Connection(Strand strand, Door door)
    : door_(door), stream_(stream_for(std::move(strand), door)), mask_state_(mask_seed()) {}

tcp::socket& Connection::socket() noexcept {
  if (auto* web_stream = std::get_if<WebStream>(&stream_)) return web_stream->next_layer();
  return std::get<tcp::socket>(stream_);
}

asio::awaitable<std::optional<std::string>> Connection::open(std::string host,
                                                             loadgen::Clock::time_point deadline) {
  if (door_ != Door::web) co_return std::nullopt;
  const auto now = loadgen::Clock::now();
  if (now >= deadline) co_return "WebSocket upgrade: timed out";
  WebStream& stream = web();
  // The handshake is bounded by the run's deadline; after it, reads wait until we close the
  // socket, and the server's pings (after 30 s of silence from us) are answered by Beast.
  websocket::stream_base::timeout limits{};
  limits.handshake_timeout = deadline - now;
  limits.idle_timeout = websocket::stream_base::none();
  limits.keep_alive_pings = false;
  stream.set_option(limits);
  auto [ec] = co_await stream.async_handshake(host, "/ws", asio::as_tuple(asio::use_awaitable));
  if (ec) co_return "WebSocket upgrade: " + ec.message();
  co_return std::nullopt;
}

void Connection::append_line(std::string& batch, std::string_view line) {
  if (door_ == Door::line) {
    batch += line;
    batch += '\n';
    return;
  }
  append_header(batch, line.size());
  const std::uint32_t key = next_mask_key();
  const unsigned char key_bytes[4] = {
      static_cast<unsigned char>(key >> 24), static_cast<unsigned char>(key >> 16),
      static_cast<unsigned char>(key >> 8), static_cast<unsigned char>(key)};
  for (const unsigned char byte : key_bytes) batch += static_cast<char>(byte);
  const auto begin = batch.size();
  batch += line;
  for (std::size_t index = 0; index < line.size(); ++index) {
    batch[begin + index] = static_cast<char>(static_cast<unsigned char>(batch[begin + index]) ^
                                             key_bytes[index % 4]);
  }
}

std::uint32_t Connection::next_mask_key() noexcept {
  mask_state_ ^= mask_state_ << 13;
  mask_state_ ^= mask_state_ >> 17;
  mask_state_ ^= mask_state_ << 5;
  return mask_state_;
}

}  // namespace chatd::chat_bench
