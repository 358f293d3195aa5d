// Room records as IRC lines; see irc_format.hpp.
#include "net/irc/irc_format.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "net/irc/irc_caps.hpp"
#include "net/irc/irc_message.hpp"
#include "net/irc/irc_nick.hpp"
#include "net/irc/irc_numerics.hpp"
#include "net/link_notice.hpp"

namespace chatd::net::irc {

namespace {

using namespace actors;

void append(std::string& out, std::initializer_list<std::string_view> parts) {
  for (std::string_view part : parts) out += part;
}

// The longest start of `text` that fits in `budget` bytes without splitting a UTF-8 sequence.
std::size_t fitting(std::string_view text, std::size_t budget) {
  if (text.size() <= budget) return text.size();
  std::size_t cut = budget;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return cut > 0 ? cut : budget;  // not UTF-8 after all: cut where the budget says
}

std::string_view quit_reason(LeaveReason reason) {
  switch (reason) {
    case LeaveReason::closed:
    case LeaveReason::moved:   // a PART, not a QUIT
    case LeaveReason::parted:  // a PART, not a QUIT
      return "Connection closed";
    case LeaveReason::quit:
      return "Quit";
    case LeaveReason::too_slow:
      return "too slow";
    case LeaveReason::timed_out:
      return "Ping timeout";
    case LeaveReason::shutdown:
      return "Server shutting down";
    case LeaveReason::node_lost:
      return "node lost";
  }
  return "Connection closed";
}

struct Renderer {
  const std::string& server;
  bool server_time;
  std::string_view room;
  std::string& out;

  // One line from `source` (a member's, or the server's), after the time tag when the clients
  // of this format asked for it. append_irc_line keeps it within 512 bytes and on one line.
  void line(std::string_view source, std::string_view command,
            std::initializer_list<std::string_view> params) const {
    if (server_time) append(out, {server_time_tag(std::chrono::system_clock::now()), " "});
    append_irc_line(out, source, command, std::span(params.begin(), params.size()));
  }

  // `text` to the channel, split into as many PRIVMSGs as it needs: nothing is cut off.
  void say(std::string_view from, std::string_view text, std::string_view before,
           std::string_view after) const {
    const std::string source = member_source(from);
    const std::string channel = channel_of_room(room);
    const std::size_t overhead = source.size() + channel.size() + before.size() + after.size() +
                                 std::string_view(": PRIVMSG  :\r\n").size();
    const std::size_t budget = overhead < max_line_bytes ? max_line_bytes - overhead : 1;
    do {
      const std::size_t part = fitting(text, budget);
      const std::string piece = std::string(before).append(text.substr(0, part)).append(after);
      line(source, "PRIVMSG", {channel, piece});
      text.remove_prefix(part);
    } while (!text.empty());
  }

  void operator()(const record::Message& m) const { say(m.from, m.text, "", ""); }
  void operator()(const record::Action& a) const { say(a.from, a.text, "\x01" "ACTION ", "\x01"); }
  void operator()(const record::Joined& j) const {
    line(member_source(j.who), "JOIN", {channel_of_room(room)});
  }
  void operator()(const record::Left& l) const {
    const std::string source = member_source(l.who);
    switch (l.reason) {
      case LeaveReason::moved:
        line(source, "PART", {channel_of_room(room), "moved to " + channel_of_room(l.detail)});
        return;
      case LeaveReason::parted:
        if (l.detail.empty())
          line(source, "PART", {channel_of_room(room)});
        else
          line(source, "PART", {channel_of_room(room), l.detail});
        return;
      case LeaveReason::quit:
        line(source, "QUIT", {l.detail.empty() ? std::string("Quit") : "Quit: " + std::string(l.detail)});
        return;
      case LeaveReason::closed:
      case LeaveReason::too_slow:
      case LeaveReason::timed_out:
      case LeaveReason::shutdown:
      case LeaveReason::node_lost:
        line(source, "QUIT", {quit_reason(l.reason)});
        return;
    }
  }
  void operator()(const record::Renamed& r) const {
    line(member_source(r.from), "NICK", {irc_alias(r.to)});
  }
  void operator()(const record::TopicChanged& t) const {
    line(member_source(t.by), "TOPIC", {channel_of_room(room), t.topic});
  }
  void operator()(const record::Topic& t) const {
    const std::string asker = irc_alias(t.asker);
    const std::string channel = channel_of_room(room);
    if (t.topic.empty()) {
      const std::string_view params[] = {channel};
      append_numeric_line(out, server, Numeric::rpl_notopic, asker, params);
      return;
    }
    const std::string_view params[] = {channel, t.topic};
    append_numeric_line(out, server, Numeric::rpl_topic, asker, params);
  }
  void operator()(const record::PrivateMessage& p) const {
    // Split like room traffic; to its recipient and, as its copy, to its sender.
    const std::string source = member_source(p.from);
    const std::string to = irc_alias(p.to);
    const std::size_t overhead =
        source.size() + to.size() + std::string_view(": PRIVMSG  :\r\n").size();
    const std::size_t budget = overhead < max_line_bytes ? max_line_bytes - overhead : 1;
    std::string_view text = p.text;
    do {
      const std::size_t part = fitting(text, budget);
      line(source, "PRIVMSG", {to, text.substr(0, part)});
      text.remove_prefix(part);
    } while (!text.empty());
  }
  void operator()(const record::LinkChanged& l) const {
    line(server, "NOTICE", {channel_of_room(room), link_notice(l)});
  }
  void operator()(const record::HistoryMarker& h) const {
    const std::string text = "last " + std::to_string(h.messages) +
                             (h.messages == 1 ? " message:" : " messages:");
    line(server, "NOTICE", {channel_of_room(room), text});
  }
  void operator()(const record::Members& m) const {
    const std::string asker = irc_alias(m.asker);
    const std::string channel = channel_of_room(room);
    std::vector<std::string> nicks;
    nicks.reserve(m.names.size());
    for (std::string_view name : m.names) nicks.push_back(irc_alias(name));
    switch (m.listing) {
      case MemberListing::names: {
        const std::vector<std::string_view> views(nicks.begin(), nicks.end());
        out += names_lines(server, asker, channel, views);
        break;
      }
      case MemberListing::who:
        for (const std::string& nick : nicks) {
          const std::string hops_and_name = "0 " + nick;
          const std::string_view params[] = {channel, nick, "chatd", server, nick, "H", hops_and_name};
          append_numeric_line(out, server, Numeric::rpl_whoreply, asker, params);
        }
        {
          const std::string_view params[] = {channel};
          append_numeric_line(out, server, Numeric::rpl_endofwho, asker, params);
        }
        break;
    }
    if (m.total > m.names.size())
      line(server, "NOTICE", {channel, "and " + std::to_string(m.total - m.names.size()) + " more"});
  }
};

}  // namespace

void IrcFormat::render(const Record& record, std::string_view room, std::string& out) const {
  std::visit(Renderer{server_, server_time_, room, out}, record);
}

const IrcFormat& irc_format(std::string_view server_name, bool server_time) {
  // Never freed: rooms may render with a format after every door has gone.
  static std::mutex mutex;
  static std::map<std::pair<std::string, bool>, std::unique_ptr<IrcFormat>, std::less<>> formats;
  std::lock_guard lock(mutex);
  auto key = std::make_pair(std::string(server_name), server_time);
  auto it = formats.find(key);
  if (it == formats.end())
    it = formats.emplace(key, std::make_unique<IrcFormat>(key.first, server_time)).first;
  return *it->second;
}

std::string member_source(std::string_view chatd_name) {
  const std::string nick = irc_alias(chatd_name);
  return nick + "!" + nick + "@chatd";
}


}  // namespace chatd::net::irc
