// IRC numeric replies; see irc_numerics.hpp.
#include "net/irc/irc_numerics.hpp"

#include <array>
#include <vector>

#include "net/irc/irc_message.hpp"

namespace chatd::net::irc {

namespace {

// A numeric's command: always three digits ("001").
std::array<char, 3> digits_of(Numeric numeric) {
  const int code = static_cast<int>(numeric);
  return {static_cast<char>('0' + code / 100), static_cast<char>('0' + code / 10 % 10),
          static_cast<char>('0' + code % 10)};
}

}  // namespace

std::string_view numeric_text(Numeric numeric) {
  switch (numeric) {
    case Numeric::rpl_isupport:
      return "are supported by this server";
    case Numeric::rpl_unaway:
      return "You are no longer marked as being away";
    case Numeric::rpl_nowaway:
      return "You have been marked as being away";
    case Numeric::rpl_endofwho:
      return "End of WHO list";
    case Numeric::rpl_endofwhois:
      return "End of /WHOIS list";
    case Numeric::rpl_liststart:
      return "Users  Name";
    case Numeric::rpl_listend:
      return "End of /LIST";
    case Numeric::rpl_notopic:
      return "No topic is set";
    case Numeric::rpl_endofnames:
      return "End of /NAMES list";
    case Numeric::rpl_endofmotd:
      return "End of /MOTD command.";
    case Numeric::err_nosuchnick:
      return "No such nick/channel";
    case Numeric::err_nosuchchannel:
      return "No such channel";
    case Numeric::err_cannotsendtochan:
      return "Cannot send to channel";
    case Numeric::err_noorigin:
      return "No origin specified";
    case Numeric::err_invalidcapcmd:
      return "Invalid CAP command";
    case Numeric::err_notexttosend:
      return "No text to send";
    case Numeric::err_inputtoolong:
      return "Input line was too long";
    case Numeric::err_unknowncommand:
      return "Unknown command";
    case Numeric::err_nomotd:
      return "MOTD File is missing";
    case Numeric::err_nonicknamegiven:
      return "No nickname given";
    case Numeric::err_erroneusnickname:
      return "Erroneus nickname";
    case Numeric::err_nicknameinuse:
      return "Nickname is already in use";
    case Numeric::err_notonchannel:
      return "You're not on that channel";
    case Numeric::err_notregistered:
      return "You have not registered";
    case Numeric::err_needmoreparams:
      return "Not enough parameters";
    case Numeric::err_alreadyregistered:
      return "You may not reregister";
    case Numeric::err_passwdmismatch:
      return "Password incorrect";
    case Numeric::err_unknownmode:
      return "is unknown mode char to me";
    case Numeric::err_chanoprivsneeded:
      return "You're not channel operator";
    case Numeric::err_umodeunknownflag:
      return "Unknown MODE flag";
    case Numeric::err_usersdontmatch:
      return "Cant change mode for other users";
    case Numeric::rpl_welcome:
    case Numeric::rpl_yourhost:
    case Numeric::rpl_created:
    case Numeric::rpl_myinfo:
    case Numeric::rpl_umodeis:
    case Numeric::rpl_away:
    case Numeric::rpl_userhost:
    case Numeric::rpl_ison:
    case Numeric::rpl_whoisuser:
    case Numeric::rpl_whoisserver:
    case Numeric::rpl_whoischannels:
    case Numeric::rpl_list:
    case Numeric::rpl_channelmodeis:
    case Numeric::rpl_creationtime:
    case Numeric::rpl_topic:
    case Numeric::rpl_topicwhotime:
    case Numeric::rpl_whoreply:
    case Numeric::rpl_namreply:
    case Numeric::rpl_motd:
    case Numeric::rpl_motdstart:
    case Numeric::err_norecipient:
      return {};
  }
  return {};
}

void append_numeric_line(std::string& out, std::string_view server, Numeric numeric,
                         std::string_view target, std::span<const std::string_view> params) {
  std::vector<std::string_view> all;
  all.reserve(params.size() + 2);
  all.push_back(target);
  all.insert(all.end(), params.begin(), params.end());
  if (const std::string_view text = numeric_text(numeric); !text.empty()) all.push_back(text);
  const std::array<char, 3> command = digits_of(numeric);
  append_irc_line(out, server, std::string_view(command.data(), command.size()), all);
}

std::string numeric_line(std::string_view server, Numeric numeric, std::string_view target,
                         std::initializer_list<std::string_view> params) {
  std::string line;
  append_numeric_line(line, server, numeric, target,
                      std::span<const std::string_view>(params.begin(), params.size()));
  return line;
}

std::string welcome_lines(const ServerInfo& info, std::string_view nick, std::string_view user,
                          std::string_view host) {
  std::string lines;
  const auto add = [&](Numeric numeric, std::initializer_list<std::string_view> params) {
    append_numeric_line(lines, info.server, numeric, nick,
                        std::span<const std::string_view>(params.begin(), params.size()));
  };
  const std::string full_name =
      std::string(nick) + "!" + std::string(user) + "@" + std::string(host);
  add(Numeric::rpl_welcome,
      {"Welcome to the " + std::string(info.network) + " Network, " + full_name});
  add(Numeric::rpl_yourhost, {"Your host is " + std::string(info.server) + ", running version " +
                              std::string(info.version)});
  add(Numeric::rpl_created, {"This server was created " + std::string(info.created)});
  add(Numeric::rpl_myinfo, {info.server, info.version, "i", "n"});
  const std::string network = "NETWORK=" + std::string(info.network);
  add(Numeric::rpl_isupport, {"CASEMAPPING=ascii", "CHANMODES=,,,n", "CHANNELLEN=33", "CHANTYPES=#",
                              network, "NICKLEN=32", "PREFIX="});
  return lines;
}

std::string motd_lines(std::string_view server, std::string_view nick,
                       std::span<const std::string_view> motd) {
  std::string lines;
  if (motd.empty()) {
    append_numeric_line(lines, server, Numeric::err_nomotd, nick, {});
    return lines;
  }
  const std::string start = "- " + std::string(server) + " Message of the day - ";
  const std::string_view start_params[] = {start};
  append_numeric_line(lines, server, Numeric::rpl_motdstart, nick, start_params);
  for (const std::string_view line : motd) {
    const std::string text = "- " + std::string(line);
    const std::string_view params[] = {text};
    append_numeric_line(lines, server, Numeric::rpl_motd, nick, params);
  }
  append_numeric_line(lines, server, Numeric::rpl_endofmotd, nick, {});
  return lines;
}

std::string names_lines(std::string_view server, std::string_view nick, std::string_view channel,
                        std::span<const std::string_view> names) {
  // ":server 353 nick = #channel :" and the "\r\n" are the same on every line; the rest is names.
  const std::size_t fixed = 1 + server.size() + 5 + nick.size() + 3 + channel.size() + 2 + 2;
  const std::size_t room = fixed < max_line_bytes ? max_line_bytes - fixed : 0;
  std::string lines;
  std::string batch;
  const auto flush = [&] {
    const std::string_view params[] = {"=", channel, batch};
    append_numeric_line(lines, server, Numeric::rpl_namreply, nick, params);
    batch.clear();
  };
  for (const std::string_view name : names) {
    if (!batch.empty() && batch.size() + 1 + name.size() > room) flush();
    if (!batch.empty()) batch += ' ';
    batch += name;
  }
  if (!batch.empty()) flush();
  const std::string_view end_params[] = {channel};
  append_numeric_line(lines, server, Numeric::rpl_endofnames, nick, end_params);
  return lines;
}

}  // namespace chatd::net::irc
