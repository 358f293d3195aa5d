// Makes client text safe to show on someone else's terminal.
#pragma once

#include <string>
#include <string_view>

namespace chatd::net {

// Returns `text` as valid UTF-8 in which every C0 control character except tab, DEL, every C1
// control (U+0080..U+009F) and every invalid UTF-8 sequence (truncated, overlong, surrogate, above
// U+10FFFF; one maximal subpart at a time, as Unicode recommends) is replaced by U+FFFD.
// Valid text without controls comes back unchanged.
std::string neutralize(std::string_view text);

// Appends neutralize(text) to `out`: lets a caller build a line without an extra string.
void append_neutralized(std::string& out, std::string_view text);

}  // namespace chatd::net
