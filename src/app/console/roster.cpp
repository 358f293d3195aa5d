// Roster: the server's notices read back. The shapes are docs/protocol.md's; a line that fits
// none of them teaches nothing, which is the safe way to be wrong.
#include "app/console/roster.hpp"

#include <algorithm>
#include <utility>

#include "base/ascii.hpp"

namespace chatd::app::console {
namespace {

constexpr std::string_view private_arrow = " -> ";

bool is_one_name(std::string_view name) {
  return !name.empty() && name.find(' ') == std::string_view::npos;
}

bool starts_with_ignoring_case(std::string_view name, std::string_view prefix) {
  return name.size() >= prefix.size() &&
         base::equal_ignoring_case(name.substr(0, prefix.size()), prefix);
}

// The names in `names` that start with `prefix` ignoring ASCII case, `except` left out, sorted.
std::vector<std::string> starting_with(const std::set<std::string, std::less<>>& names,
                                       std::string_view prefix, std::string_view except) {
  std::vector<std::string> matches;
  for (const std::string& name : names) {
    if (starts_with_ignoring_case(name, prefix) && !base::equal_ignoring_case(name, except))
      matches.push_back(name);
  }
  return matches;
}

// "* N in ROOM: NAME NAME ... [(and K more)]", the answer to /who: returns ROOM and the names.
std::optional<std::pair<std::string_view, std::string_view>> split_who_reply(
    std::string_view notice) {
  const std::size_t digits = notice.find_first_not_of("0123456789");
  if (digits == 0 || digits == std::string_view::npos || !notice.substr(digits).starts_with(" in "))
    return std::nullopt;
  const std::string_view rest = notice.substr(digits + 4);
  const std::size_t colon = rest.find(": ");
  if (colon == std::string_view::npos || !is_one_name(rest.substr(0, colon))) return std::nullopt;
  return std::pair(rest.substr(0, colon), rest.substr(colon + 2));
}

}  // namespace

std::optional<MessageLine> split_message(std::string_view line) {
  if (line.starts_with("* ") || line.starts_with("! ")) return std::nullopt;
  std::size_t end = line.find(':');
  if (end == std::string_view::npos) return std::nullopt;
  if (line.starts_with('[')) {  // [IPv6]:PORT
    const std::size_t bracket = line.find("]:");
    if (bracket == std::string_view::npos) return std::nullopt;
    end = line.find(':', bracket + 2);
  } else if (line.substr(0, end).find('.') != std::string_view::npos) {  // IPv4:PORT
    end = line.find(':', end + 1);
  }
  if (end == std::string_view::npos) return std::nullopt;
  MessageLine message{line.substr(0, end), line.substr(0, end), line.substr(end + 1)};
  if (const std::size_t arrow = message.name_part.find(private_arrow);
      arrow != std::string_view::npos)
    message.sender = message.name_part.substr(0, arrow);
  return message;
}

bool is_who_reply(std::string_view line) {
  return line.starts_with("* ") && split_who_reply(line.substr(2)).has_value();
}

void Roster::connected_as(std::string address_name) {
  own_name_ = std::move(address_name);
  requested_nick_.reset();
  names_.clear();
}

void Roster::nick_requested(std::string_view name) {
  requested_nick_ = std::string(name);
}

bool Roster::in_lobby() const {
  return base::equal_ignoring_case(room_, "lobby");
}

void Roster::observe(std::string_view line) {
  if (const auto message = split_message(line)) {
    remember(message->sender);
    return;
  }
  if (!line.starts_with("* ")) return;
  const std::string_view notice = line.substr(2);
  if (notice.starts_with("rooms: ")) {  // "* rooms: Go (1), lobby (3), Rust (2)"
    rooms_.clear();
    std::string_view listing = notice.substr(7);
    while (!listing.empty()) {
      const std::size_t end = std::min(listing.find(", "), listing.size());
      const std::string_view entry = listing.substr(0, end);
      const std::string_view room = entry.substr(0, entry.find(" ("));
      if (is_one_name(room) && rooms_.size() < max_rooms) rooms_.emplace(room);
      listing.remove_prefix(std::min(end + 2, listing.size()));
    }
    return;
  }
  if (const auto who = split_who_reply(notice)) {
    room_ = std::string(who->first);
    if (rooms_.size() < max_rooms) rooms_.emplace(room_);
    names_.clear();
    std::string_view names = who->second;
    while (!names.empty() && !names.starts_with("(and ")) {
      const std::size_t space = std::min(names.find(' '), names.size());
      remember(names.substr(0, space));
      names.remove_prefix(std::min(space + 1, names.size()));
    }
    return;
  }
  if (const std::size_t renamed = notice.find(" is now known as ");
      renamed != std::string_view::npos) {
    const std::string_view old_name = notice.substr(0, renamed);
    const std::string_view new_name = notice.substr(renamed + 17);
    if (old_name == own_name_ && requested_nick_ &&
        base::equal_ignoring_case(new_name, *requested_nick_)) {
      own_name_ = std::string(new_name);
      nickname_ = own_name_;
      requested_nick_.reset();
      return;
    }
    if (const auto known = names_.find(old_name); known != names_.end()) names_.erase(known);
    remember(new_name);
    return;
  }
  if (notice.ends_with(" joined")) {
    remember(notice.substr(0, notice.size() - 7));
    return;
  }
  if (const std::size_t left = notice.find(" left ("); left != std::string_view::npos) {
    if (const auto known = names_.find(notice.substr(0, left)); known != names_.end())
      names_.erase(known);
  }
}

std::vector<std::string> Roster::names_starting_with(std::string_view prefix) const {
  return starting_with(names_, prefix, own_name_);
}

std::vector<std::string> Roster::rooms_starting_with(std::string_view prefix) const {
  return starting_with(rooms_, prefix, room_);
}

void Roster::remember(std::string_view name) {
  if (is_one_name(name) && names_.size() < max_names) names_.emplace(name);
}

}  // namespace chatd::app::console
