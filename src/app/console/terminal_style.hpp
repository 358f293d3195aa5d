// How the room's lines look on a terminal: each sender's name in a colour of its own (the same
// colour every run, from a hash of the name), the user's own name in bold, the text of others'
// messages that mention the user (or are private to the user) in bold, notices dimmed, errors in
// bold red. SGR sequences are added only after the line is neutralised, so the only
// escape sequences reaching the terminal are these.
#pragma once

#include <string>
#include <string_view>

namespace chatd::app::console {

inline constexpr std::string_view notice_style = "\x1b[2m";    // dim
inline constexpr std::string_view error_style = "\x1b[1;31m";  // bold red
inline constexpr std::string_view own_name_style = "\x1b[1m";  // bold
inline constexpr std::string_view mention_style = "\x1b[1m";   // bold
inline constexpr std::string_view reset_style = "\x1b[0m";

// The SGR sequence that colours `name`: one of ten colours, never red (errors are red).
std::string_view name_style(std::string_view name);

// Appends `line` (one server line, without "\n", not yet neutralised) styled for a terminal,
// followed by "\n". `own_name` is what the server calls the user.
void append_styled_line(std::string& out, std::string_view line, std::string_view own_name);

// True when `text` holds `name` as a word of its own, ignoring ASCII case: "alice:" and "@Alice"
// mention alice, "malice" does not.
bool mentions(std::string_view text, std::string_view name);

// "HH:MM " in local time, for --timestamps.
std::string clock_prefix();

}  // namespace chatd::app::console
