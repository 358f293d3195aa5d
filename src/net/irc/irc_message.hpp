// One IRC protocol message, both ways: parse_irc_message() reads what a client sent (one framed
// line, see irc_framer.hpp), irc_line() writes what the server sends. The size limits of the
// protocol live here, where the message format is defined. Pure, so it can be tested and fuzzed.
// Reference: https://modern.ircdocs.horse (messages) and the IRCv3 message-tags spec.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace chatd::net::irc {

// A line's bytes without its tags, including the "\r\n": the limit of RFC 1459, both ways.
inline constexpr std::size_t max_line_bytes = 512;
// A client's tags, with their leading '@' and the space after them (IRCv3: at most 4094 bytes
// of tag data from a client).
inline constexpr std::size_t max_client_tag_bytes = 4096;
// Middle parameters plus the trailing one.
inline constexpr std::size_t max_params = 15;

struct Tag {
  std::string key;    // as sent, with a client-only '+' or a vendor prefix if any
  std::string value;  // unescaped ("\s" is a space, "\:" a ';'); empty when the tag had none
};

struct IrcMessage {
  std::vector<Tag> tags;            // in the order sent
  std::string source;               // without its ':'; empty when the line had none
  std::string command;              // upper case ("privmsg" arrives as "PRIVMSG"), or 3 digits
  std::vector<std::string> params;  // the trailing one without its ':'; at most max_params

  // The value of the tag named `key` (the last one, if sent twice, as the spec asks).
  std::optional<std::string_view> tag(std::string_view key) const;
};

// Parses one line without its "\r\n". Spaces between parts may repeat. Params after the 14th
// are one last param, the rest of the line, as RFC 2812 says. The command is any token, kept so
// that the caller can answer 421 for an unknown one; nullopt only when there is no command at
// all: an empty line, or nothing but tags and/or a source.
std::optional<IrcMessage> parse_irc_message(std::string_view line);

// Appends one outgoing line ":source command p1 p2 :last\r\n" to `out` (no ":source " when
// `source` is empty). The last param gets a ':' when it is empty, holds a space or starts with
// ':'; the others must be non-empty tokens without spaces (chatd's names and numbers are).
// - CR, LF and NUL in any param become a space, so no param can end the line or start another.
// - The line never exceeds max_line_bytes with its "\r\n": a longer last param is cut, on a
//   UTF-8 character boundary, and then always written with a ':'. A line whose other parts
//   alone are too long (chatd's names never are) is cut as a whole, on a character boundary.
void append_irc_line(std::string& out, std::string_view source, std::string_view command,
                     std::span<const std::string_view> params);

std::string irc_line(std::string_view source, std::string_view command,
                     std::span<const std::string_view> params);
std::string irc_line(std::string_view source, std::string_view command,
                     std::initializer_list<std::string_view> params);

}  // namespace chatd::net::irc
