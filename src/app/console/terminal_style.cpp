#include "app/console/terminal_style.hpp"

#include <array>
#include <cctype>
#include <cstdint>
#include <ctime>

#include "actors/safe_text.hpp"
#include "app/console/roster.hpp"
#include "base/ascii.hpp"

namespace chatd::app::console {
namespace {

// Green, yellow, blue, magenta, cyan and their bright forms: readable on dark and light
// backgrounds, and none of them the red of an error.
constexpr std::array<std::string_view, 10> name_colours = {
    "\x1b[32m", "\x1b[33m", "\x1b[34m", "\x1b[35m", "\x1b[36m",
    "\x1b[92m", "\x1b[93m", "\x1b[94m", "\x1b[95m", "\x1b[96m"};

// FNV-1a: stable across runs and builds, unlike std::hash.
std::uint32_t stable_hash(std::string_view text) {
  std::uint32_t hash = 2166136261u;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 16777619u;
  }
  return hash;
}

bool is_name_character(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
         std::string_view("_-[]{}|^`").find(c) != std::string_view::npos;
}

}  // namespace

bool mentions(std::string_view text, std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t at = 0; at + name.size() <= text.size(); ++at) {
    if (!base::equal_ignoring_case(text.substr(at, name.size()), name)) continue;
    const bool starts_word = at == 0 || !is_name_character(text[at - 1]);
    const std::size_t end = at + name.size();
    const bool ends_word = end == text.size() || !is_name_character(text[end]);
    if (starts_word && ends_word) return true;
  }
  return false;
}

std::string_view name_style(std::string_view name) {
  return name_colours[stable_hash(name) % name_colours.size()];
}

void append_styled_line(std::string& out, std::string_view line, std::string_view own_name) {
  const std::string safe = actors::neutralize(line);
  if (safe.starts_with("* ") || safe.starts_with("! ")) {
    out.append(safe.starts_with("* ") ? notice_style : error_style).append(safe);
    out.append(reset_style).push_back('\n');
    return;
  }
  const auto message = split_message(safe);
  if (!message) {
    out.append(safe).push_back('\n');
    return;
  }
  const bool own = message->sender == own_name;
  out.append(own ? own_name_style : name_style(message->sender));
  out.append(message->name_part).append(reset_style).push_back(':');
  const bool to_us = message->name_part.ends_with(std::string(" -> ").append(own_name));
  if (!own && (to_us || mentions(message->text, own_name))) {
    out.append(mention_style).append(message->text).append(reset_style).push_back('\n');
    return;
  }
  out.append(message->text).push_back('\n');
}

std::string clock_prefix() {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  std::array<char, 8> text{};
  const std::size_t size = std::strftime(text.data(), text.size(), "%H:%M ", &local);
  return std::string(text.data(), size);
}

}  // namespace chatd::app::console
