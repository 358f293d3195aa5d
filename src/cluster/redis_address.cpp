// Parsing and printing the broker's address; see redis_address.hpp.
#include "cluster/redis_address.hpp"

#include <charconv>
#include <optional>
#include <stdexcept>

#include "base/ascii.hpp"

namespace chatd::cluster {
namespace {

constexpr std::string_view scheme = "redis://";

// The part of the URL a password may be in: between "://" and the last '@' (a password may hold
// an unescaped '@' or '/', the host part never does). Without a colon it is all password.
struct Secret {
  std::size_t begin = 0;
  std::size_t end = 0;  // == begin: there is none, or it is empty
};

Secret find_secret(std::string_view url) {
  const auto scheme_end = url.find("://");
  const std::size_t start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  const auto at = url.rfind('@');
  if (at == std::string_view::npos || at < start) return {};
  const auto colon = url.substr(start, at - start).find(':');
  if (colon == std::string_view::npos) return {start, at};
  return {start + colon + 1, at};
}

std::optional<std::string> percent_decoded(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    unsigned value = 0;
    const char* first = text.data() + i + 1;
    if (i + 2 >= text.size()) return std::nullopt;
    const auto [end, ec] = std::from_chars(first, first + 2, value, 16);
    if (ec != std::errc{} || end != first + 2) return std::nullopt;
    out += static_cast<char>(value);
    i += 2;
  }
  return out;
}

void replace_all(std::string& text, std::string_view what, std::string_view with) {
  if (what.empty()) return;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + with.size()))
    text.replace(at, what.size(), with);
}

// The one way a URL is rejected. The password is masked where it belongs, and also wherever else
// its text turns up (a password typed into the port, say), raw or decoded.
[[noreturn]] void reject(std::string_view url, std::string_view why) {
  const Secret secret = find_secret(url);
  const auto raw = url.substr(secret.begin, secret.end - secret.begin);
  std::string got(url);
  if (!raw.empty()) got.replace(secret.begin, raw.size(), "***");
  got += " (" + std::string(why) + ")";
  replace_all(got, raw, "***");
  if (const auto decoded = percent_decoded(raw)) replace_all(got, *decoded, "***");
  throw std::invalid_argument("--redis: expected redis://[:password@]HOST:PORT[/db], got " + got);
}

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '_';
}

template <class Number>
std::optional<Number> whole_number(std::string_view text) {
  Number value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

RedisAddress parse_redis_url(std::string_view url) {
  if (url.size() >= 9 && base::equal_ignoring_case(url.substr(0, 9), "rediss://"))
    reject(url, "TLS, rediss://, is not supported");
  if (url.size() < scheme.size() ||
      !base::equal_ignoring_case(url.substr(0, scheme.size()), scheme))
    reject(url, "it must start with redis://");
  RedisAddress address;
  std::string_view rest = url.substr(scheme.size());

  if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
    const auto userinfo = rest.substr(0, at);
    const auto colon = userinfo.find(':');
    if (colon == std::string_view::npos)
      reject(url, "the password goes after a colon: redis://:PASSWORD@HOST");
    auto password = percent_decoded(userinfo.substr(colon + 1));
    if (!password) reject(url, "the password has a '%' that is not followed by two hex digits");
    address.password = std::move(*password);
    rest = rest.substr(at + 1);
  }

  std::string_view authority = rest;
  std::optional<std::string_view> path;
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    authority = rest.substr(0, slash);
    path = rest.substr(slash + 1);
  }

  std::string_view port_text;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) reject(url, "an IPv6 address needs its closing ']'");
    address.host = authority.substr(1, close - 1);
    const auto after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') reject(url, "only :PORT may follow ']'");
    has_port = !after.empty();
    if (has_port) port_text = after.substr(1);
    if (address.host.empty() ||
        address.host.find_first_not_of("0123456789abcdefABCDEF:.") != std::string::npos)
      reject(url, "the host in [] must be an IPv6 address");
  } else {
    const auto colon = authority.find(':');
    if (colon != std::string_view::npos && authority.find(':', colon + 1) != std::string_view::npos)
      reject(url, "an IPv6 address needs brackets, as in redis://[::1]:6379");
    address.host = authority.substr(0, colon);
    has_port = colon != std::string_view::npos;
    if (has_port) port_text = authority.substr(colon + 1);
    if (address.host.empty()) reject(url, "the host is missing");
    for (const char c : address.host)
      if (!is_name_char(c)) reject(url, "the host must be a name or an IP address");
  }

  if (has_port) {
    const auto port = whole_number<unsigned>(port_text);
    if (!port || *port == 0 || *port > 65535)
      reject(url, "the port must be a number from 1 to 65535");
    address.port = static_cast<std::uint16_t>(*port);
  }
  if (path && !path->empty()) {
    const auto db = whole_number<int>(*path);
    if (!db || *db < 0) reject(url, "the db after '/' must be a number, 0 or more");
    address.db = *db;
  }
  return address;
}

std::string describe(const RedisAddress& address) {
  const bool ipv6 = address.host.find(':') != std::string::npos;
  std::string host = address.host;
  if (ipv6) host = "[" + host + "]";
  return "redis://" + host + ":" + std::to_string(address.port) + "/" + std::to_string(address.db);
}

}  // namespace chatd::cluster
