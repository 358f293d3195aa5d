// Parsing of client lines into commands; see command.hpp.
#include "net/command.hpp"

#include <algorithm>
#include <cctype>

namespace chatd::net {

namespace {

std::string_view trim(std::string_view text) {
  const auto blank = [](char c) { return c == ' ' || c == '\t'; };
  while (!text.empty() && blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && blank(text.back())) text.remove_suffix(1);
  return text;
}

bool is_name_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) != 0 || std::string_view("_-[]{}|^`").find(c) != std::string_view::npos;
}

bool is_name(std::string_view name) {
  if (name.empty() || name.size() > 32) return false;
  if (name.front() == '-' || std::isdigit(static_cast<unsigned char>(name.front())) != 0)
    return false;
  // isalnum is locale-dependent for bytes >= 0x80; names are ASCII only.
  return std::all_of(name.begin(), name.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x80 && is_name_char(c);
  });
}

}  // namespace

bool is_valid_nickname(std::string_view name) {
  return is_name(name);
}
bool is_valid_room_name(std::string_view name) {
  return is_name(name);
}

Command parse_command(std::string_view line) {
  if (line.empty() || line.front() != '/') return command::Message{std::string(line)};
  if (line.size() > 1 && line[1] == '/') return command::Message{std::string(line.substr(1))};

  const std::string_view rest = line.substr(1);
  const std::size_t space = rest.find_first_of(" \t");
  const std::string_view name = rest.substr(0, space);
  const std::string_view argument = space == std::string_view::npos ? "" : trim(rest.substr(space));

  if (name == "nick") {
    if (argument.empty()) return command::Malformed{"usage: /nick NAME"};
    return command::Nick{std::string(argument)};
  }
  if (name == "join") {
    if (argument.empty()) return command::Malformed{"usage: /join ROOM"};
    return command::JoinRoom{std::string(argument)};
  }
  if (name == "me") {
    if (argument.empty()) return command::Malformed{"usage: /me TEXT"};
    return command::Me{std::string(argument)};
  }
  if (name == "who") return command::Who{};
  if (name == "rooms") return command::Rooms{};
  if (name == "help") return command::Help{};
  if (name == "quit") return command::Quit{std::string(argument)};
  return command::Unknown{std::string(name)};
}

std::string_view help_text() {
  return "* /nick NAME    choose your name (letters, digits, _-[]{}|^`; up to 32)\n"
         "* /who          list the members of your room\n"
         "* /me TEXT      say TEXT as an action: * NAME TEXT\n"
         "* /join ROOM    move to ROOM (everybody starts in lobby)\n"
         "* /rooms        list rooms and how many are in each\n"
         "* /quit [why]   leave, telling the room why\n"
         "* /help         this list; //text sends a message that starts with /\n";
}

}  // namespace chatd::net
