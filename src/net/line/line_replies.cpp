// The line door's own replies; see line_replies.hpp.
#include "net/line/line_replies.hpp"

#include "actors/safe_text.hpp"
#include "net/line/line_parser.hpp"

namespace chatd::net::line {

namespace {
// Client-chosen text echoed in errors is cut to this many bytes, then made safe.
constexpr std::size_t max_echo = 64;

std::string echo(std::string_view text) {
  return actors::neutralize(text.substr(0, max_echo));
}
}  // namespace

std::string line_too_long(std::size_t max_line) {
  return "! line too long (max " + std::to_string(max_line) + " bytes)\n";
}

std::string unknown_command(std::string_view name) {
  return "! unknown command /" + echo(name) + " (try /help)\n";
}

std::string malformed_command(std::string_view usage) {
  return "! " + std::string(usage) + "\n";
}

std::string rename_reply(RenameResult result, std::string_view nickname) {
  switch (result) {
    case RenameResult::renamed:
      return {};
    case RenameResult::invalid:
      return "! invalid nickname '" + echo(nickname) +
             "': use 1-32 letters, digits or _-[]{}|^` and do not start with a digit or -\n";
    case RenameResult::taken:
      return "! nickname " + std::string(nickname) + " is taken\n";
  }
  return {};
}

std::string move_reply(MoveResult result, std::string_view room_name, std::string_view current) {
  switch (result) {
    case MoveResult::moved:
    case MoveResult::shutting_down:
      return {};
    case MoveResult::invalid:
      return "! invalid room name '" + echo(room_name) +
             "': use 1-32 letters, digits or _-[]{}|^`\n";
    case MoveResult::already_there:
      return "! you are already in " + std::string(current) + "\n";
  }
  return {};
}

std::string room_list(const std::vector<actors::RoomSummary>& rooms) {
  std::string text = "* rooms:";
  const char* separator = " ";
  for (const auto& room : rooms) {
    text += separator + room.name + " (" + std::to_string(room.members) + ")";
    separator = ", ";
  }
  return text + "\n";
}

std::string private_reply(PrivateResult result, std::string_view nickname) {
  switch (result) {
    case PrivateResult::delivered:
    case PrivateResult::shutting_down:
      return {};
    case PrivateResult::unknown_nick:
      return "! no such nickname: " + echo(nickname) + "\n";
    case PrivateResult::no_nickname:
      return "! choose a nickname first (/nick NAME): private messages need one to answer\n";
  }
  return {};
}

std::string topic_reply(TopicResult result) {
  switch (result) {
    case TopicResult::set:
    case TopicResult::shown:
    case TopicResult::shutting_down:
      return {};
    case TopicResult::too_long:
      return "! topic too long (max " + std::to_string(max_topic) + " bytes)\n";
    case TopicResult::not_in_room:
      return "! you are not in that room\n";
  }
  return {};
}

std::string LineReplies::help() {
  return std::string(help_text());
}

std::string_view last_words(EndReason reason) {
  switch (reason) {
    case EndReason::too_slow:
      return "! disconnected: too slow\n";
    case EndReason::timed_out:
      return "! disconnected: idle for too long\n";
    case EndReason::client_closed:
    case EndReason::quit:
    case EndReason::read_failed:
    case EndReason::write_failed:
    case EndReason::shutdown:
      return {};
  }
  return {};
}

}  // namespace chatd::net::line
