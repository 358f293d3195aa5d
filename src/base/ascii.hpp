// ASCII case folding: the one rule by which nicknames and room names compare ("Alice" and
// "alice" are one name). Names are ASCII only (see the participant's name rules), so there is no
// locale to consult.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>

namespace chatd::base {

constexpr char fold_case(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

inline std::string folded(std::string_view name) {
  std::string key(name);
  std::transform(key.begin(), key.end(), key.begin(), fold_case);
  return key;
}

constexpr bool equal_ignoring_case(std::string_view a, std::string_view b) noexcept {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](char x, char y) { return fold_case(x) == fold_case(y); });
}

}  // namespace chatd::base
