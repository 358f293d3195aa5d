// The IRC door's lines as a member needs them; see irc_record.hpp.
#include "chat_bench/irc_record.hpp"

namespace chatd::chat_bench {

namespace {

std::string_view without_cr(std::string_view line) {
  if (line.ends_with('\r')) line.remove_suffix(1);
  return line;
}

// Tags (`@time=... `) come first when a client asked for them; this one does not, but a line
// that has them is still read right.
std::string_view without_tags(std::string_view line) {
  if (!line.starts_with('@')) return line;
  const auto space = line.find(' ');
  return space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
}

// The first word of `rest`, which moves past it and the space after it.
std::string_view next_word(std::string_view& rest) {
  const auto space = rest.find(' ');
  const auto word = rest.substr(0, space);
  rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
  return word;
}

}  // namespace

std::string irc_registration(std::string_view nick) {
  std::string lines = "CAP REQ :echo-message\r\nNICK ";
  lines.append(nick).append("\r\nUSER ").append(nick).append(" 0 * :").append(nick);
  lines += "\r\nCAP END\r\n";
  return lines;
}

IrcReply classify_registration_reply(std::string_view line) {
  std::string_view rest = without_tags(without_cr(line));
  if (rest.starts_with("ERROR")) return IrcReply::refused;
  if (!rest.starts_with(':')) return IrcReply::other;
  next_word(rest);  // the server's name
  const auto command = next_word(rest);
  if (command == "001") return IrcReply::welcome;
  const bool numeric = command.size() == 3 && command.find_first_not_of("0123456789") ==
                                                  std::string_view::npos;
  if (numeric && (command[0] == '4' || command[0] == '5')) return IrcReply::refused;
  return IrcReply::other;
}

void append_irc_privmsg(std::string& out, std::string_view text) {
  out += "PRIVMSG ";
  out += kIrcChannel;
  out += " :";
  out += text;
  out += "\r\n";
}

std::optional<IrcMessage> parse_irc_privmsg(std::string_view line) {
  std::string_view rest = without_tags(without_cr(line));
  if (!rest.starts_with(':')) return std::nullopt;
  rest.remove_prefix(1);
  const auto source = next_word(rest);
  if (next_word(rest) != "PRIVMSG") return std::nullopt;
  const auto target = next_word(rest);
  if (!target.starts_with('#') || rest.empty()) return std::nullopt;
  // A text of one word may come as a plain last parameter (`PRIVMSG #lobby w0`), as chatd
  // writes it; anything with a space comes as the trailing one, after ':'.
  if (rest.starts_with(':')) rest.remove_prefix(1);
  return IrcMessage{source.substr(0, source.find('!')), rest};
}

std::optional<std::string_view> parse_irc_ping(std::string_view line) {
  std::string_view rest = without_tags(without_cr(line));
  if (!rest.starts_with("PING ")) return std::nullopt;
  rest.remove_prefix(5);
  if (rest.starts_with(':')) rest.remove_prefix(1);
  return rest;
}

}  // namespace chatd::chat_bench
