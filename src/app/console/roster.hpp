// What the console client knows of where it is, learnt from the lines the server sends: its own
// name, its room, the names it has seen there (from /who and from recent speakers) and the rooms
// it has heard of (from /rooms). It feeds the prompt and Tab completion. Pure: no terminal, no
// socket.
#pragma once

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace chatd::app::console {

// A message line's sender and text, split as docs/protocol.md says (`NAME:TEXT`, where an IPv4
// name holds one ':' and a private message's NAME is `FROM -> TO`); nullopt for a notice ("* "),
// an error ("! ") or a line with no ':'.
struct MessageLine {
  std::string_view sender;     // FROM alone for a private message
  std::string_view name_part;  // everything before the text: NAME, or `FROM -> TO`
  std::string_view text;
};
std::optional<MessageLine> split_message(std::string_view line);

// True for the answer to /who: "* N in ROOM: NAMES".
bool is_who_reply(std::string_view line);

class Roster {
 public:
  // Names remembered at most; past it, new speakers are not added until someone leaves.
  static constexpr std::size_t max_names = 2000;
  // Rooms remembered at most, from the last /rooms answer and the rooms we were in.
  static constexpr std::size_t max_rooms = 1000;

  // A new connection, on which the server calls us `address_name` (IP:PORT) until a /nick takes.
  // The room is kept: the client asks to rejoin it.
  void connected_as(std::string address_name);

  // The user sent "/nick NAME": the server's "* OLD is now known as NAME" for our OLD is ours.
  void nick_requested(std::string_view name);

  // Learns from one line the server sent (without its "\n").
  void observe(std::string_view line);

  const std::string& own_name() const noexcept { return own_name_; }
  const std::string& room() const noexcept { return room_; }
  // The nickname we chose, to claim again after reconnecting; nullopt while known by address.
  const std::optional<std::string>& nickname() const noexcept { return nickname_; }
  bool in_lobby() const;

  // The names seen in the room that start with `prefix` ignoring ASCII case, ourselves left out,
  // sorted.
  std::vector<std::string> names_starting_with(std::string_view prefix) const;

  // The rooms named by /rooms and /who answers that start with `prefix` ignoring ASCII case,
  // the current one left out, sorted.
  std::vector<std::string> rooms_starting_with(std::string_view prefix) const;

 private:
  void remember(std::string_view name);

  std::string own_name_;
  std::optional<std::string> nickname_;
  std::optional<std::string> requested_nick_;
  std::string room_ = "lobby";
  std::set<std::string, std::less<>> names_;
  std::set<std::string, std::less<>> rooms_;
};

}  // namespace chatd::app::console
