// The web door's syntax; see ws_input.hpp.
#include "net/web/ws_input.hpp"

#include <array>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>

namespace chatd::net::web {

namespace json = boost::json;

namespace {

std::string too_long(std::size_t max_line) {
  return "line too long (max " + std::to_string(max_line) + " bytes)";
}

void add_message_line(std::string_view text, std::vector<FrameInput>& out) {
  if (out.empty() || !std::holds_alternative<actors::SafeLines>(out.back()))
    out.emplace_back(actors::SafeLines{});
  std::get<actors::SafeLines>(out.back()).add(text);
}

// One line, parsed as the line door parses it.
void add_parsed(std::string_view line, std::vector<FrameInput>& out) {
  std::visit(
      [&out](auto&& parsed) {
        if constexpr (std::is_same_v<std::decay_t<decltype(parsed)>, line::MessageLine>)
          add_message_line(parsed.text, out);
        else
          out.emplace_back(std::move(parsed));
      },
      line::parse_line(line));
}

// Each of `text`'s lines (split at '\n', a '\r' before it dropped), as messages or — when
// `commands` — parsed as the line door parses them.
void add_lines(std::string_view text, std::size_t max_line, bool commands,
               std::vector<FrameInput>& out) {
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (line.empty()) continue;
    if (line.size() > max_line) {
      out.emplace_back(BadInput{too_long(max_line)});
      continue;
    }
    if (commands)
      add_parsed(line, out);
    else
      add_message_line(line, out);
  }
}

// The string field `key` of `object`, or null.
const json::string* string_field(const json::object& object, std::string_view key) {
  const json::value* field = object.if_contains(key);
  return field != nullptr ? field->if_string() : nullptr;
}

std::string_view view(const json::string& text) {
  return std::string_view(text.data(), text.size());
}

// A JSON command turned into its line-protocol form and parsed as such: the two doors share one
// set of rules for names, rooms and usage errors.
void add_as_command(std::string_view command, std::string_view argument, std::size_t max_line,
                    std::vector<FrameInput>& out) {
  if (argument.size() > max_line) {
    out.emplace_back(BadInput{too_long(max_line)});
    return;
  }
  // One line whatever the argument holds: a '\n' in a name must not smuggle in a message.
  std::string line = "/" + std::string(command);
  if (!argument.empty()) line += " " + std::string(argument);
  add_parsed(line, out);
}

void add_object(const json::object& object, std::size_t max_line, std::vector<FrameInput>& out) {
  const json::string* type = string_field(object, "type");
  if (type == nullptr) {
    out.emplace_back(BadInput{R"(missing "type")"});
    return;
  }
  // A private message names its recipient in a field of its own, so it is built here rather
  // than as a line: a space in "to" must not move words from the name into the text.
  if (view(*type) == "msg") {
    const json::string* to = string_field(object, "to");
    const json::string* text = string_field(object, "text");
    if (to == nullptr || text == nullptr) {
      out.emplace_back(BadInput{R"("msg" needs a string "to" and a string "text")"});
      return;
    }
    if (text->size() > max_line) {
      out.emplace_back(BadInput{too_long(max_line)});
      return;
    }
    // One line of text, as a line client's /msg is.
    const std::string_view words = view(*text).substr(0, view(*text).find_first_of("\r\n"));
    if (to->empty() || words.empty()) {
      out.emplace_back(line::MalformedCommand{"usage: /msg NICK TEXT"});
      return;
    }
    out.emplace_back(
        Command{command::Msg{std::string(view(*to).substr(0, 64)), actors::SafeText(words)}});
    return;
  }
  // Each type and the string field it needs ("" for none).
  struct Shape {
    std::string_view type;
    std::string_view field;
    bool required;
  };
  static constexpr std::array<Shape, 9> shapes{{{"say", "text", true},
                                                {"me", "text", true},
                                                {"nick", "name", true},
                                                {"join", "room", true},
                                                {"who", "", false},
                                                {"rooms", "", false},
                                                {"topic", "text", false},
                                                {"help", "", false},
                                                {"quit", "reason", false}}};
  for (const Shape& shape : shapes) {
    if (view(*type) != shape.type) continue;
    const json::string* field = shape.field.empty() ? nullptr : string_field(object, shape.field);
    if (shape.required && field == nullptr) {
      out.emplace_back(BadInput{"\"" + std::string(shape.type) + "\" needs a string \"" +
                                std::string(shape.field) + "\""});
      return;
    }
    const std::string_view argument = field != nullptr ? view(*field) : std::string_view();
    if (shape.type == "say") {
      // Several lines are several messages; none of them is ever a command.
      add_lines(argument, max_line, false, out);
    } else {
      add_as_command(shape.type, argument, max_line, out);
    }
    return;
  }
  out.emplace_back(BadInput{"unknown type '" + actors::neutralize(view(*type).substr(0, 64)) +
                            "'"});
}

}  // namespace

void parse_message(std::string_view message, std::size_t max_line, std::vector<FrameInput>& out) {
  if (!message.starts_with('{')) {
    add_lines(message, max_line, true, out);
    return;
  }
  // Most messages parse within this buffer; bigger ones spill to the heap.
  std::array<unsigned char, 4096> scratch;
  json::monotonic_resource memory(scratch.data(), scratch.size());
  boost::system::error_code ec;
  const json::value value = json::parse(json::string_view(message.data(), message.size()), ec,
                                        json::storage_ptr(&memory));
  if (ec) {
    out.emplace_back(BadInput{"invalid JSON: " + ec.message()});
    return;
  }
  const json::object* object = value.if_object();
  if (object == nullptr) {
    out.emplace_back(BadInput{"invalid JSON: not an object"});
    return;
  }
  add_object(*object, max_line, out);
}

}  // namespace chatd::net::web
