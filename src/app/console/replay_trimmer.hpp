// After a reconnect the room replays its recent history ("* last N messages:" and the lines),
// and most of it the user saw before the connection went. ReplayTrimmer remembers the last
// message lines shown and, from a replay, passes on only what came after the last of them: what
// was said while the client was away. Pure: no terminal, no socket.
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace chatd::app::console {

// "* last N messages:" or "* last 1 message:", the line a room's replay starts with.
bool is_replay_marker(std::string_view line);

class ReplayTrimmer {
 public:
  // Message lines remembered, and the most a replay held back may grow to before it is shown
  // whole (the server's replay is at most its --history, 100 by default).
  static constexpr std::size_t remembered = 200;
  static constexpr std::size_t max_held = 2000;

  // A line the user was shown. Only messages (`NAME:TEXT`) are remembered: they are what a
  // replay repeats, where notices and replies need not be.
  void shown(std::string_view line);

  // A replay starts with `marker`: hold its lines until release().
  void begin_replay(std::string_view marker);
  bool holding() const noexcept { return holding_; }
  // Holds one line of the replay; false (and not held) once max_held are held.
  bool hold(std::string_view line);

  // What of a replay to show, and how many of its lines were left out as seen.
  struct Released {
    std::vector<std::string> lines;
    std::size_t skipped = 0;
  };
  // Ends the replay: the lines after the last message the user had seen, when the replay holds
  // it where the user saw it; else all of it, marker first.
  Released release();

 private:
  std::deque<std::string> shown_messages_;
  std::vector<std::string> held_;  // the marker, then the replay's lines
  bool holding_ = false;
};

}  // namespace chatd::app::console
