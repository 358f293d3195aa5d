// What a member needs of the IRC door: the lines that register it and join #lobby, the PRIVMSG
// that carries a publisher's text, and the relayed `:nick!user@host PRIVMSG #lobby :text` it
// reads back (docs/irc.md). The text is the line door's stamp, byte for byte, so everything
// above the door (sequence, latency, order) is the same.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace chatd::chat_bench {

inline constexpr std::string_view kIrcChannel = "#lobby";  // room lobby, the other doors' room

struct IrcMessage {
  std::string_view from;  // the nick
  std::string_view text;
};

// CAP REQ echo-message (a publisher's window waits for its own lines to come back, and an IRC
// client gets them only with that capability), NICK, USER, CAP END: one write.
std::string irc_registration(std::string_view nick);

// What a line read while registering says: the server's 001 (registered), a refusal (ERROR,
// or a numeric 4xx/5xx such as 433 nick in use) with the line as the reason, or anything else.
enum class IrcReply { welcome, refused, other };
IrcReply classify_registration_reply(std::string_view line);

// Appends `PRIVMSG #lobby :text\r\n`.
void append_irc_privmsg(std::string& out, std::string_view text);

// `line` without its '\n' (a trailing '\r' is dropped here). The PRIVMSG to a channel in it, or
// nothing for anything else (numerics, JOIN, NOTICE, PING, ...). A one-word text may come
// without its ':' (`:m1!m1@chatd PRIVMSG #lobby w0`).
std::optional<IrcMessage> parse_irc_privmsg(std::string_view line);

// The payload of a `PING :x` (so that the member answers `PONG :x`), or nothing.
std::optional<std::string_view> parse_irc_ping(std::string_view line);

}  // namespace chatd::chat_bench
