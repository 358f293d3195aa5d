// What an IRC client's writer leaves out; see irc_filter.hpp.
#include "net/irc/irc_filter.hpp"

#include <algorithm>
#include <optional>

namespace chatd::net::irc {

namespace asio = boost::asio;

namespace {

// An IRC line's source and command, after its tags: ":alice!alice@chatd PRIVMSG ..." gives
// "alice!alice@chatd" and "PRIVMSG"; nothing for a line without a source.
struct SourceAndCommand {
  std::string_view source;
  std::string_view command;
  std::string_view rest;  // the parameters
};
std::optional<SourceAndCommand> source_and_command(std::string_view line) {
  if (!line.empty() && line.front() == '@') {
    const std::size_t space = line.find(' ');
    if (space == std::string_view::npos) return std::nullopt;
    line.remove_prefix(space + 1);
  }
  if (!line.starts_with(':')) return std::nullopt;
  line.remove_prefix(1);
  const std::size_t space = line.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  const std::string_view source = line.substr(0, space);
  line.remove_prefix(space + 1);
  const std::size_t end = line.find(' ');
  const std::string_view rest = end == std::string_view::npos ? "" : line.substr(end + 1);
  return SourceAndCommand{source, line.substr(0, end), rest};
}

}  // namespace

void IrcFilter::operator()(std::vector<asio::const_buffer>& buffers) {
  std::vector<asio::const_buffer> kept;
  bool dropped = false;
  for (const asio::const_buffer& buffer : buffers) {
    const std::string_view bytes(static_cast<const char*>(buffer.data()), buffer.size());
    std::size_t start = 0;  // of the bytes not yet kept
    std::size_t line = 0;
    while (line < bytes.size()) {
      const std::size_t end = bytes.find('\n', line);
      const std::size_t next = end == std::string_view::npos ? bytes.size() : end + 1;
      if (!keeps(bytes.substr(line, next - line))) {
        if (line > start) kept.emplace_back(bytes.data() + start, line - start);
        start = next;
        dropped = true;
      }
      line = next;
    }
    if (start < bytes.size()) kept.emplace_back(bytes.data() + start, bytes.size() - start);
  }
  if (dropped) buffers.swap(kept);
}

bool IrcFilter::keeps(std::string_view line) {
  const std::optional<SourceAndCommand> parsed = source_and_command(line);
  if (!parsed) return true;
  const auto [source, command, rest] = *parsed;
  if (source == own_) {
    // The rooms' copies put the channel or nick as a middle parameter; the session's own
    // echo, the one to keep, as the trailing one (`JOIN :#lobby`): the same to any client.
    if (command == "JOIN" || command == "NICK") return rest.starts_with(':');
    if (command == "PRIVMSG" || command == "NOTICE") return echo_;
    return true;
  }
  if (command == "JOIN") {
    std::erase(gone_, source);
    return true;
  }
  if (command != "NICK" && command != "QUIT") return true;
  // That name has just gone (renamed or quit) in another channel: this is a repeat.
  if (std::find(gone_.begin(), gone_.end(), source) != gone_.end()) return false;
  if (gone_.size() == remembered) gone_.erase(gone_.begin());
  gone_.emplace_back(source);
  if (command == "NICK") {
    // The new name is someone again (it may have gone before: a rename back).
    std::string_view nick = rest.substr(0, rest.find_first_of(" \r\n"));
    if (nick.starts_with(':')) nick.remove_prefix(1);
    const std::string renamed = std::string(nick) + "!" + std::string(nick) + "@chatd";
    std::erase(gone_, renamed);
  }
  return true;
}

}  // namespace chatd::net::irc
