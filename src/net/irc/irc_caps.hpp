// IRCv3 capability negotiation (https://ircv3.net/specs/extensions/capability-negotiation) as a
// pure state machine: what chatd offers, what a client turned on, whether registration waits
// for CAP END; and the server-time tag.
//
// Offered: echo-message (a client sees its own messages echoed back), server-time (lines carry
// @time=...) and multi-prefix (free: nobody has channel status, so NAMES is the same with it).
// Not message-tags: it would oblige the door to accept TAGMSG and relay client tags, and
// server-time needs no more than the tag syntax, which every client asking for it parses
// (irc-framework asks for each of these three it is offered).
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace chatd::net::irc {

enum class Cap : std::uint8_t { echo_message = 1, server_time = 2, multi_prefix = 4 };

// Whether the client has completed registration (NICK and USER, answered with 001).
enum class Phase { registering, registered };

// One per connection; owned by the session's coroutine, which alone calls it.
class CapNegotiation {
 public:
  // Answers one CAP command: `params` are its params, subcommand first. `target` is the
  // client's nick, or "*" before it has one. Returns the lines to send (possibly none):
  //   LS [302] -> "CAP target LS :echo-message multi-prefix server-time"
  //   LIST     -> "CAP target LIST :" and the capabilities turned on
  //   REQ :a -b -> ACK with the same list when every name is offered, else NAK: all or nothing
  //   END      -> nothing; registration may go on
  // and 410 for another subcommand, 461 when the subcommand or REQ's list is missing. LS and
  // REQ while registering hold registration until END.
  std::string handle(std::span<const std::string> params, std::string_view server,
                     std::string_view target, Phase phase);

  // True from a CAP LS or REQ during registration until CAP END: the door must not send 001.
  bool holds_registration() const noexcept { return holding_; }
  // Whether the client turned `cap` on and has not turned it off.
  bool enabled(Cap cap) const noexcept { return (enabled_ & static_cast<std::uint8_t>(cap)) != 0; }
  // The version the client gave with CAP LS (302), or 0.
  int version() const noexcept { return version_; }

 private:
  std::string request(std::string_view list, std::string_view server, std::string_view target);

  std::uint8_t enabled_ = 0;
  bool holding_ = false;
  int version_ = 0;
};

// "@time=2026-12-02T16:00:00.000Z", UTC to the millisecond, the server-time tag for a line sent
// to a client that enabled Cap::server_time: prepend it and a space to the line.
std::string server_time_tag(std::chrono::system_clock::time_point when);

}  // namespace chatd::net::irc
