// Fuzzes neutralize(), which makes client text safe for other people's terminals. Checked: the
// output is valid UTF-8 holding no C0 control but tab, no DEL and no C1 control; neutralising it
// again changes nothing; valid control-free input comes back unchanged; the output equals a
// reference built from the Unicode table of well-formed byte sequences with one U+FFFD per
// maximal invalid subpart; append_neutralized() agrees with neutralize(); SafeText holds
// neutralize() of its text; SafeLines, given the input split at '\n' as a reader's lines, holds
// neutralize() of each line, in order, unchanged by the lines added after it, and those lines
// joined by U+FFFD are neutralize() of the whole input.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/safe_text.hpp"
#include "fuzz_check.hpp"

namespace {

using chatd::actors::append_neutralized;
using chatd::actors::neutralize;
using chatd::actors::SafeLines;
using chatd::actors::SafeText;

constexpr std::string_view replacement_character = "\xEF\xBF\xBD";

bool allowed_on_a_terminal(char32_t code_point) {
  if (code_point == U'\t') return true;
  if (code_point < 0x20 || code_point == 0x7F) return false;
  return code_point < 0x80 || code_point > 0x9F;
}

// Decodes one character arithmetically (bit patterns, then range checks on the value), the way a
// terminal would. Returns its length, or nothing for anything that is not well-formed UTF-8.
std::optional<std::size_t> decode(std::string_view text, std::size_t i, char32_t& code_point) {
  const auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(text[k]); };
  const std::uint8_t lead = byte(i);
  std::size_t length = 0;
  char32_t minimum = 0;
  if (lead < 0x80) {
    code_point = lead;
    return 1;
  } else if ((lead & 0xE0) == 0xC0) {
    length = 2, minimum = 0x80, code_point = lead & 0x1Fu;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, minimum = 0x800, code_point = lead & 0x0Fu;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, minimum = 0x10000, code_point = lead & 0x07u;
  } else {
    return std::nullopt;
  }
  if (text.size() - i < length) return std::nullopt;
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return std::nullopt;
    code_point = (code_point << 6) | (byte(i + k) & 0x3Fu);
  }
  if (code_point < minimum || code_point > 0x10FFFF) return std::nullopt;
  if (code_point >= 0xD800 && code_point <= 0xDFFF) return std::nullopt;
  return length;
}

// True when `text` is well-formed UTF-8 and every character in it may reach a terminal.
bool is_safe_text(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    char32_t code_point = 0;
    const auto length = decode(text, i, code_point);
    if (!length || !allowed_on_a_terminal(code_point)) return false;
    i += *length;
  }
  return true;
}

// Unicode 15, table 3-7: the well-formed byte sequences, as the allowed range of each byte
// after the lead. A lead missing from the table is never well-formed.
struct ByteRange {
  std::uint8_t low, high;
};
struct WellFormed {
  std::uint8_t lead_low, lead_high;
  std::size_t length;
  std::array<ByteRange, 3> next;
};
constexpr std::array<WellFormed, 9> table_3_7{{
    {0x00, 0x7F, 1, {}},
    {0xC2, 0xDF, 2, {{{0x80, 0xBF}}}},
    {0xE0, 0xE0, 3, {{{0xA0, 0xBF}, {0x80, 0xBF}}}},
    {0xE1, 0xEC, 3, {{{0x80, 0xBF}, {0x80, 0xBF}}}},
    {0xED, 0xED, 3, {{{0x80, 0x9F}, {0x80, 0xBF}}}},
    {0xEE, 0xEF, 3, {{{0x80, 0xBF}, {0x80, 0xBF}}}},
    {0xF0, 0xF0, 4, {{{0x90, 0xBF}, {0x80, 0xBF}, {0x80, 0xBF}}}},
    {0xF1, 0xF3, 4, {{{0x80, 0xBF}, {0x80, 0xBF}, {0x80, 0xBF}}}},
    {0xF4, 0xF4, 4, {{{0x80, 0x8F}, {0x80, 0xBF}, {0x80, 0xBF}}}},
}};

// The reference: walk the table; a complete sequence is a character (kept if allowed on a
// terminal), otherwise the longest prefix that matched (at least one byte) is one maximal
// subpart and becomes one U+FFFD.
std::string reference_neutralize(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<std::uint8_t>(text[i]);
    const WellFormed* form = nullptr;
    for (const WellFormed& candidate : table_3_7) {
      if (lead >= candidate.lead_low && lead <= candidate.lead_high) form = &candidate;
    }
    std::size_t matched = 1;
    while (form != nullptr && matched < form->length && i + matched < text.size()) {
      const auto next = static_cast<std::uint8_t>(text[i + matched]);
      const ByteRange range = form->next[matched - 1];
      if (next < range.low || next > range.high) break;
      ++matched;
    }
    char32_t code_point = 0;
    const bool well_formed = form != nullptr && matched == form->length;
    // The table and the arithmetic decoder are two readings of one standard: they must agree.
    FUZZ_CHECK(well_formed == (decode(text, i, code_point) == matched));
    if (well_formed && allowed_on_a_terminal(code_point)) {
      out.append(text.substr(i, matched));
    } else {
      out.append(replacement_character);
    }
    i += matched;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::string output = neutralize(input);

  FUZZ_CHECK(is_safe_text(output));
  FUZZ_CHECK(output.size() <= 3 * input.size());
  FUZZ_CHECK(neutralize(output) == output);
  if (is_safe_text(input)) FUZZ_CHECK(output == input);
  FUZZ_CHECK(output == reference_neutralize(input));

  std::string line = "prefix:";
  append_neutralized(line, input);
  FUZZ_CHECK(line.size() == 7 + output.size());
  FUZZ_CHECK(std::string_view(line).substr(7) == output);

  const SafeText text(input);
  FUZZ_CHECK(text.view() == output);
  FUZZ_CHECK(text.empty() == output.empty());

  // The input as the lines of one read: split at '\n' (which neutralize() would replace, so a
  // line's end is only ever where add() put it), an empty line wherever two '\n' meet.
  std::vector<std::string_view> raw_lines;
  for (std::string_view rest = input;;) {
    const std::size_t end = rest.find('\n');
    raw_lines.push_back(rest.substr(0, end));
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  SafeLines lines;
  FUZZ_CHECK(lines.empty() && lines.size() == 0);
  for (std::size_t i = 0; i < raw_lines.size(); ++i) {
    lines.add(raw_lines[i]);
    FUZZ_CHECK(lines.size() == i + 1);
    // Adding a line leaves the ones before it as they were.
    FUZZ_CHECK(lines[i] == neutralize(raw_lines[i]));
    if (i > 0) FUZZ_CHECK(lines[i - 1] == neutralize(raw_lines[i - 1]));
  }
  FUZZ_CHECK(!lines.empty());
  for (std::size_t i = 0; i < raw_lines.size(); ++i) {
    const std::string_view safe = lines[i];
    FUZZ_CHECK(safe == neutralize(raw_lines[i]));
    FUZZ_CHECK(safe.find('\n') == std::string_view::npos);
    FUZZ_CHECK(is_safe_text(safe));
  }
  // A '\n' is never part of an invalid subpart (it is not a continuation byte), so splitting
  // first and neutralising each line is neutralising the whole, with each '\n' as one U+FFFD.
  std::string joined(lines[0]);
  for (std::size_t i = 1; i < lines.size(); ++i) {
    joined += replacement_character;
    joined += lines[i];
  }
  FUZZ_CHECK(joined == output);
  return 0;
}
