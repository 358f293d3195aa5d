// Stamps: the text of every measured line, `p<publisher> s<sequence> t<send ns> xxx...`, and the
// warm-up line `w<publisher>`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace chatd::chat_bench {

struct Stamp {
  std::uint64_t publisher = 0;
  std::uint64_t sequence = 0;
  std::uint64_t sent_ns = 0;  // loadgen::now_ns() when it was written
};

// Appends `p<publisher> s<sequence> t<sent_ns> xxx...\n` with the text padded to payload_bytes.
void append_stamp_line(std::string& out, const Stamp& stamp, std::size_t payload_bytes);

// The warm-up line `w<publisher>` proves the server relays that publisher to every member.
void append_warmup_line(std::string& out, std::uint64_t publisher);

std::optional<Stamp> parse_stamp(std::string_view text);
std::optional<std::uint64_t> parse_warmup(std::string_view text);

}  // namespace chatd::chat_bench
