// What a client's line asks for: a message, or one of the slash commands. Pure parsing, no
// state, so it can be fuzzed and tested on its own.
#pragma once

#include <string>
#include <string_view>
#include <variant>

namespace chatd::net {

namespace command {
struct Message {
  std::string text;
};  // plain line, or "//text" meaning "/text"
struct Nick {
  std::string name;
};              // "/nick NAME"
struct Who {};  // "/who"
struct Me {
  std::string action;
};  // "/me TEXT"
struct JoinRoom {
  std::string room;
};                // "/join ROOM"
struct Rooms {};  // "/rooms"
struct Help {};   // "/help"
struct Quit {
  std::string reason;
};  // "/quit [reason]"
struct Unknown {
  std::string name;
};  // "/x ..." for any other x
struct Malformed {
  std::string error;
};  // a known command used wrongly; `error` says how
}  // namespace command

using Command = std::variant<command::Message, command::Nick, command::Who, command::Me,
                             command::JoinRoom, command::Rooms, command::Help, command::Quit,
                             command::Unknown, command::Malformed>;

// `line` is one framed line without its terminator, not empty.
Command parse_command(std::string_view line);

// Nicknames: 1–32 of letters, digits and _ - [ ] { } | ^ `, not starting with a digit or '-'.
bool is_valid_nickname(std::string_view name);
// Room names follow the same rules as nicknames.
bool is_valid_room_name(std::string_view name);

// One line per command, for /help.
std::string_view help_text();

}  // namespace chatd::net
