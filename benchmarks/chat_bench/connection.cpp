// A member's connection through one of chatd's doors; see connection.hpp.
#include "chat_bench/connection.hpp"

#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream_base.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string_view.hpp>

#include "chat_bench/irc_record.hpp"

namespace chatd::chat_bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using asio::ip::tcp;

namespace {

constexpr unsigned char kFinal = 0x80;
constexpr unsigned char kText = 0x1;
constexpr unsigned char kPong = 0xA;
constexpr unsigned char kMasked = 0x80;
// The most a window frame may hold: chatd answers a frame over --max-line + 512 bytes (4 KiB +
// 512 by default) with an error instead of relaying it. A window of 64 lines of 64 bytes fits.
constexpr std::size_t kMostWindowFrameBytes = 4096 + 512;

// Registration sends a few hundred bytes (001 to 005, the MOTD or 422); more than this without
// a 001 is not an IRC server.
constexpr std::size_t kMostRegistrationBytes = 64 * 1024;

using Stream = std::variant<tcp::socket, WebStream, TlsStream>;

Stream stream_for(Strand strand, Door door, asio::ssl::context* tls) {
  if (door == Door::web) return Stream(std::in_place_type<WebStream>, std::move(strand));
  if (tls != nullptr) return Stream(std::in_place_type<TlsStream>, std::move(strand), *tls);
  return Stream(std::in_place_type<tcp::socket>, std::move(strand));
}

// Distinct, never-zero seeds for the connections' masking keys (xorshift32 stays at zero).
std::uint32_t mask_seed() {
  static std::atomic<std::uint32_t> connections{0};
  const std::uint32_t seed = (connections.fetch_add(1) + 1) * 2654435761U;
  return seed != 0 ? seed : 1;
}

// A client frame's header without the key (RFC 6455 §5.2): FIN, the opcode, MASK, and the
// payload length in the shortest of its three encodings (servers refuse a longer one).
void append_header(std::string& out, unsigned char opcode, std::uint64_t payload) {
  out += static_cast<char>(kFinal | opcode);
  if (payload < 126) {
    out += static_cast<char>(kMasked | payload);
  } else if (payload <= 0xFFFF) {
    out += static_cast<char>(kMasked | 126);
    out += static_cast<char>(payload >> 8);
    out += static_cast<char>(payload & 0xFF);
  } else {
    out += static_cast<char>(kMasked | 127);
    for (int shift = 56; shift >= 0; shift -= 8)
      out += static_cast<char>((payload >> shift) & 0xFF);
  }
}

}  // namespace

Connection::Connection(Strand strand, Door door, WebFrames web_frames, asio::ssl::context* tls)
    : door_(door),
      web_frames_(web_frames),
      stream_(stream_for(std::move(strand), door, tls)),
      mask_state_(mask_seed()) {}

tcp::socket& Connection::socket() noexcept {
  if (auto* web_stream = std::get_if<WebStream>(&stream_)) return web_stream->next_layer();
  if (auto* secure = std::get_if<TlsStream>(&stream_)) return secure->next_layer();
  return std::get<tcp::socket>(stream_);
}

asio::awaitable<std::optional<std::string>> Connection::open(std::string host, std::string nick) {
  if (auto* secure = std::get_if<TlsStream>(&stream_)) {
    auto [handshake_ec] = co_await secure->async_handshake(asio::ssl::stream_base::client,
                                                           asio::as_tuple(asio::use_awaitable));
    if (handshake_ec) co_return "TLS handshake: " + handshake_ec.message();
  }
  if (door_ == Door::irc) co_return co_await register_irc(std::move(nick));
  if (door_ != Door::web) co_return std::nullopt;
  WebStream& stream = web();
  // No time limits of Beast's own: the conductor closes the socket at the run's deadline, which
  // ends a pending upgrade or read. The server's pings (after 30 s of silence from us) are
  // answered by whichever reader holds the connection.
  websocket::stream_base::timeout no_limits{};
  no_limits.handshake_timeout = websocket::stream_base::none();
  no_limits.idle_timeout = websocket::stream_base::none();
  no_limits.keep_alive_pings = false;
  stream.set_option(no_limits);
  auto [upgrade_ec] =
      co_await stream.async_handshake(host, "/ws", asio::as_tuple(asio::use_awaitable));
  if (upgrade_ec) co_return "WebSocket upgrade: " + upgrade_ec.message();
  // The welcome is sent first, alone; nothing else is sent to a member before the warm-up
  // begins but notices, which the run ignores.
  beast::flat_buffer welcome;
  auto [read_ec, size] = co_await stream.async_read(welcome, asio::as_tuple(asio::use_awaitable));
  if (read_ec) co_return "WebSocket welcome: " + read_ec.message();
  const std::string_view payload(static_cast<const char*>(welcome.cdata().data()), size);
  if (!payload.starts_with(R"({"type":"welcome")"))
    co_return "WebSocket welcome: the first frame was " + std::string(payload.substr(0, 80));
  co_return std::nullopt;
}

// Registers, reads up to the 001 (what comes after it in the same read is the rest of the
// welcome, which no reader needs), then joins: the JOIN's echo, topic and names come to the
// reader, which ignores them as it ignores the line door's notices.
asio::awaitable<std::optional<std::string>> Connection::register_irc(std::string nick) {
  const std::string registration = irc_registration(nick);
  auto [write_ec, written] = co_await asio::async_write(*this, asio::buffer(registration),
                                                        asio::as_tuple(asio::use_awaitable));
  if (write_ec) co_return "IRC registration: " + write_ec.message();
  std::string received;
  std::array<char, 4096> chunk{};
  std::size_t line_start = 0;
  bool welcomed = false;
  while (!welcomed) {
    auto [read_ec, size] =
        co_await async_read_some(asio::buffer(chunk), asio::as_tuple(asio::use_awaitable));
    if (read_ec) co_return "IRC registration: " + read_ec.message();
    received.append(chunk.data(), size);
    for (auto end = received.find('\n', line_start); end != std::string::npos && !welcomed;
         end = received.find('\n', line_start)) {
      const std::string_view line(received.data() + line_start, end - line_start);
      line_start = end + 1;
      const auto reply = classify_registration_reply(line);
      if (reply == IrcReply::refused) co_return "IRC registration refused: " + std::string(line);
      welcomed = reply == IrcReply::welcome;
    }
    if (!welcomed && received.size() > kMostRegistrationBytes)
      co_return "IRC registration: no 001 in the first " + std::to_string(received.size()) +
                " bytes";
  }
  std::string join = "JOIN ";
  join.append(kIrcChannel).append("\r\n");
  auto [join_ec, join_written] =
      co_await asio::async_write(*this, asio::buffer(join), asio::as_tuple(asio::use_awaitable));
  if (join_ec) co_return "IRC JOIN: " + join_ec.message();
  co_return std::nullopt;
}

const std::string& Connection::wire_bytes(const std::string& lines, std::string& framed) {
  if (door_ == Door::line) return lines;
  framed.clear();
  if (door_ == Door::irc) {
    std::string_view rest(lines);
    for (auto end = rest.find('\n'); !rest.empty(); end = rest.find('\n')) {
      append_irc_privmsg(framed, rest.substr(0, end));
      rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
    }
    return framed;
  }
  std::string_view rest(lines);
  while (!rest.empty()) {
    // One line, or for window framing as many whole lines as fit (at least one).
    std::size_t end = rest.find('\n');
    if (end == std::string_view::npos) end = rest.size();
    if (web_frames_ == WebFrames::window) {
      for (std::size_t next = rest.find('\n', end + 1);
           next != std::string_view::npos && next <= kMostWindowFrameBytes;
           next = rest.find('\n', end + 1)) {
        end = next;
      }
    }
    if (web_frames_ == WebFrames::say) {
      say_.assign(R"({"type":"say","text":)");
      say_ += boost::json::serialize(boost::json::string_view(rest.data(), end));
      say_ += '}';
      append_frame(framed, kText, say_);
    } else {
      append_frame(framed, kText, rest.substr(0, end));
    }
    rest.remove_prefix(std::min(end + 1, rest.size()));
  }
  return framed;
}

void Connection::append_pong(std::string& out, std::string_view payload) {
  append_frame(out, kPong, payload);
}

void Connection::append_frame(std::string& out, unsigned char opcode, std::string_view payload) {
  append_header(out, opcode, payload.size());
  const std::uint32_t key = next_mask_key();
  const std::array<unsigned char, 4> key_bytes{
      static_cast<unsigned char>(key >> 24), static_cast<unsigned char>(key >> 16),
      static_cast<unsigned char>(key >> 8), static_cast<unsigned char>(key)};
  for (const unsigned char byte : key_bytes) out += static_cast<char>(byte);
  const auto begin = out.size();
  out += payload;
  for (std::size_t index = 0; index < payload.size(); ++index) {
    auto& byte = out[begin + index];
    byte = static_cast<char>(static_cast<unsigned char>(byte) ^ key_bytes[index % 4]);
  }
}

std::uint32_t Connection::next_mask_key() noexcept {
  mask_state_ ^= mask_state_ << 13;
  mask_state_ ^= mask_state_ >> 17;
  mask_state_ ^= mask_state_ << 5;
  return mask_state_;
}

}  // namespace chatd::chat_bench
