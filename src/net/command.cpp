// The name rules shared by every door; see command.hpp.
#include "net/command.hpp"

#include <algorithm>
#include <string_view>

namespace chatd::net {

namespace {

bool is_name(std::string_view name) {
  if (name.empty() || name.size() > 32) return false;
  const auto is_letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  if (name.front() == '-' || is_digit(name.front())) return false;
  return std::all_of(name.begin(), name.end(), [&](char c) {
    return is_letter(c) || is_digit(c) ||
           std::string_view("_-[]{}|^`").find(c) != std::string_view::npos;
  });
}

}  // namespace

bool is_valid_nickname(std::string_view name) {
  return is_name(name);
}
bool is_valid_room_name(std::string_view name) {
  return is_name(name);
}

}  // namespace chatd::net
