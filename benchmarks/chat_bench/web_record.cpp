// A web door record's "from" and "text"; see web_record.hpp.
#include "chat_bench/web_record.hpp"

#include <array>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>

namespace chatd::chat_bench {

namespace json = boost::json;

namespace {

constexpr std::string_view kMessageStart = R"({"type":"message",)";

constexpr std::string_view kFromKey = R"("from":")";
constexpr std::string_view kTextKey = R"("text":")";

// The string after `pattern` (`"key":"`) in compact JSON, when it holds no escape. A raw
// `"key":"` can only be the key itself: a quote inside a JSON string is always escaped.
std::optional<std::string_view> plain_string_field(std::string_view object,
                                                   std::string_view pattern) {
  const auto at = object.find(pattern);
  if (at == std::string_view::npos) return std::nullopt;
  const auto begin = at + pattern.size();
  const auto end = object.find('"', begin);
  if (end == std::string_view::npos) return std::nullopt;
  const auto value = object.substr(begin, end - begin);
  if (value.find('\\') != std::string_view::npos) return std::nullopt;
  return value;
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
  const json::value value =
      json::parse(json::string_view(payload.data(), payload.size()), ec, json::storage_ptr(&memory));
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
  if (payload.starts_with(kMessageStart)) {
    const auto from = plain_string_field(payload, kFromKey);
    const auto text = plain_string_field(payload, kTextKey);
    if (from && text) return WebMessage{*from, *text};
  } else if (payload.starts_with(R"({"type":")")) {
    return std::nullopt;  // chatd's compact form of another record
  }
  return parse_fully(payload, scratch);
}

}  // namespace chatd::chat_bench
