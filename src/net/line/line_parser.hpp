// The line protocol's syntax: whether a line is a message or a command, and which. The `//`
// escape and the message-or-command decision live here and nowhere else. Pure, so it can be
// tested and fuzzed on its own.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "net/command.hpp"

namespace chatd::net::line {

// A line to relay as a message: the raw text, not yet neutralised ("//x" arrives as "/x").
struct MessageLine {
  std::string_view text;
};
// "/x ..." for an x that is no command.
struct UnknownCommand {
  std::string name;
};
// A known command used wrongly; `usage` says how to use it.
struct MalformedCommand {
  std::string_view usage;
};

// Never a command::Say: messages come as MessageLine, so that a door can batch them.
using ParsedLine = std::variant<MessageLine, Command, UnknownCommand, MalformedCommand>;

// `line` is one framed line without its terminator, not empty.
ParsedLine parse_line(std::string_view line);

// One line per command, for /help.
std::string_view help_text();

}  // namespace chatd::net::line
