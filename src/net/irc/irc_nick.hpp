// How chatd's names look to IRC clients: which names are IRC nicks, the alias of a member whose
// name is not one, and the channel that is a room.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace chatd::net::irc {

// chatd's nickname rule (net/command.hpp) intersected with RFC 2812's: 1–32 of letters, digits
// and _ - [ ] { } | ^ `, not starting with a digit or '-'. That is chatd's rule exactly: IRC
// also allows '\', which chatd does not. Written out here because chatd_irc sits below
// chatd_net; a unit test checks that both rules agree.
bool is_valid_irc_nick(std::string_view name);

// The nick under which IRC clients see the chatd member named `chatd_name`: the name itself
// when it is a valid IRC nick, otherwise an alias. Members without a nickname are named after
// their peer (net/peer_name.hpp), and those are the names that need one:
//   "127.0.0.1:40312"    -> "ip-127-0-0-1_40312"     dots become '-', the port follows '_'
//   "[::1]:40312"        -> "[--1]_40312"            ':' becomes '-', '.' becomes '_'
//   anything else, e.g. "[2001:db8:85a3::8a2e:370:7334]:40312" (too long for 32 bytes) or a
//   zone id "[fe80::1%eth0]:40312"
//                        -> "[" 16 hex digits "]_40312" (no "_port" without a ":port" ending)
// The hex digits are 64 bits of the name's SHA-1 based UUID (RFC 4122 v5, Boost.Uuid), so a
// client cannot pick an address that takes someone else's alias. Every alias is a valid nick,
// the same for the same name on every node, and different for different names of each of the
// three forms; the forms cannot meet (only the IPv6 one holds a '-' inside brackets, only the
// hashed one none). The one risk left: a user may choose an alias as a nickname
// ("/nick ip-127-0-0-1_40312"); then IRC clients see two members under one nick. Refusing such
// nicknames is the name registry's choice to make, not this function's.
std::string irc_alias(std::string_view chatd_name);

// "#lobby" -> "lobby". Only '#' channels (ISUPPORT CHANTYPES=#): "&local" and any channel whose
// rest is not a valid room name (same rule as nicknames) give nullopt, which the door answers
// with 403 ERR_NOSUCHCHANNEL.
std::optional<std::string> room_of_channel(std::string_view channel);
// "lobby" -> "#lobby".
std::string channel_of_room(std::string_view room);

}  // namespace chatd::net::irc
