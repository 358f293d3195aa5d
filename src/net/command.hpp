// What a client can do, whatever door it came through: one typed command each. A door parses
// its own syntax into these and dispatches them with std::visit over an overload set, so a
// command nobody handles does not compile.
#pragma once

#include <optional>
#include <string>
#include <variant>

#include "actors/safe_text.hpp"

namespace chatd::net {

namespace command {
struct Say {
  actors::SafeLines lines;
};
struct Me {
  actors::SafeText text;
};
struct Nick {
  std::string name;
};
struct Who {};
struct Join {
  std::string room;
};
struct Rooms {};
// A private message to whoever holds `nick`.
struct Msg {
  std::string nick;
  actors::SafeText text;
};
// Without text: show the room's topic. With text: set it (empty text clears it).
struct Topic {
  std::optional<actors::SafeText> text;
};
struct Help {};
struct Quit {
  actors::SafeText reason;
};
}  // namespace command

using Command = std::variant<command::Say, command::Me, command::Nick, command::Who, command::Join,
                             command::Rooms, command::Msg, command::Topic, command::Help,
                             command::Quit>;

// Nicknames: 1–32 of letters, digits and _ - [ ] { } | ^ `, not starting with a digit or '-'.
bool is_valid_nickname(std::string_view name);
// Room names follow the same rules as nicknames.
bool is_valid_room_name(std::string_view name);

}  // namespace chatd::net
