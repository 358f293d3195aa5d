// What one WebSocket text message from a client asks for: the web door's syntax. A JSON object
// names its command by "type"; anything not starting with '{' is read as line-protocol lines, so
// a WebSocket tool typed into by hand works. Pure, so it can be tested on its own.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "actors/safe_text.hpp"
#include "net/command.hpp"
#include "net/line/line_parser.hpp"

namespace chatd::net::web {

// Input refused: what to tell the client (the words, without a frame around them).
struct BadInput {
  std::string text;
};

// Plain messages in a row come as one SafeLines (one room event), as in the line door.
using FrameInput = std::variant<actors::SafeLines, Command, line::UnknownCommand,
                                line::MalformedCommand, BadInput>;

// Appends what `message` (one complete text message) asks for to `out`. Lines and texts longer
// than `max_line` bytes are refused like over-long lines; empty ones are ignored.
void parse_message(std::string_view message, std::size_t max_line, std::vector<FrameInput>& out);

}  // namespace chatd::net::web
