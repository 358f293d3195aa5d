// Fuzzes the IRC message both ways. Input: byte 0 picks the way. Parse: the rest is one line;
// checked, the message keeps the grammar's shape (a command token in upper case, at most 15
// params, middles that are non-empty tokens not starting with ':'). Render: the rest is split
// on '\x01' into source, command and params; checked, the line is at most 512 bytes, ends in
// its only "\r\n" and holds no NUL; parsed back it gives the same message when its parts were
// tokens, and a last param cut only on a UTF-8 boundary.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/safe_text.hpp"
#include "fuzz_check.hpp"
#include "net/irc/irc_message.hpp"

namespace {

using chatd::net::irc::IrcMessage;

bool is_token(std::string_view text) {
  return !text.empty() && text.front() != ':' && text.front() != '@' &&
         text.find_first_of(std::string_view(" \r\n\0", 4)) == std::string_view::npos;
}

void check_parse(std::string_view line) {
  const std::optional<IrcMessage> message = chatd::net::irc::parse_irc_message(line);
  if (!message) return;
  FUZZ_CHECK(!message->command.empty());
  FUZZ_CHECK(message->command.find(' ') == std::string::npos);
  for (const char c : message->command) FUZZ_CHECK(c < 'a' || c > 'z');
  FUZZ_CHECK(message->source.find(' ') == std::string::npos);
  FUZZ_CHECK(message->params.size() <= chatd::net::irc::max_params);
  for (std::size_t i = 0; i + 1 < message->params.size(); ++i) {
    FUZZ_CHECK(!message->params[i].empty());
    FUZZ_CHECK(message->params[i].front() != ':');
    FUZZ_CHECK(message->params[i].find(' ') == std::string::npos);
  }
  for (const auto& tag : message->tags) FUZZ_CHECK(!tag.key.empty());
}

std::string upper(std::string_view text) {
  std::string result(text);
  for (char& c : result) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return result;
}

void check_render(std::string_view input) {
  std::vector<std::string_view> parts;
  for (std::size_t at = 0;;) {
    const std::size_t end = input.find('\x01', at);
    parts.push_back(input.substr(at, end - at));
    if (end == std::string_view::npos) break;
    at = end + 1;
  }
  if (parts.size() < 2 || parts.size() > 2 + chatd::net::irc::max_params) return;
  const std::string_view source = parts[0];
  const std::string_view command = parts[1];
  const std::vector<std::string_view> params(parts.begin() + 2, parts.end());
  const std::string line = chatd::net::irc::irc_line(source, command, params);

  FUZZ_CHECK(line.size() <= chatd::net::irc::max_line_bytes);
  FUZZ_CHECK(line.ends_with("\r\n"));
  const std::string_view body = std::string_view(line).substr(0, line.size() - 2);
  FUZZ_CHECK(body.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos);

  // Parts that are tokens, and a fixed part short enough that only the last param may be cut.
  bool tokens = (source.empty() || is_token(source)) && is_token(command);
  std::size_t fixed = (source.empty() ? 0 : source.size() + 2) + command.size();
  for (std::size_t i = 0; i + 1 < params.size(); ++i) {
    tokens = tokens && is_token(params[i]);
    fixed += 1 + params[i].size();
  }
  if (!tokens || fixed + 2 > 510) return;
  const std::optional<IrcMessage> message = chatd::net::irc::parse_irc_message(body);
  FUZZ_CHECK(message.has_value());
  FUZZ_CHECK(message->source == source);
  FUZZ_CHECK(message->command == upper(command));
  FUZZ_CHECK(message->params.size() == params.size());
  for (std::size_t i = 0; i + 1 < params.size(); ++i) FUZZ_CHECK(message->params[i] == params[i]);
  if (params.empty()) return;
  // The last param comes back whole, or cut; CR, LF and NUL come back as spaces.
  std::string sent(params.back());
  for (char& c : sent) {
    if (c == '\r' || c == '\n' || c == '\0') c = ' ';
  }
  const std::string& got = message->params.back();
  FUZZ_CHECK(sent.starts_with(got));
  if (got.size() < sent.size()) {
    FUZZ_CHECK(line.size() >= chatd::net::irc::max_line_bytes - 3);
    if (chatd::actors::neutralize(sent) == sent) FUZZ_CHECK(chatd::actors::neutralize(got) == got);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] & 1) {
    check_render(input);
  } else {
    check_parse(input);
  }
  return 0;
}
