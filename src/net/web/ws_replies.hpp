// What the web door says to one WebSocket client about its own input, as ready JSON frames.
// Errors use the line door's words (line_replies.hpp) without the "! ", so both doors say the
// same thing the same way.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "actors/room_directory.hpp"

namespace chatd::net::web {

std::string welcome(std::string_view name, std::string_view room);
std::string now_in_room(std::string_view room);
std::string room_list(const std::vector<actors::RoomSummary>& rooms);
std::string help();
std::string notice(std::string_view text);
std::string error(std::string_view text);
// A line-door reply ("! nickname bob is taken\n") as an error frame; empty stays empty.
std::string error_from_line(std::string_view line_reply);

}  // namespace chatd::net::web
