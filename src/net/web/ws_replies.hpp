// What the web door says to one WebSocket client about its own input, as ready JSON frames.
// Errors use the line door's words (line_replies.hpp) without the "! ", so both doors say the
// same thing the same way.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "actors/room_directory.hpp"
#include "net/participant.hpp"

namespace chatd::net::web {

std::string welcome(std::string_view name, std::string_view room);
std::string now_in_room(std::string_view room);
std::string room_list(const std::vector<actors::RoomSummary>& rooms);
std::string help();
std::string notice(std::string_view text);
std::string error(std::string_view text);
// A line-door reply ("! nickname bob is taken\n") as an error frame; empty stays empty.
std::string error_from_line(std::string_view line_reply);

// The web door's answers to commands, for net::perform (conversation.hpp): the line door's
// words as error frames, JSON for the rest.
struct WebReplies {
  static std::string renamed(RenameResult result, std::string_view nickname);
  static std::string moved(MoveResult result, std::string_view asked, std::string_view current);
  static std::string rooms(const std::vector<actors::RoomSummary>& list) { return room_list(list); }
  static std::string messaged(PrivateResult result, std::string_view nickname);
  static std::string topic(TopicResult result);
  static std::string help() { return web::help(); }
  static std::string unknown_command(std::string_view name);
  static std::string malformed_command(std::string_view usage);
};

}  // namespace chatd::net::web
