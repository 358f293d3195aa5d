// A web door record's "from" and "text"; see web_record.hpp.
#include "chat_bench/web_record.hpp"

#include <array>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>

namespace chatd::chat_bench {

namespace json = boost::json;

namespace {

// The string starting at `at` (just past its opening quote) when it holds no escape; `at` moves
// past its closing quote.
std::optional<std::string_view> plain_string(std::string_view json, std::size_t& at) {
  const auto end = json.find('"', at);
  if (end == std::string_view::npos) return std::nullopt;
  const auto value = json.substr(at, end - at);
  if (value.find('\\') != std::string_view::npos) return std::nullopt;
  at = end + 1;
  return value;
}

// One pass over the compact form chatd writes: `{"k":"v","k":"v",...}`, every value a string
// without escapes. Anything else (numbers, arrays, escapes, spaces) is left to parse_fully.
enum class Quick { message, other, undecided };

Quick parse_quickly(std::string_view json, WebMessage& message) {
  if (!json.starts_with('{')) return Quick::undecided;
  std::size_t at = 1;
  bool is_message = false;
  bool has_from = false;
  bool has_text = false;
  for (;;) {
    if (at >= json.size() || json[at] != '"') return Quick::undecided;
    ++at;
    const auto key = plain_string(json, at);
    if (!key || at + 1 >= json.size() || json[at] != ':' || json[at + 1] != '"')
      return Quick::undecided;
    at += 2;
    const auto value = plain_string(json, at);
    if (!value) return Quick::undecided;
    if (*key == "type") {
      if (*value != "message") return Quick::other;
      is_message = true;
    } else if (*key == "from") {
      message.from = *value;
      has_from = true;
    } else if (*key == "text") {
      message.text = *value;
      has_text = true;
    }
    if (at >= json.size()) return Quick::undecided;
    if (json[at] == '}') break;
    if (json[at] != ',') return Quick::undecided;
    ++at;
  }
  return is_message && has_from && has_text ? Quick::message : Quick::other;
}

std::optional<std::string_view> string_field(const json::object& object, std::string_view key) {
  const json::value* field = object.if_contains(key);
  if (field == nullptr || !field->is_string()) return std::nullopt;
  const json::string& text = field->get_string();
  return std::string_view(text.data(), text.size());
}

std::optional<WebMessage> parse_fully(std::string_view payload, std::string& scratch) {
  std::array<unsigned char, 2048> arena;
  json::monotonic_resource memory(arena.data(), arena.size());
  boost::system::error_code ec;
  const json::value value = json::parse(json::string_view(payload.data(), payload.size()), ec,
                                        json::storage_ptr(&memory));
  if (ec || !value.is_object()) return std::nullopt;
  const json::object& object = value.get_object();
  const auto type = string_field(object, "type");
  const auto from = string_field(object, "from");
  const auto text = string_field(object, "text");
  if (!type || *type != "message" || !from || !text) return std::nullopt;
  // The document dies with this frame; the views must outlive it.
  scratch.assign(*from);
  scratch += *text;
  const std::string_view kept(scratch);
  return WebMessage{kept.substr(0, from->size()), kept.substr(from->size())};
}

}  // namespace

std::optional<WebMessage> parse_web_message(std::string_view payload, std::string& scratch) {
  WebMessage message;
  switch (parse_quickly(payload, message)) {
    case Quick::message:
      return message;
    case Quick::other:
      return std::nullopt;
    case Quick::undecided:
      break;
  }
  return parse_fully(payload, scratch);
}

}  // namespace chatd::chat_bench
