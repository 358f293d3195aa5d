// Fuzzes the web door's input syntax and its frames, the two pieces of the WebSocket door that
// see a client's raw bytes or shape what every member receives. Input: byte 0 picks max_line
// (1..256), the rest is one client message. Checked: parse_message never relays anything a line
// client could not have sent — every message line is neutralised (valid UTF-8, no controls but
// tab) and at most max_line bytes before neutralising, never empty, never holding '\n'; a message
// that starts with '{' either is one JSON command or gets exactly one refusal; and every server
// frame built from the relayed text (the JSON format's rendering of it) is a well-formed
// unmasked text frame whose only '\n' is its last byte, its length header matching its payload.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "actors/record.hpp"
#include "fuzz_check.hpp"
#include "net/web/json_format.hpp"
#include "net/web/ws_frame.hpp"
#include "net/web/ws_input.hpp"

namespace {

using namespace chatd;

// The payload length a server frame header states, and where the payload starts.
struct Parsed {
  std::uint64_t length = 0;
  std::size_t header = 0;
};

Parsed parse_header(std::string_view frame) {
  FUZZ_CHECK(frame.size() >= 2);
  FUZZ_CHECK(static_cast<unsigned char>(frame[0]) == 0x81);  // FIN, text, no RSV bits
  const auto second = static_cast<unsigned char>(frame[1]);
  FUZZ_CHECK((second & 0x80) == 0);  // a server never masks
  Parsed parsed;
  if (second < 126) return {second, 2};
  const std::size_t bytes = second == 126 ? 2 : 8;
  FUZZ_CHECK(frame.size() >= 2 + bytes);
  for (std::size_t i = 0; i < bytes; ++i)
    parsed.length = parsed.length << 8 | static_cast<unsigned char>(frame[2 + i]);
  parsed.header = 2 + bytes;
  FUZZ_CHECK(bytes == 2 ? parsed.length >= 126 : parsed.length > 0xFFFF);  // minimal encoding
  return parsed;
}

void check_frames(std::string_view frames) {
  while (!frames.empty()) {
    const Parsed parsed = parse_header(frames);
    FUZZ_CHECK(frames.size() >= parsed.header + parsed.length);
    const std::string_view frame = frames.substr(0, parsed.header + parsed.length);
    FUZZ_CHECK(frame.find('\n') == frame.size() - 1);  // where a room log may cut: the end only
    frames.remove_prefix(frame.size());
  }
}

bool is_neutral(std::string_view text) {
  // neutralize() output: no C0 controls but tab, no DEL; (UTF-8 validity is safe_text_fuzz's job)
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && byte != '\t') || byte == 0x7F) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t max_line = 1 + data[0];
  const std::string_view message(reinterpret_cast<const char*>(data + 1), size - 1);
  std::vector<net::web::FrameInput> inputs;
  net::web::parse_message(message, max_line, inputs);
  if (message.starts_with('{')) {
    // A JSON "say" may hold several lines (and refusals of over-long ones); anything else is
    // one command or one refusal, alone.
    std::size_t others = 0;
    for (const auto& input : inputs)
      others += std::holds_alternative<actors::SafeLines>(input) ||
                        std::holds_alternative<net::web::BadInput>(input)
                    ? 0
                    : 1;
    FUZZ_CHECK(others == 0 || inputs.size() == 1);
  }
  std::string frames;
  for (const auto& input : inputs) {
    const auto* lines = std::get_if<actors::SafeLines>(&input);
    if (lines == nullptr) continue;
    FUZZ_CHECK(!lines->empty());
    for (std::size_t i = 0; i < lines->size(); ++i) {
      const std::string_view line = (*lines)[i];
      FUZZ_CHECK(!line.empty());
      FUZZ_CHECK(is_neutral(line));
      // Neutralising at most triples a byte (one byte → U+FFFD's three).
      FUZZ_CHECK(line.size() <= 3 * max_line);
      net::web::json_format().render(actors::record::Message{"127.0.0.1:1", line}, "lobby",
                                     frames);
    }
  }
  check_frames(frames);
  // The header padding, on every payload size near the lengths whose bytes could be 0x0A.
  std::string padded;
  net::web::append_text_frame(padded, std::string(message.size() % 300, 'x'));
  check_frames(padded);
  return 0;
}
