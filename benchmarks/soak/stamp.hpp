// Stamps: the text of every soak message, `~run.sender.seq.room.sent_us.check xxx...`, exactly
// --bytes long, so a line cut short never parses.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace chatd::soak {

struct Stamp {
  std::uint64_t run = 0;
  std::uint64_t sender = 0;
  std::uint64_t seq = 0;
  std::uint64_t room = 0;
  std::uint64_t sent_us = 0;
};

// A stamp key holds the sender above kSequenceBits and its sequence number below.
constexpr std::uint64_t kSequenceBits = 40;

std::string stamp_text(const Stamp& stamp, std::size_t bytes);
std::optional<Stamp> parse_stamp(std::string_view text, std::size_t bytes);
std::uint64_t stamp_key(std::uint64_t sender, std::uint64_t seq);

}  // namespace chatd::soak
