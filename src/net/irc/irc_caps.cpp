// CAP negotiation and the server-time tag; see irc_caps.hpp.
#include "net/irc/irc_caps.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <optional>
#include <vector>

#include "net/irc/irc_message.hpp"
#include "net/irc/irc_numerics.hpp"

namespace chatd::net::irc {

namespace {

struct Offered {
  std::string_view name;
  Cap cap;
};
// Sorted by name, the order CAP LS lists them in.
constexpr std::array<Offered, 3> offered{{{"echo-message", Cap::echo_message},
                                          {"multi-prefix", Cap::multi_prefix},
                                          {"server-time", Cap::server_time}}};

// A client-chosen subcommand echoed in 410 is cut to this many bytes.
constexpr std::size_t max_echo = 32;

std::optional<Cap> cap_named(std::string_view name) {
  const auto found = std::find_if(offered.begin(), offered.end(),
                                  [name](const Offered& o) { return o.name == name; });
  if (found == offered.end()) return std::nullopt;
  return found->cap;
}

std::string cap_line(std::string_view server, std::string_view target, std::string_view verb,
                     std::string_view list) {
  return irc_line(server, "CAP", {target, verb, list});
}

std::string upper(std::string_view text) {
  std::string result(text);
  for (char& c : result) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return result;
}

void append_two_digits(std::string& out, unsigned value) {
  out += static_cast<char>('0' + value / 10 % 10);
  out += static_cast<char>('0' + value % 10);
}

}  // namespace

std::string CapNegotiation::handle(std::span<const std::string> params, std::string_view server,
                                   std::string_view target, Phase phase) {
  if (params.empty()) return numeric_line(server, Numeric::err_needmoreparams, target, {"CAP"});
  const std::string subcommand = upper(params[0]);
  if (subcommand == "LS") {
    if (phase == Phase::registering) holding_ = true;
    if (params.size() > 1) {
      int version = 0;
      const std::string& given = params[1];
      const auto [end, error] = std::from_chars(given.data(), given.data() + given.size(), version);
      if (error == std::errc{} && end == given.data() + given.size()) version_ = version;
    }
    std::string names;
    for (const Offered& o : offered) names += (names.empty() ? "" : " ") + std::string(o.name);
    return cap_line(server, target, "LS", names);
  }
  if (subcommand == "LIST") {
    std::string names;
    for (const Offered& o : offered) {
      if (enabled(o.cap)) names += (names.empty() ? "" : " ") + std::string(o.name);
    }
    return cap_line(server, target, "LIST", names);
  }
  if (subcommand == "REQ") {
    if (params.size() < 2)
      return numeric_line(server, Numeric::err_needmoreparams, target, {"CAP"});
    if (phase == Phase::registering) holding_ = true;
    return request(params[1], server, target);
  }
  if (subcommand == "END") {
    holding_ = false;
    return {};
  }
  return numeric_line(server, Numeric::err_invalidcapcmd, target,
                      {std::string_view(subcommand).substr(0, max_echo)});
}

std::string CapNegotiation::request(std::string_view list, std::string_view server,
                                    std::string_view target) {
  std::uint8_t turn_on = 0;
  std::uint8_t turn_off = 0;
  std::string names;  // the list as it is answered: its names, one space apart
  bool all_offered = true;
  for (std::size_t at = 0; at < list.size();) {
    const std::size_t end = std::min(list.find(' ', at), list.size());
    std::string_view name = list.substr(at, end - at);
    at = end + 1;
    if (name.empty()) continue;
    names += (names.empty() ? "" : " ") + std::string(name);
    const bool off = name.starts_with('-');
    if (off) name.remove_prefix(1);
    const std::optional<Cap> cap = cap_named(name);
    if (!cap) {
      all_offered = false;
      continue;
    }
    (off ? turn_off : turn_on) |= static_cast<std::uint8_t>(*cap);
  }
  // An empty list asks for nothing that could be granted.
  if (!all_offered || names.empty()) return cap_line(server, target, "NAK", names);
  enabled_ = static_cast<std::uint8_t>((enabled_ | turn_on) & ~turn_off);
  return cap_line(server, target, "ACK", names);
}

std::string server_time_tag(std::chrono::system_clock::time_point when) {
  using namespace std::chrono;
  const auto milliseconds = floor<std::chrono::milliseconds>(when);
  const auto day = floor<days>(milliseconds);
  const year_month_day date(day);
  const hh_mm_ss time(milliseconds - day);
  std::string tag = "@time=";
  std::array<char, 8> year{};
  char* const year_end =
      std::to_chars(year.data(), year.data() + year.size(), static_cast<int>(date.year())).ptr;
  tag.append(year.data(), year_end);
  tag += '-';
  append_two_digits(tag, static_cast<unsigned>(date.month()));
  tag += '-';
  append_two_digits(tag, static_cast<unsigned>(date.day()));
  tag += 'T';
  append_two_digits(tag, static_cast<unsigned>(time.hours().count()));
  tag += ':';
  append_two_digits(tag, static_cast<unsigned>(time.minutes().count()));
  tag += ':';
  append_two_digits(tag, static_cast<unsigned>(time.seconds().count()));
  tag += '.';
  const auto millis = static_cast<unsigned>(time.subseconds().count());
  tag += static_cast<char>('0' + millis / 100);
  append_two_digits(tag, millis % 100);
  tag += 'Z';
  return tag;
}

}  // namespace chatd::net::irc
