// IrcFormat: room records as IRC protocol lines (RFC 1459/2812 as modern servers speak it).
//
// Room `lobby` is channel `#lobby`; a member is `:alias!alias@chatd`, where the alias is its name
// when that is a valid IRC nick, else the stable alias irc_alias() gives it. A message too long
// for one 512-byte IRC line is split over several, on UTF-8 boundaries: nothing is cut off.
// Leaving for another room (moved) or one room alone (parted) is a PART; the other ways of
// leaving end the whole connection, a QUIT. Replies for one member (NAMES, WHO) name it as their
// target. With `server_time`, traffic carries the IRCv3 `time` tag: the clients that asked for
// it share a log of their own.
#pragma once

#include <string>
#include <string_view>

#include "actors/wire_format.hpp"

namespace chatd::net::irc {

class IrcFormat final : public actors::WireFormat {
 public:
  IrcFormat(std::string server_name, bool server_time)
      : server_(std::move(server_name)), server_time_(server_time) {}

  void render(const actors::Record& record, std::string_view room,
              std::string& out) const override;
  // The IRC session asks for the topic after the JOIN it echoes (332 follows the JOIN).
  bool tells_topic_on_join() const override { return false; }

  const std::string& server_name() const noexcept { return server_; }

 private:
  std::string server_;
  bool server_time_;
};

// The format for `server_name`, with or without the time tag. Formats live as long as the
// process: rooms keep a pointer to the formats of their logs, and may outlive any door.
const IrcFormat& irc_format(std::string_view server_name, bool server_time);

// `alias!alias@chatd`, the source a member's traffic carries (after a ':').
std::string member_source(std::string_view chatd_name);

}  // namespace chatd::net::irc
