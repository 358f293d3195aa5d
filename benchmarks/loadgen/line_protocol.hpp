// The parts of chatd's line protocol a black-box client needs: a relayed message is
// `NAME:TEXT`, a notice starts with `* `, an error with `! `.
#pragma once

#include <optional>
#include <string_view>

namespace chatd::loadgen {

// The TEXT of a relayed `NAME:TEXT`. An IPv4 name `a.b.c.d:port` (the default, and the only
// kind the Go tutorial server gives) holds one ':', a nickname none.
inline std::optional<std::string_view> message_text(std::string_view line) {
  const auto first = line.find(':');
  if (first == std::string_view::npos) return std::nullopt;
  if (line.substr(0, first).find('.') == std::string_view::npos) return line.substr(first + 1);
  const auto second = line.find(':', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  return line.substr(second + 1);
}

inline bool is_notice(std::string_view line) {
  return line.starts_with("* ");
}
inline bool is_error(std::string_view line) {
  return line.starts_with("! ");
}

}  // namespace chatd::loadgen
