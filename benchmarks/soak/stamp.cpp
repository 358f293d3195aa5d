// Stamps; see stamp.hpp.
#include "soak/stamp.hpp"

#include <charconv>
#include <system_error>

#include "loadgen/number_format.hpp"

namespace chatd::soak {

using loadgen::append_number;

namespace {

std::uint64_t stamp_check(const Stamp& stamp) {
  return ((stamp.run * 0x9E3779B1u) ^ (stamp.sender * 0x85EBCA77u) ^ (stamp.seq * 0xC2B2AE3Du) ^
          (stamp.room * 0x27D4EB2Fu) ^ stamp.sent_us) %
         1000003u;
}

bool take_number(std::string_view& text, std::uint64_t& value, char separator) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end == text.data()) return false;
  text.remove_prefix(static_cast<std::size_t>(end - text.data()));
  if (text.empty() || text.front() != separator) return false;
  text.remove_prefix(1);
  return true;
}

}  // namespace

// `~run.sender.seq.room.sent_us.check xxx...`, exactly `bytes` long, so a cut line never parses.
std::string stamp_text(const Stamp& stamp, std::size_t bytes) {
  std::string text = "~";
  for (const auto field : {stamp.run, stamp.sender, stamp.seq, stamp.room, stamp.sent_us}) {
    append_number(text, field);
    text += '.';
  }
  append_number(text, stamp_check(stamp));
  text += ' ';
  if (text.size() < bytes) text.append(bytes - text.size(), 'x');
  return text;
}

std::optional<Stamp> parse_stamp(std::string_view text, std::size_t bytes) {
  if (text.size() != bytes || text.empty() || text.front() != '~') return std::nullopt;
  text.remove_prefix(1);
  Stamp stamp;
  std::uint64_t check = 0;
  if (!take_number(text, stamp.run, '.') || !take_number(text, stamp.sender, '.') ||
      !take_number(text, stamp.seq, '.') || !take_number(text, stamp.room, '.') ||
      !take_number(text, stamp.sent_us, '.') || !take_number(text, check, ' ')) {
    return std::nullopt;
  }
  if (check != stamp_check(stamp)) return std::nullopt;
  if (text.find_first_not_of('x') != std::string_view::npos) return std::nullopt;
  return stamp;
}

std::uint64_t stamp_key(std::uint64_t sender, std::uint64_t seq) {
  return (sender << kSequenceBits) | seq;
}
}  // namespace chatd::soak
