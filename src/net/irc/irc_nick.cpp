// IRC nicks, aliases and channels; see irc_nick.hpp.
#include "net/irc/irc_nick.hpp"

#include <algorithm>
#include <array>
#include <boost/uuid/name_generator_sha1.hpp>
#include <cstddef>

namespace chatd::net::irc {

namespace {

constexpr std::size_t max_nick = 32;

constexpr bool is_letter(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
constexpr bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}
constexpr bool is_digits(std::string_view text) noexcept {
  return !text.empty() && std::all_of(text.begin(), text.end(), is_digit);
}

// "a.b.c.d:port" (shape only) -> "ip-a-b-c-d_port"; empty when `name` has another shape.
std::string ipv4_alias(std::string_view name) {
  const std::size_t colon = name.rfind(':');
  if (colon == std::string_view::npos || !is_digits(name.substr(colon + 1))) return {};
  const std::string_view address = name.substr(0, colon);
  if (std::count(address.begin(), address.end(), '.') != 3 ||
      !std::all_of(address.begin(), address.end(), [](char c) { return is_digit(c) || c == '.'; }))
    return {};
  std::string alias = "ip-";
  for (const char c : address) alias += c == '.' ? '-' : c;
  alias += '_';
  alias += name.substr(colon + 1);
  return alias;
}

// "[v6]:port" -> "[v6 with ':' as '-' and '.' as '_']_port"; empty for another shape, a
// character outside hex digits, ':' and '.', or an alias too long for a nick.
std::string ipv6_alias(std::string_view name) {
  const std::size_t close = name.rfind("]:");
  if (!name.starts_with('[') || close == std::string_view::npos ||
      !is_digits(name.substr(close + 2)))
    return {};
  const std::string_view address = name.substr(1, close - 1);
  if (address.find(':') == std::string_view::npos) return {};
  std::string alias = "[";
  for (const char c : address) {
    if (c == ':') {
      alias += '-';
    } else if (c == '.') {
      alias += '_';
    } else if (is_digit(c) || (c >= 'a' && c <= 'f')) {
      alias += c;
    } else {
      return {};
    }
  }
  alias += "]_";
  alias += name.substr(close + 2);
  return alias.size() <= max_nick ? alias : std::string{};
}

// "[" 16 hex digits "]", then "_port" when `name` ends in ":port".
std::string hashed_alias(std::string_view name) {
  const boost::uuids::name_generator_sha1 generate(boost::uuids::ns::oid());
  const boost::uuids::uuid id = generate(name.data(), name.size());
  // Bytes 6 and 8 carry the UUID's version and variant bits; the rest are all hash.
  constexpr std::array<std::size_t, 8> hash_bytes{0, 1, 2, 3, 4, 5, 9, 10};
  constexpr std::string_view hex = "0123456789abcdef";
  std::string alias = "[";
  for (const std::size_t i : hash_bytes) {
    alias += hex[id.data[i] >> 4];
    alias += hex[id.data[i] & 0x0F];
  }
  alias += ']';
  const std::size_t colon = name.rfind(':');
  const std::string_view port = colon == std::string_view::npos ? "" : name.substr(colon + 1);
  if (is_digits(port) && port.size() <= 5) {
    alias += '_';
    alias += port;
  }
  return alias;
}

}  // namespace

bool is_valid_irc_nick(std::string_view name) {
  if (name.empty() || name.size() > max_nick) return false;
  const auto is_special = [](char c) {
    return std::string_view("[]`_^{|}").find(c) != std::string_view::npos;
  };
  if (!is_letter(name.front()) && !is_special(name.front())) return false;
  return std::all_of(name.begin(), name.end(), [&](char c) {
    return is_letter(c) || is_digit(c) || is_special(c) || c == '-';
  });
}

std::string irc_alias(std::string_view chatd_name) {
  if (is_valid_irc_nick(chatd_name)) return std::string(chatd_name);
  if (std::string alias = ipv4_alias(chatd_name); is_valid_irc_nick(alias)) return alias;
  if (std::string alias = ipv6_alias(chatd_name); !alias.empty()) return alias;
  return hashed_alias(chatd_name);
}

std::optional<std::string> room_of_channel(std::string_view channel) {
  if (!channel.starts_with('#')) return std::nullopt;
  const std::string_view room = channel.substr(1);
  if (!is_valid_irc_nick(room)) return std::nullopt;
  return std::string(room);
}

std::string channel_of_room(std::string_view room) {
  return "#" + std::string(room);
}

}  // namespace chatd::net::irc
