// JsonLine; see json_line.hpp.
#include "loadgen/json_line.hpp"

#include "loadgen/number_format.hpp"

namespace chatd::loadgen {

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\u00";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

JsonLine& JsonLine::raw(std::string_view key, std::string_view value) {
  body_ += body_.size() > 1 ? ",\"" : "\"";
  body_ += key;
  body_ += "\":";
  body_ += value;
  return *this;
}

JsonLine& JsonLine::text(std::string_view key, std::string_view value) {
  return raw(key, json_string(value));
}

JsonLine& JsonLine::count(std::string_view key, std::uint64_t value) {
  std::string digits;
  append_number(digits, value);
  return raw(key, digits);
}

JsonLine& JsonLine::count(std::string_view key, std::optional<std::uint64_t> value) {
  if (!value) return raw(key, "null");
  return count(key, *value);
}

JsonLine& JsonLine::number(std::string_view key, std::optional<double> value, int decimals) {
  return raw(key, value ? fixed(*value, decimals) : std::string("null"));
}

JsonLine& JsonLine::numbers(std::string_view key, const std::vector<std::optional<double>>& values,
                            int decimals) {
  std::string list = "[";
  for (const auto& value : values) {
    if (list.size() > 1) list += ',';
    list += value ? fixed(*value, decimals) : std::string("null");
  }
  return raw(key, list + "]");
}

JsonLine& JsonLine::strings(std::string_view key, const std::vector<std::string>& values) {
  std::string list = "[";
  for (const auto& value : values) {
    if (list.size() > 1) list += ',';
    list += json_string(value);
  }
  return raw(key, list + "]");
}

}  // namespace chatd::loadgen
