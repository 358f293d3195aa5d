// The web door's own replies; see ws_replies.hpp.
#include "net/web/ws_replies.hpp"

#include "net/line/line_parser.hpp"
#include "net/line/line_replies.hpp"
#include "net/web/json_format.hpp"
#include "net/web/ws_frame.hpp"

namespace chatd::net::web {

namespace {

std::string framed(const std::string& json) {
  std::string frame;
  append_text_frame(frame, json);
  return frame;
}

std::string with_text(std::string_view type, std::string_view key, std::string_view value) {
  return framed(R"({"type":")" + std::string(type) + R"(",")" + std::string(key) +
                "\":" + json_string(value) + "}");
}

}  // namespace

std::string welcome(std::string_view name, std::string_view room) {
  return framed(R"({"type":"welcome","name":)" + json_string(name) +
                R"(,"room":)" + json_string(room) + "}");
}

std::string now_in_room(std::string_view room) {
  return with_text("room", "room", room);
}

std::string room_list(const std::vector<actors::RoomSummary>& rooms) {
  std::string json = R"({"type":"rooms","rooms":[)";
  for (std::size_t i = 0; i < rooms.size(); ++i) {
    if (i > 0) json += ',';
    json += R"({"name":)" + json_string(rooms[i].name) +
            R"(,"members":)" + std::to_string(rooms[i].members) + "}";
  }
  return framed(json + "]}");
}

std::string help() {
  return with_text("help", "text", line::help_text());
}

std::string notice(std::string_view text) {
  return with_text("notice", "text", text);
}

std::string error(std::string_view text) {
  return with_text("error", "text", text);
}

std::string error_from_line(std::string_view line_reply) {
  if (line_reply.empty()) return {};
  if (line_reply.starts_with("! ")) line_reply.remove_prefix(2);
  if (line_reply.ends_with('\n')) line_reply.remove_suffix(1);
  return error(line_reply);
}

std::string WebReplies::renamed(RenameResult result, std::string_view nickname) {
  return error_from_line(line::rename_reply(result, nickname));
}

std::string WebReplies::moved(MoveResult result, std::string_view asked,
                              std::string_view current) {
  if (result == MoveResult::moved) return now_in_room(current);
  return error_from_line(line::move_reply(result, asked, current));
}

std::string WebReplies::messaged(PrivateResult result, std::string_view nickname) {
  return error_from_line(line::private_reply(result, nickname));
}

std::string WebReplies::topic(TopicResult result) {
  return error_from_line(line::topic_reply(result));
}

std::string WebReplies::unknown_command(std::string_view name) {
  return error_from_line(line::unknown_command(name));
}

std::string WebReplies::malformed_command(std::string_view usage) {
  return error_from_line(line::malformed_command(usage));
}

}  // namespace chatd::net::web
