// Terminal-safe text: a UTF-8 validator that copies acceptable runs in bulk and replaces each
// control character or maximal invalid subpart with U+FFFD.
#include "actors/safe_text.hpp"

#include <cstddef>

namespace chatd::actors {
namespace {

constexpr std::string_view replacement_character = "\xEF\xBF\xBD";

unsigned char byte_at(std::string_view text, std::size_t i) {
  return static_cast<unsigned char>(text[i]);
}

// Printable ASCII needs no decoding, and is nearly all of a typical chat line.
std::size_t skip_printable_ascii(std::string_view text, std::size_t i) {
  while (i < text.size() && byte_at(text, i) - 0x20u < 0x5Fu) ++i;
  return i;
}

struct Sequence {
  std::size_t length;  // bytes covered: a whole character, or one maximal invalid subpart
  bool keep;
};

// Classifies the character starting at `i`, which is not printable ASCII.
Sequence classify(std::string_view text, std::size_t i) {
  const unsigned char lead = byte_at(text, i);
  if (lead < 0x80) return {1, lead == '\t'};

  // Only the second byte's range depends on the lead; narrowing it is what rejects overlongs
  // (E0, F0), surrogates (ED) and code points above U+10FFFF (F4), one byte early enough that
  // the rejected prefix is the maximal subpart.
  std::size_t trailing = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    trailing = 1;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    trailing = 2;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    trailing = 3;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return {1, false};  // a stray continuation byte, C0, C1 or F5..FF
  }

  std::size_t length = 1;
  for (; length <= trailing; ++length) {
    if (i + length == text.size()) return {length, false};
    const unsigned char next = byte_at(text, i + length);
    if (next < low || next > high) return {length, false};
    low = 0x80;
    high = 0xBF;
  }
  // The C1 controls U+0080..U+009F are exactly the well-formed pairs C2 80..C2 9F.
  const bool c1_control = lead == 0xC2 && byte_at(text, i + 1) <= 0x9F;
  return {length, !c1_control};
}

}  // namespace

std::string neutralize(std::string_view text) {
  std::string out;
  append_neutralized(out, text);
  return out;
}

void append_neutralized(std::string& out, std::string_view text) {
  out.reserve(out.size() + text.size());
  // Bytes from `kept` up to `i` are acceptable and not yet copied: they go out in one append.
  std::size_t kept = 0;
  std::size_t i = skip_printable_ascii(text, 0);
  while (i < text.size()) {
    const Sequence sequence = classify(text, i);
    if (!sequence.keep) {
      out.append(text.substr(kept, i - kept));
      out.append(replacement_character);
      kept = i + sequence.length;
    }
    i = skip_printable_ascii(text, i + sequence.length);
  }
  out.append(text.substr(kept));
}

}  // namespace chatd::actors
