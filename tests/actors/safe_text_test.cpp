// neutralize: what is kept byte for byte, what becomes U+FFFD and how many of them, and, over
// pseudo-random bytes, agreement with an independent reference decoder.
#include "actors/safe_text.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>

namespace chatd::actors {
namespace {

using namespace std::string_literals;

const std::string fffd = "\xEF\xBF\xBD";

std::string repeat(const std::string& text, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += text;
  return out;
}

// --- An independent reference: UTF-8 by its bit patterns and code point ranges. ---

// The code point of `bytes` if it is exactly one well-formed UTF-8 character.
std::optional<char32_t> decode_one(std::string_view bytes) {
  if (bytes.empty()) return std::nullopt;
  const auto at = [&](std::size_t i) { return static_cast<unsigned char>(bytes[i]); };
  std::size_t length = 0;
  char32_t code_point = 0;
  char32_t smallest = 0;
  if (at(0) < 0x80) {
    length = 1;
    code_point = at(0);
  } else if ((at(0) & 0xE0) == 0xC0) {
    length = 2;
    code_point = at(0) & 0x1Fu;
    smallest = 0x80;
  } else if ((at(0) & 0xF0) == 0xE0) {
    length = 3;
    code_point = at(0) & 0x0Fu;
    smallest = 0x800;
  } else if ((at(0) & 0xF8) == 0xF0) {
    length = 4;
    code_point = at(0) & 0x07u;
    smallest = 0x10000;
  } else {
    return std::nullopt;
  }
  if (bytes.size() != length) return std::nullopt;
  for (std::size_t i = 1; i < length; ++i) {
    if ((at(i) & 0xC0) != 0x80) return std::nullopt;
    code_point = (code_point << 6) | (at(i) & 0x3Fu);
  }
  const bool surrogate = code_point >= 0xD800 && code_point <= 0xDFFF;
  if (code_point < smallest || code_point > 0x10FFFF || surrogate) return std::nullopt;
  return code_point;
}

std::string encode(char32_t code_point) {
  const auto byte = [](char32_t bits) {
    return static_cast<char>(static_cast<unsigned char>(bits));
  };
  if (code_point < 0x80) return {byte(code_point)};
  if (code_point < 0x800) return {byte(0xC0 | (code_point >> 6)), byte(0x80 | (code_point & 0x3F))};
  if (code_point < 0x10000) {
    return {byte(0xE0 | (code_point >> 12)), byte(0x80 | ((code_point >> 6) & 0x3F)),
            byte(0x80 | (code_point & 0x3F))};
  }
  return {byte(0xF0 | (code_point >> 18)), byte(0x80 | ((code_point >> 12) & 0x3F)),
          byte(0x80 | ((code_point >> 6) & 0x3F)), byte(0x80 | (code_point & 0x3F))};
}

bool is_valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t length = 1;
    while (length <= 4 && i + length <= text.size() && !decode_one(text.substr(i, length))) {
      ++length;
    }
    if (length > 4 || i + length > text.size()) return false;
    i += length;
  }
  return true;
}

bool is_control(char32_t code_point) {
  return (code_point < 0x20 && code_point != '\t') || (code_point >= 0x7F && code_point <= 0x9F);
}

// Every proper prefix of every well-formed character, found by encoding all of Unicode.
const std::set<std::string>& proper_prefixes() {
  static const std::set<std::string> prefixes = [] {
    std::set<std::string> found;
    for (char32_t code_point = 0x80; code_point <= 0x10FFFF; ++code_point) {
      if (code_point >= 0xD800 && code_point <= 0xDFFF) continue;
      const std::string bytes = encode(code_point);
      for (std::size_t length = 1; length < bytes.size(); ++length) {
        found.insert(bytes.substr(0, length));
      }
    }
    return found;
  }();
  return prefixes;
}

// Unicode's maximal subpart policy, stated directly: a well-formed character is kept unless it is
// a control; otherwise the longest prefix of some character (at least one byte) becomes U+FFFD.
std::string reference_neutralize(std::string_view text) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    std::optional<char32_t> code_point;
    std::size_t length = 1;
    for (; length <= 4 && i + length <= text.size(); ++length) {
      code_point = decode_one(text.substr(i, length));
      if (code_point) break;
    }
    if (code_point) {
      out += is_control(*code_point) ? fffd : std::string(text.substr(i, length));
      i += length;
      continue;
    }
    length = std::min<std::size_t>(3, text.size() - i);
    while (length > 1 && !proper_prefixes().contains(std::string(text.substr(i, length)))) {
      --length;
    }
    out += fffd;
    i += length;
  }
  return out;
}

TEST(SafeTextReference, AgreesWithTheUnicodeStandardExample) {
  // Unicode 15, section 3.9, table 3-8.
  EXPECT_EQ(reference_neutralize("a\xF1\x80\x80\xE1\x80\xC2"s + "b\x80" + "c\x80\xBF" + "d"),
            "a" + repeat(fffd, 3) + "b" + fffd + "c" + fffd + fffd + "d");
}

// --- The tests proper. ---

TEST(SafeText, LeavesPrintableAsciiUnchanged) {
  std::string printable;
  for (char c = 0x20; c < 0x7F; ++c) printable += c;
  EXPECT_EQ(neutralize(printable), printable);
  EXPECT_EQ(neutralize(""), "");
}

TEST(SafeText, KeepsTab) {
  EXPECT_EQ(neutralize("a\tb\t"), "a\tb\t");
}

TEST(SafeText, ReplacesEachC0ControlExceptTabWithOneReplacementCharacter) {
  for (int c = 0; c < 0x20; ++c) {
    if (c == '\t') continue;
    SCOPED_TRACE(c);
    const std::string control(1, static_cast<char>(c));
    EXPECT_EQ(neutralize("a" + control + "b"), "a" + fffd + "b");
  }
  EXPECT_EQ(neutralize("\0\0"s), fffd + fffd);
  EXPECT_EQ(neutralize("line\r\n"), "line" + fffd + fffd);
}

TEST(SafeText, ReplacesDelete) {
  EXPECT_EQ(neutralize("a\x7F"s + "b"), "a" + fffd + "b");
}

TEST(SafeText, ReplacesEachC1ControlWithOneReplacementCharacter) {
  for (int c = 0x80; c <= 0x9F; ++c) {
    SCOPED_TRACE(c);
    const std::string control = "\xC2"s + static_cast<char>(c);
    EXPECT_EQ(neutralize("a" + control + "b"), "a" + fffd + "b");
  }
  // U+00A0, the first code point after the C1 block, is ordinary text.
  EXPECT_EQ(neutralize("\xC2\xA0"), "\xC2\xA0");
}

TEST(SafeText, NeutralisesTerminalEscapeSequences) {
  const std::string colour = "\x1B[31mred\x1B[0m";
  const std::string bell = "ding\x07";
  const std::string title = "\x1B]0;owned\x07";
  const std::string clipboard = "\x1B]52;c;cm0gLXJmIH4K\x1B\\";  // OSC 52 ending in ST
  const std::string eight_bit_csi = "\xC2\x9B"s + "2J";          // U+009B, the one-byte CSI
  EXPECT_EQ(neutralize(colour), fffd + "[31mred" + fffd + "[0m");
  EXPECT_EQ(neutralize(bell), "ding" + fffd);
  EXPECT_EQ(neutralize(title), fffd + "]0;owned" + fffd);
  EXPECT_EQ(neutralize(clipboard), fffd + "]52;c;cm0gLXJmIH4K" + fffd + "\\");
  EXPECT_EQ(neutralize(eight_bit_csi), fffd + "2J");
  for (const auto& attack : {colour, bell, title, clipboard, eight_bit_csi}) {
    const std::string safe = neutralize(attack);
    EXPECT_EQ(safe.find('\x1B'), std::string::npos);
    EXPECT_EQ(safe.find('\x07'), std::string::npos);
    EXPECT_EQ(safe.find("\xC2\x9B"), std::string::npos);
  }
}

TEST(SafeText, LeavesValidMultiByteUtf8Unchanged) {
  for (const std::string text : {
           "caf\xC3\xA9",                                        // é, two bytes
           "\xE2\x82\xAC",                                       // €, three bytes
           "\xF0\x9F\x98\x80 \xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD",  // emoji with a skin-tone modifier
           "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82",   // Привет
           "\xE4\xBD\xA0\xE5\xA5\xBD",                           // 你好
           "\xDF\xBF",                  // U+07FF, the last two-byte character
           "\xE0\xA0\x80",              // U+0800, the first three-byte character
           "\xED\x9F\xBF\xEE\x80\x80",  // U+D7FF and U+E000, either side of the surrogates
           "\xEF\xBF\xBD\xEF\xBF\xBF",  // U+FFFD itself, and U+FFFF
           "\xF0\x90\x80\x80",          // U+10000, the first four-byte character
           "\xF4\x8F\xBF\xBF",          // U+10FFFF, the last code point
       }) {
    EXPECT_EQ(neutralize(text), text);
  }
}

TEST(SafeText, ReplacesATruncatedSequenceFollowedByAsciiWithOneReplacementCharacter) {
  EXPECT_EQ(neutralize("\xE2\x82"s + "A"), fffd + "A");
  EXPECT_EQ(neutralize("\xF0\x9F\x98"s + "A"), fffd + "A");
  EXPECT_EQ(neutralize("\xC3"s + "A"), fffd + "A");
}

TEST(SafeText, ReplacesASequenceTruncatedByTheEndOfTheTextWithOneReplacementCharacter) {
  EXPECT_EQ(neutralize("ab\xC3"), "ab" + fffd);
  EXPECT_EQ(neutralize("ab\xE2\x82"), "ab" + fffd);
  EXPECT_EQ(neutralize("ab\xF0\x9F\x98"), "ab" + fffd);
}

TEST(SafeText, ReplacesEachByteOfAnInvalidPrefix) {
  // F0 80 cannot start any character (it would be an overlong), so F0 is a subpart on its own.
  EXPECT_EQ(neutralize("\xF0\x80\x80"), repeat(fffd, 3));
  EXPECT_EQ(neutralize("\xF0\x80\x80\x80"), repeat(fffd, 4));
}

TEST(SafeText, ReplacesEachByteOfAnOverlongEncoding) {
  EXPECT_EQ(neutralize("\xC0\xAF"), repeat(fffd, 2));
  EXPECT_EQ(neutralize("\xC1\xBF"), repeat(fffd, 2));
  EXPECT_EQ(neutralize("\xE0\x80\xAF"), repeat(fffd, 3));
  EXPECT_EQ(neutralize("\xE0\x9F\xBF"), repeat(fffd, 3));
}

TEST(SafeText, ReplacesEachByteOfAnEncodedSurrogate) {
  EXPECT_EQ(neutralize("\xED\xA0\x80"), repeat(fffd, 3));
  EXPECT_EQ(neutralize("\xED\xBF\xBF"), repeat(fffd, 3));
}

TEST(SafeText, ReplacesEachByteOfACodePointAboveTheLastOne) {
  EXPECT_EQ(neutralize("\xF4\x90\x80\x80"), repeat(fffd, 4));
  EXPECT_EQ(neutralize("\xF5\x80\x80\x80"), repeat(fffd, 4));
}

TEST(SafeText, ReplacesEachByteThatCanNeverAppearInUtf8) {
  EXPECT_EQ(neutralize("\xF8\xFE\xFF"), repeat(fffd, 3));
}

TEST(SafeText, ReplacesEachStrayContinuationByte) {
  EXPECT_EQ(neutralize("a\x80"s + "b\xBF\xBF"), "a" + fffd + "b" + fffd + fffd);
}

TEST(SafeText, FollowsTheUnicodeStandardExampleOfMaximalSubparts) {
  EXPECT_EQ(neutralize("a\xF1\x80\x80\xE1\x80\xC2"s + "b\x80" + "c\x80\xBF" + "d"),
            "a" + repeat(fffd, 3) + "b" + fffd + "c" + fffd + fffd + "d");
}

TEST(SafeText, AppendsAfterWhatTheOutputAlreadyHolds) {
  std::string out = "alice:";
  append_neutralized(out, "hi\x1B[2J");
  append_neutralized(out, " \xE2\x82");
  EXPECT_EQ(out, "alice:hi" + fffd + "[2J " + fffd);
}

// Bytes that lean towards the interesting: whole and cut-off characters of every length,
// controls, and arbitrary bytes, so most strings mix valid and invalid text.
std::string pseudo_random_text(std::mt19937& random) {
  std::uniform_int_distribution<int> pieces(0, 24);
  std::uniform_int_distribution<int> kind(0, 5);
  std::uniform_int_distribution<int> any_byte(0, 255);
  std::uniform_int_distribution<std::uint32_t> any_code_point(0, 0x10FFFF);
  std::string text;
  for (int piece = pieces(random); piece > 0; --piece) {
    switch (kind(random)) {
      case 0:
        text += static_cast<char>(std::uniform_int_distribution<int>(0x20, 0x7E)(random));
        break;
      case 1:
        text += static_cast<char>(std::uniform_int_distribution<int>(0x00, 0x20)(random));
        break;
      case 2:
      case 3: {
        const auto code_point = static_cast<char32_t>(any_code_point(random));
        std::string bytes = encode(code_point);  // surrogates included, on purpose
        if (kind(random) == 0) bytes.pop_back();
        text += bytes;
        break;
      }
      default:
        text += static_cast<char>(any_byte(random));
        break;
    }
  }
  return text;
}

TEST(SafeText, ProducesValidUtf8WithoutControlsForPseudoRandomBytes) {
  std::mt19937 random(20240611);
  for (int round = 0; round < 5000; ++round) {
    const std::string text = pseudo_random_text(random);
    const std::string safe = neutralize(text);
    ASSERT_TRUE(is_valid_utf8(safe)) << ::testing::PrintToString(text);
    for (std::size_t i = 0; i < safe.size();) {
      std::size_t length = 1;
      while (!decode_one(std::string_view(safe).substr(i, length))) ++length;
      ASSERT_FALSE(is_control(*decode_one(std::string_view(safe).substr(i, length))))
          << ::testing::PrintToString(text);
      i += length;
    }
    // Valid text without controls comes back unchanged, so a second pass changes nothing.
    ASSERT_EQ(neutralize(safe), safe) << ::testing::PrintToString(text);
  }
}

TEST(SafeText, MatchesTheReferenceDecoderForPseudoRandomBytes) {
  std::mt19937 random(7);
  int replaced = 0;
  for (int round = 0; round < 5000; ++round) {
    const std::string text = pseudo_random_text(random);
    const std::string safe = neutralize(text);
    ASSERT_EQ(safe, reference_neutralize(text)) << ::testing::PrintToString(text);
    if (safe != text) ++replaced;
  }
  // Guards the generator: most strings must exercise replacement, and some must not.
  EXPECT_GT(replaced, 2500);
  EXPECT_LT(replaced, 5000);
}

}  // namespace
}  // namespace chatd::actors
