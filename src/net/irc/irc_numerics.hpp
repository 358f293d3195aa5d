// The numeric replies of chatd's IRC door, with the texts of https://modern.ircdocs.horse, and
// the replies that take several lines (welcome, MOTD, NAMES). Every line is built by
// append_irc_line (irc_message.hpp), so none exceeds 512 bytes or holds a CR, LF or NUL.
#pragma once

#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

namespace chatd::net::irc {

// Each comment gives the params a caller passes after the target, then the fixed text that
// numeric_line() appends as the last param, if the numeric has one.
enum class Numeric : int {
  rpl_welcome = 1,              // ":Welcome to the NETWORK Network, NICK"          (welcome_lines)
  rpl_yourhost = 2,             // ":Your host is SERVER, running version VERSION"  (welcome_lines)
  rpl_created = 3,              // ":This server was created DATE"                  (welcome_lines)
  rpl_myinfo = 4,               // SERVER VERSION USERMODES CHANMODES               (welcome_lines)
  rpl_isupport = 5,             // TOKEN... "are supported by this server"
  rpl_umodeis = 221,            // MODES
  rpl_away = 301,               // NICK MESSAGE
  rpl_userhost = 302,           // "NICK=+USER@HOST ..."
  rpl_ison = 303,               // "NICK ..."
  rpl_unaway = 305,             // "You are no longer marked as being away"
  rpl_nowaway = 306,            // "You have been marked as being away"
  rpl_whoisuser = 311,          // NICK USER HOST * REALNAME
  rpl_whoisserver = 312,        // NICK SERVER SERVERINFO
  rpl_endofwho = 315,           // MASK "End of WHO list"
  rpl_endofwhois = 318,         // NICK "End of /WHOIS list"
  rpl_whoischannels = 319,      // NICK "#a #b"
  rpl_liststart = 321,          // "Channel" "Users  Name"
  rpl_list = 322,               // CHANNEL COUNT TOPIC
  rpl_listend = 323,            // "End of /LIST"
  rpl_channelmodeis = 324,      // CHANNEL MODES [ARGS...]
  rpl_creationtime = 329,       // CHANNEL UNIXTIME
  rpl_notopic = 331,            // CHANNEL "No topic is set"
  rpl_topic = 332,              // CHANNEL TOPIC
  rpl_topicwhotime = 333,       // CHANNEL NICK UNIXTIME
  rpl_whoreply = 352,           // CHANNEL USER HOST SERVER NICK FLAGS "HOPCOUNT REALNAME"
  rpl_namreply = 353,           // SYMBOL CHANNEL "NICK NICK..."                  (names_lines)
  rpl_endofnames = 366,         // CHANNEL "End of /NAMES list"                   (names_lines)
  rpl_motd = 372,               // "- LINE"                                       (motd_lines)
  rpl_motdstart = 375,          // "- SERVER Message of the day - "               (motd_lines)
  rpl_endofmotd = 376,          // "End of /MOTD command."                        (motd_lines)
  err_nosuchnick = 401,         // NICK "No such nick/channel"
  err_nosuchchannel = 403,      // CHANNEL "No such channel"
  err_cannotsendtochan = 404,   // CHANNEL "Cannot send to channel"
  err_noorigin = 409,           // "No origin specified"
  err_invalidcapcmd = 410,      // SUBCOMMAND "Invalid CAP command"
  err_norecipient = 411,        // "No recipient given (COMMAND)"
  err_notexttosend = 412,       // "No text to send"
  err_inputtoolong = 417,       // "Input line was too long"
  err_unknowncommand = 421,     // COMMAND "Unknown command"
  err_nomotd = 422,             // "MOTD File is missing"                          (motd_lines)
  err_nonicknamegiven = 431,    // "No nickname given"
  err_erroneusnickname = 432,   // NICK "Erroneus nickname" (sic, as every server spells it)
  err_nicknameinuse = 433,      // NICK "Nickname is already in use"
  err_notonchannel = 442,       // CHANNEL "You're not on that channel"
  err_notregistered = 451,      // "You have not registered"
  err_needmoreparams = 461,     // COMMAND "Not enough parameters"
  err_alreadyregistered = 462,  // "You may not reregister"
  err_passwdmismatch = 464,     // "Password incorrect"
  err_unknownmode = 472,        // MODECHAR "is unknown mode char to me"
  err_chanoprivsneeded = 482,   // CHANNEL "You're not channel operator"
  err_umodeunknownflag = 501,   // "Unknown MODE flag"
  err_usersdontmatch = 502,     // "Cant change mode for other users"
};

// The fixed text a numeric ends with, or empty when its last param is the caller's.
std::string_view numeric_text(Numeric numeric);

// ":server NNN target params... :text\r\n", where text is numeric_text(numeric) when it has
// one. `target` is the client's nick, or "*" before it has one. Example:
//   numeric_line("chatd.example", Numeric::err_nicknameinuse, "*", {"alice"})
//   == ":chatd.example 433 * alice :Nickname is already in use\r\n"
std::string numeric_line(std::string_view server, Numeric numeric, std::string_view target,
                         std::initializer_list<std::string_view> params);
void append_numeric_line(std::string& out, std::string_view server, Numeric numeric,
                         std::string_view target, std::span<const std::string_view> params);

// What 001–005 say about this server.
struct ServerInfo {
  std::string_view server;   // the name in prefixes (--server-name)
  std::string_view network;  // NETWORK=, and the welcome text
  std::string_view version;  // chatd's version
  std::string_view created;  // when the server started, human-readable
};

// 001 to 005, the lines that complete registration. 004 offers user mode "i" and channel mode
// "n"; 005 says CASEMAPPING=ascii (chatd folds A-Z only), CHANMODES=,,,n CHANNELLEN=33 (the '#'
// and a 32-byte room name) CHANTYPES=# NETWORK= NICKLEN=32 PREFIX= (nobody has channel status).
std::string welcome_lines(const ServerInfo& info, std::string_view nick, std::string_view user,
                          std::string_view host);

// 375, one 372 per line of `motd`, 376; or 422 alone when `motd` is empty.
std::string motd_lines(std::string_view server, std::string_view nick,
                       std::span<const std::string_view> motd);

// 353 "= #channel :names..." lines, as many names in each as 512 bytes allow, then 366.
std::string names_lines(std::string_view server, std::string_view nick, std::string_view channel,
                        std::span<const std::string_view> names);

}  // namespace chatd::net::irc
