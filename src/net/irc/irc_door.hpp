// The IRC door: the client side of RFC 1459/2812, as modern servers speak it
// (https://modern.ircdocs.horse), mapped onto chatd's rooms: channel #lobby is room lobby. IRC
// clients (irssi, WeeChat, HexChat, libraries) register, join channels — several at once — and
// meet the members of every other door there. docs/irc.md says what is supported.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <string>
#include <vector>

#include "net/door.hpp"

namespace chatd::net::irc {

struct IrcOptions {
  // The server's name in prefixes and in 001 (--server-name; default: the host name).
  std::string server_name;
  // Lines of the message of the day; none: 422.
  std::vector<std::string> motd;
  // When the server started, for 003.
  std::string started;
};

Door irc_door(boost::asio::ip::tcp::endpoint endpoint, IrcOptions options);

}  // namespace chatd::net::irc
