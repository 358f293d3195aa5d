// Records in and out of the cluster's batch text; see cluster_batch.hpp.
#include "actors/cluster_batch.hpp"

#include <array>
#include <charconv>
#include <utility>

namespace chatd::actors {

namespace {
constexpr char separator = '\x1f';
// U+FFFD, what a field gets instead of a byte that would break the framing.
constexpr std::string_view replacement = "\xEF\xBF\xBD";

std::optional<std::uint64_t> number(std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Splits one line into at most N fields; returns how many it found.
template <std::size_t N>
std::size_t split(std::string_view line, std::array<std::string_view, N>& fields) {
  std::size_t count = 0;
  while (count < N) {
    const std::size_t end = line.find(separator);
    fields[count++] = line.substr(0, end);
    if (end == std::string_view::npos) return count;
    line.remove_prefix(end + 1);
  }
  return N + 1;  // more fields than any record has
}
}  // namespace

void BatchWriter::start(std::string_view origin, std::uint64_t seq) {
  text_.clear();
  records_ = 0;
  field(origin);
  text_ += separator;
  text_ += std::to_string(seq);
  text_ += '\n';
}

void BatchWriter::tag(char letter) {
  text_ += letter;
  ++records_;
}

void BatchWriter::field(std::string_view text) {
  // Two memchr passes: find_first_of would call memchr once per byte of the text.
  if (text.find(separator) == std::string_view::npos && text.find('\n') == std::string_view::npos) {
    text_ += text;
    return;
  }
  for (const char c : text) {
    if (c == separator || c == '\n')
      text_ += replacement;
    else
      text_ += c;
  }
}

void BatchWriter::message(std::string_view from, std::string_view text) {
  tag('M');
  for (std::string_view part : {from, text}) {
    text_ += separator;
    field(part);
  }
  text_ += '\n';
}

void BatchWriter::action(std::string_view from, std::string_view text) {
  tag('A');
  for (std::string_view part : {from, text}) {
    text_ += separator;
    field(part);
  }
  text_ += '\n';
}

void BatchWriter::joined(MemberId member, std::string_view name, bool rejoin) {
  tag('J');
  text_ += separator;
  text_ += std::to_string(member.value);
  text_ += separator;
  field(name);
  if (rejoin) text_ += "\x1fr";
  text_ += '\n';
}

void BatchWriter::left(MemberId member, std::string_view name, LeaveReason reason,
                       std::string_view detail) {
  tag('L');
  text_ += separator;
  text_ += std::to_string(member.value);
  for (std::string_view part : {name, leave_reason_name(reason), detail}) {
    text_ += separator;
    field(part);
  }
  text_ += '\n';
}

void BatchWriter::renamed(MemberId member, std::string_view from, std::string_view to) {
  tag('R');
  text_ += separator;
  text_ += std::to_string(member.value);
  for (std::string_view part : {from, to}) {
    text_ += separator;
    field(part);
  }
  text_ += '\n';
}

void BatchWriter::topic(std::string_view by, std::string_view topic) {
  tag('T');
  for (std::string_view part : {by, topic}) {
    text_ += separator;
    field(part);
  }
  text_ += '\n';
}

std::string BatchWriter::take() {
  records_ = 0;
  return std::exchange(text_, {});
}

std::optional<BatchOrigin> BatchReader::origin() {
  const std::size_t end = rest_.find('\n');
  std::array<std::string_view, 2> fields;
  if (end == std::string_view::npos || split(rest_.substr(0, end), fields) != 2) {
    malformed_ = true;
    return std::nullopt;
  }
  const auto seq = number(fields[1]);
  if (!seq) {
    malformed_ = true;
    return std::nullopt;
  }
  rest_.remove_prefix(end + 1);
  return BatchOrigin{fields[0], *seq};
}

std::optional<BatchRecord> BatchReader::next() {
  if (rest_.empty() || malformed_) return std::nullopt;
  const std::size_t end = rest_.find('\n');
  if (end == std::string_view::npos) {
    malformed_ = true;
    return std::nullopt;
  }
  const std::string_view line = rest_.substr(0, end);
  rest_.remove_prefix(end + 1);
  std::array<std::string_view, 5> f;
  const std::size_t count = split(line, f);
  const auto bad = [this]() -> std::optional<BatchRecord> {
    malformed_ = true;
    return std::nullopt;
  };
  if (f[0].size() != 1) return bad();
  // Only presence records carry a member number; a message's second field is its sender.
  const auto member = [&] { return count > 1 ? number(f[1]) : std::nullopt; };
  switch (f[0][0]) {
    case 'M':
      if (count != 3) return bad();
      return BatchRecord{record::Message{f[1], f[2]}};
    case 'A':
      if (count != 3) return bad();
      return BatchRecord{record::Action{f[1], f[2]}};
    case 'T':
      if (count != 3) return bad();
      return BatchRecord{record::TopicChanged{f[1], f[2]}};
    case 'J': {
      const auto id = member();
      if ((count != 3 && !(count == 4 && f[3] == "r")) || !id) return bad();
      return BatchRecord{record::Joined{f[2]}, *id, count == 4};
    }
    case 'L': {
      const auto id = member();
      const auto reason = count == 5 ? leave_reason_named(f[3]) : std::nullopt;
      if (!reason || !id) return bad();
      return BatchRecord{record::Left{f[2], *reason, f[4]}, *id};
    }
    case 'R': {
      const auto id = member();
      if (count != 4 || !id) return bad();
      return BatchRecord{record::Renamed{f[2], f[3]}, *id};
    }
    default:
      return bad();
  }
}

std::string_view leave_reason_name(LeaveReason reason) {
  switch (reason) {
    case LeaveReason::closed:
      return "closed";
    case LeaveReason::quit:
      return "quit";
    case LeaveReason::moved:
      return "moved";
    case LeaveReason::parted:
      return "parted";
    case LeaveReason::too_slow:
      return "too_slow";
    case LeaveReason::timed_out:
      return "timed_out";
    case LeaveReason::shutdown:
      return "shutdown";
    case LeaveReason::node_lost:
      return "node_lost";
  }
  return "closed";
}

std::optional<LeaveReason> leave_reason_named(std::string_view name) {
  for (const LeaveReason reason :
       {LeaveReason::closed, LeaveReason::quit, LeaveReason::moved, LeaveReason::parted,
        LeaveReason::too_slow,
        LeaveReason::timed_out, LeaveReason::shutdown, LeaveReason::node_lost}) {
    if (leave_reason_name(reason) == name) return reason;
  }
  return std::nullopt;
}

}  // namespace chatd::actors
