// Stamps; see stamp.hpp.
#include "chat_bench/stamp.hpp"

#include <charconv>
#include <system_error>

#include "loadgen/number_format.hpp"

namespace chatd::chat_bench {

using loadgen::append_number;

void append_stamp_line(std::string& out, const Stamp& stamp, std::size_t payload_bytes) {
  const auto begin = out.size();
  out += 'p';
  append_number(out, stamp.publisher);
  out += " s";
  append_number(out, stamp.sequence);
  out += " t";
  append_number(out, stamp.sent_ns);
  out += ' ';
  const auto written = out.size() - begin;
  if (written < payload_bytes) out.append(payload_bytes - written, 'x');
  out += '\n';
}

void append_warmup_line(std::string& out, std::uint64_t publisher) {
  out += 'w';
  append_number(out, publisher);
  out += '\n';
}

namespace {

// Reads `<tag><digits>` at the front of text, and the single space after it if there is one.
bool take_field(std::string_view& text, char tag, std::uint64_t& value) {
  if (text.empty() || text.front() != tag) return false;
  const char* first = text.data() + 1;
  const auto [end, ec] = std::from_chars(first, text.data() + text.size(), value);
  if (ec != std::errc() || end == first) return false;
  text.remove_prefix(static_cast<std::size_t>(end - text.data()));
  if (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  return true;
}

}  // namespace

std::optional<Stamp> parse_stamp(std::string_view text) {
  Stamp stamp;
  if (take_field(text, 'p', stamp.publisher) && take_field(text, 's', stamp.sequence) &&
      take_field(text, 't', stamp.sent_ns)) {
    return stamp;
  }
  return std::nullopt;
}

std::optional<std::uint64_t> parse_warmup(std::string_view text) {
  std::uint64_t publisher = 0;
  if (take_field(text, 'w', publisher) && text.empty()) return publisher;
  return std::nullopt;
}

}  // namespace chatd::chat_bench
