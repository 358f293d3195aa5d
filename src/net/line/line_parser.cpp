// Parsing of client lines; see line_parser.hpp.
#include "net/line/line_parser.hpp"

namespace chatd::net::line {

namespace {

// Client-chosen text echoed back (a quit reason) is cut to this many bytes.
constexpr std::size_t max_reason = 64;

std::string_view trim(std::string_view text) {
  const auto blank = [](char c) { return c == ' ' || c == '\t'; };
  while (!text.empty() && blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && blank(text.back())) text.remove_suffix(1);
  return text;
}

}  // namespace

ParsedLine parse_line(std::string_view line) {
  if (line.empty() || line.front() != '/') return MessageLine{line};
  if (line.size() > 1 && line[1] == '/') return MessageLine{line.substr(1)};

  const std::string_view rest = line.substr(1);
  const std::size_t space = rest.find_first_of(" \t");
  const std::string_view name = rest.substr(0, space);
  const std::string_view argument = space == std::string_view::npos ? "" : trim(rest.substr(space));

  if (name == "nick") {
    if (argument.empty()) return MalformedCommand{"usage: /nick NAME"};
    return Command{command::Nick{std::string(argument)}};
  }
  if (name == "join") {
    if (argument.empty()) return MalformedCommand{"usage: /join ROOM"};
    return Command{command::Join{std::string(argument)}};
  }
  if (name == "me") {
    if (argument.empty()) return MalformedCommand{"usage: /me TEXT"};
    return Command{command::Me{actors::SafeText(argument)}};
  }
  if (name == "msg") {
    const std::size_t gap = argument.find_first_of(" \t");
    const std::string_view text = gap == std::string_view::npos ? "" : trim(argument.substr(gap));
    if (text.empty()) return MalformedCommand{"usage: /msg NICK TEXT"};
    return Command{command::Msg{std::string(argument.substr(0, gap)), actors::SafeText(text)}};
  }
  if (name == "topic") {
    // "-" clears: a topic of a lone dash is not worth a syntax of its own.
    if (argument.empty()) return Command{command::Topic{std::nullopt}};
    const std::string_view topic = argument == "-" ? std::string_view() : argument;
    return Command{command::Topic{actors::SafeText(topic)}};
  }
  if (name == "who") return Command{command::Who{}};
  if (name == "rooms") return Command{command::Rooms{}};
  if (name == "help") return Command{command::Help{}};
  if (name == "quit")
    return Command{command::Quit{actors::SafeText(argument.substr(0, max_reason))}};
  return UnknownCommand{std::string(name)};
}

std::string_view help_text() {
  return "* /nick NAME    choose your name (letters, digits, _-[]{}|^`; up to 32)\n"
         "* /who          list the members of your room\n"
         "* /me TEXT      say TEXT as an action: * NAME TEXT\n"
         "* /join ROOM    move to ROOM (everybody starts in lobby)\n"
         "* /rooms        list rooms and how many are in each\n"
         "* /msg NICK TEXT send TEXT to NICK alone, wherever they are\n"
         "* /topic [TEXT] show the room's topic, or set it (/topic - clears it)\n"
         "* /quit [why]   leave, telling the room why\n"
         "* /help         this list; //text sends a message that starts with /\n";
}

}  // namespace chatd::net::line
