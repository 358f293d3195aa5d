// IRC message parsing and rendering; see irc_message.hpp.
#include "net/irc/irc_message.hpp"

#include <algorithm>

namespace chatd::net::irc {

namespace {

// The line's bytes before its "\r\n".
constexpr std::size_t max_content = max_line_bytes - 2;

void skip_spaces(std::string_view& text) {
  text.remove_prefix(std::min(text.find_first_not_of(' '), text.size()));
}

// Removes and returns the text up to the next space (or the end).
std::string_view take_token(std::string_view& text) {
  const std::size_t end = std::min(text.find(' '), text.size());
  const std::string_view token = text.substr(0, end);
  text.remove_prefix(end);
  return token;
}

std::string unescape_tag_value(std::string_view escaped) {
  std::string value;
  value.reserve(escaped.size());
  for (std::size_t i = 0; i < escaped.size(); ++i) {
    if (escaped[i] != '\\') {
      value += escaped[i];
      continue;
    }
    if (++i == escaped.size()) break;  // a lone '\' at the end is dropped, as the spec says
    switch (escaped[i]) {
      case ':':
        value += ';';
        break;
      case 's':
        value += ' ';
        break;
      case 'r':
        value += '\r';
        break;
      case 'n':
        value += '\n';
        break;
      default:
        value += escaped[i];  // "\\" is a backslash; any other escaped character is itself
    }
  }
  return value;
}

// `text`: the tags without their '@', "a=b;c;+d=e".
std::vector<Tag> parse_tags(std::string_view text) {
  std::vector<Tag> tags;
  while (!text.empty()) {
    const std::size_t end = std::min(text.find(';'), text.size());
    const std::string_view tag = text.substr(0, end);
    text.remove_prefix(std::min(end + 1, text.size()));
    const std::size_t equals = std::min(tag.find('='), tag.size());
    if (equals == 0) continue;  // ";;" or "=x": nothing to name
    const std::string_view value = equals < tag.size() ? tag.substr(equals + 1) : "";
    tags.push_back({std::string(tag.substr(0, equals)), unescape_tag_value(value)});
  }
  return tags;
}

constexpr char to_upper(char c) noexcept {
  return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}

constexpr bool breaks_line(char c) noexcept {
  return c == '\r' || c == '\n' || c == '\0';
}

void append_sanitized(std::string& out, std::string_view text) {
  for (const char c : text) out += breaks_line(c) ? ' ' : c;
}

bool needs_colon(std::string_view last) {
  return last.empty() || last.front() == ':' ||
         std::any_of(last.begin(), last.end(), [](char c) { return c == ' ' || breaks_line(c); });
}

constexpr bool is_continuation_byte(char c) noexcept {
  return (static_cast<unsigned char>(c) & 0xC0u) == 0x80u;
}

// The longest prefix of `text` of at most `size` bytes that does not split a UTF-8 character.
// Backs off at most three bytes (a character's continuation bytes), so invalid text costs
// nothing more.
std::size_t character_boundary(std::string_view text, std::size_t size) {
  if (size >= text.size()) return text.size();
  for (int i = 0; i < 3 && size > 0 && is_continuation_byte(text[size]); ++i) --size;
  return size;
}

}  // namespace

std::optional<std::string_view> IrcMessage::tag(std::string_view key) const {
  const auto found =
      std::find_if(tags.rbegin(), tags.rend(), [key](const Tag& tag) { return tag.key == key; });
  if (found == tags.rend()) return std::nullopt;
  return found->value;
}

std::optional<IrcMessage> parse_irc_message(std::string_view line) {
  IrcMessage message;
  std::string_view rest = line;
  if (rest.starts_with('@')) {
    rest.remove_prefix(1);
    message.tags = parse_tags(take_token(rest));
  }
  skip_spaces(rest);
  if (rest.starts_with(':')) {
    rest.remove_prefix(1);
    message.source = take_token(rest);
  }
  skip_spaces(rest);
  const std::string_view command = take_token(rest);
  if (command.empty()) return std::nullopt;
  message.command.resize(command.size());
  std::transform(command.begin(), command.end(), message.command.begin(), to_upper);

  for (skip_spaces(rest); !rest.empty(); skip_spaces(rest)) {
    if (rest.front() == ':') {
      message.params.emplace_back(rest.substr(1));
      break;
    }
    if (message.params.size() == max_params - 1) {
      message.params.emplace_back(rest);
      break;
    }
    message.params.emplace_back(take_token(rest));
  }
  return message;
}

void append_irc_line(std::string& out, std::string_view source, std::string_view command,
                     std::span<const std::string_view> params) {
  const std::size_t start = out.size();
  if (!source.empty()) {
    out += ':';
    append_sanitized(out, source);
    out += ' ';
  }
  append_sanitized(out, command);
  if (!params.empty()) {
    for (const std::string_view middle : params.first(params.size() - 1)) {
      out += ' ';
      append_sanitized(out, middle);
    }
    const std::string_view last = params.back();
    const std::size_t fixed = out.size() - start;
    bool colon = needs_colon(last);
    std::size_t kept = last.size();
    if (fixed + 1 + (colon ? 1 : 0) + last.size() > max_content) {
      colon = true;
      kept = fixed + 2 <= max_content ? character_boundary(last, max_content - fixed - 2) : 0;
    }
    out += colon ? " :" : " ";
    append_sanitized(out, last.substr(0, kept));
  }
  if (out.size() - start > max_content) {
    const std::string_view line = std::string_view(out).substr(start);
    out.resize(start + character_boundary(line, max_content));
  }
  out += "\r\n";
}

std::string irc_line(std::string_view source, std::string_view command,
                     std::span<const std::string_view> params) {
  std::string line;
  append_irc_line(line, source, command, params);
  return line;
}

std::string irc_line(std::string_view source, std::string_view command,
                     std::initializer_list<std::string_view> params) {
  return irc_line(source, command,
                  std::span<const std::string_view>(params.begin(), params.size()));
}

}  // namespace chatd::net::irc
