// WebSocket frame headers; see ws_frame.hpp.
#include "net/web/ws_frame.hpp"

#include <array>
#include <cstddef>

namespace chatd::net::web {

namespace {

constexpr unsigned char fin_text = 0x81;
constexpr unsigned char fin_close = 0x88;

// The header for a payload of `size` bytes: FIN + text, then the length in 1, 3 or 9 bytes.
struct Header {
  std::array<unsigned char, 10> bytes{};
  std::size_t size = 0;
};

Header text_header(std::uint64_t payload) {
  Header header;
  header.bytes[0] = fin_text;
  if (payload < 126) {
    header.bytes[1] = static_cast<unsigned char>(payload);
    header.size = 2;
  } else if (payload <= 0xFFFF) {
    header.bytes[1] = 126;
    header.bytes[2] = static_cast<unsigned char>(payload >> 8);
    header.bytes[3] = static_cast<unsigned char>(payload);
    header.size = 4;
  } else {
    header.bytes[1] = 127;
    for (int i = 0; i < 8; ++i)
      header.bytes[static_cast<std::size_t>(2 + i)] =
          static_cast<unsigned char>(payload >> (8 * (7 - i)));
    header.size = 10;
  }
  return header;
}

bool holds_newline(const Header& header) {
  for (std::size_t i = 0; i < header.size; ++i)
    if (header.bytes[i] == '\n') return true;
  return false;
}

}  // namespace

void append_text_frame(std::string& out, std::string_view json) {
  // Padding a byte at a time moves the length off 0x0A within a few steps (at most one per
  // length byte that can be 0x0A, and a step that changes the header's size starts over).
  std::uint64_t payload = json.size() + 1;
  Header header = text_header(payload);
  while (holds_newline(header)) header = text_header(++payload);
  out.append(reinterpret_cast<const char*>(header.bytes.data()), header.size);
  out += json;
  out.append(payload - json.size() - 1, ' ');
  out += '\n';
}

std::string close_frame(std::uint16_t code, std::string_view reason) {
  reason = reason.substr(0, 123);
  std::string frame;
  frame += static_cast<char>(fin_close);
  frame += static_cast<char>(2 + reason.size());
  frame += static_cast<char>(code >> 8);
  frame += static_cast<char>(code & 0xFF);
  frame += reason;
  return frame;
}

}  // namespace chatd::net::web
