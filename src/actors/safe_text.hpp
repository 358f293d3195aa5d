// Makes client text safe to show on someone else's terminal, and the types that carry text
// which has been made safe: a room relays only SafeText and SafeLines, and only the neutraliser
// can make them, so text that skipped it cannot reach another member.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace chatd::actors {

// Returns `text` as valid UTF-8 in which every C0 control character except tab, DEL, every C1
// control (U+0080..U+009F) and every invalid UTF-8 sequence (truncated, overlong, surrogate, above
// U+10FFFF; one maximal subpart at a time, as Unicode recommends) is replaced by U+FFFD.
// Valid text without controls comes back unchanged.
std::string neutralize(std::string_view text);

// Appends neutralize(text) to `out`: lets a caller build a line without an extra string.
void append_neutralized(std::string& out, std::string_view text);

// One piece of neutralised text (an action, a quit reason).
class SafeText {
 public:
  SafeText() = default;
  explicit SafeText(std::string_view raw) : text_(neutralize(raw)) {}
  std::string_view view() const noexcept { return text_; }
  bool empty() const noexcept { return text_.empty(); }

 private:
  std::string text_;
};

// Several neutralised lines — everything one read brought in — held as one string and the ends
// of the lines in it, so a busy sender costs one allocation per read, not one per line.
class SafeLines {
 public:
  // Neutralises `raw` (one line, without its terminator) and adds it.
  void add(std::string_view raw) {
    append_neutralized(text_, raw);
    ends_.push_back(static_cast<std::uint32_t>(text_.size()));
  }
  std::size_t size() const noexcept { return ends_.size(); }
  bool empty() const noexcept { return ends_.empty(); }
  std::string_view operator[](std::size_t i) const noexcept {
    const std::size_t begin = i == 0 ? 0 : ends_[i - 1];
    return std::string_view(text_).substr(begin, ends_[i] - begin);
  }

 private:
  std::string text_;
  std::vector<std::uint32_t> ends_;
};

}  // namespace chatd::actors
