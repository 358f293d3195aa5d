// What the line door says to one client about its own input: errors, answers to /rooms and
// /help, the throttle notice and the last words before a disconnect. Room records are in
// line_format.hpp; these are the door's own lines.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "actors/room_directory.hpp"
#include "net/end_reason.hpp"
#include "net/participant.hpp"

namespace chatd::net::line {

std::string line_too_long(std::size_t max_line);
std::string unknown_command(std::string_view name);
std::string malformed_command(std::string_view usage);
// Empty when there is nothing to say (it worked).
std::string rename_reply(RenameResult result, std::string_view nickname);
std::string move_reply(MoveResult result, std::string_view room_name, std::string_view current);
std::string room_list(const std::vector<actors::RoomSummary>& rooms);
std::string private_reply(PrivateResult result, std::string_view nickname);
std::string topic_reply(TopicResult result);
inline constexpr std::string_view slow_down = "! slow down: your lines are being delayed\n";
// Written after everything else, just before the connection closes; empty for most reasons.
std::string_view last_words(EndReason reason);

// The line door's answers to commands, for net::perform (conversation.hpp).
struct LineReplies {
  static std::string renamed(RenameResult result, std::string_view nickname) {
    return rename_reply(result, nickname);
  }
  static std::string moved(MoveResult result, std::string_view asked, std::string_view current) {
    return move_reply(result, asked, current);
  }
  static std::string rooms(const std::vector<actors::RoomSummary>& list) { return room_list(list); }
  static std::string messaged(PrivateResult result, std::string_view nickname) {
    return private_reply(result, nickname);
  }
  static std::string topic(TopicResult result) { return topic_reply(result); }
  static std::string help();
  static std::string unknown_command(std::string_view name) { return line::unknown_command(name); }
  static std::string malformed_command(std::string_view usage) {
    return line::malformed_command(usage);
  }
};

}  // namespace chatd::net::line
