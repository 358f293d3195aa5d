// A room's records as they travel between the nodes of a cluster: one batch of records (one room
// pass on one node) is one entry of the room's stream in the cluster store.
//
// A batch is text: a header line "<origin>\x1f<seq>\n" — the node instance that wrote it and that
// instance's batch number in this room — then one line per record, its fields separated by
// \x1f (the ASCII unit separator):
//   M from text | A from text | J member name [r] | L member name reason detail | R member from to
//   | T by topic (an empty topic clears it)
// A batch whose origin is "reaped:NODE" comes from the store itself: NODE stopped answering,
// and these are its members leaving.
// Safe text holds no C0 control but tab, so neither \x1f nor \n can occur in a field (the writer
// replaces them all the same). Member ids mean something only to the node that wrote them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "actors/member_id.hpp"
#include "actors/record.hpp"

namespace chatd::actors {

class BatchWriter {
 public:
  void start(std::string_view origin, std::uint64_t seq);
  void message(std::string_view from, std::string_view text);
  void action(std::string_view from, std::string_view text);
  // `rejoin`: a member already in the room registers again after the link was lost; its own
  // node does not announce it a second time.
  void joined(MemberId member, std::string_view name, bool rejoin = false);
  void left(MemberId member, std::string_view name, LeaveReason reason, std::string_view detail);
  void renamed(MemberId member, std::string_view from, std::string_view to);
  void topic(std::string_view by, std::string_view topic);

  // Records written since start().
  std::size_t records() const noexcept { return records_; }
  // The batch so far, and a fresh start.
  std::string take();

 private:
  void field(std::string_view text);
  void tag(char letter);

  std::string text_;
  std::size_t records_ = 0;
};

struct BatchOrigin {
  std::string_view origin;
  std::uint64_t seq = 0;
  // The node the store reaped, when the store wrote this batch for it; else empty.
  std::string_view reaped() const noexcept {
    constexpr std::string_view prefix = "reaped:";
    return origin.starts_with(prefix) ? origin.substr(prefix.size()) : std::string_view();
  }
};

// One record read back, with what the batch says about it beyond the record itself.
struct BatchRecord {
  Record record;
  std::uint64_t member = 0;  // joined, left, renamed: the member's id on its own node
  bool rejoin = false;
};

class BatchReader {
 public:
  explicit BatchReader(std::string_view batch) : rest_(batch) {}
  // The header; nullopt when the batch does not start with one.
  std::optional<BatchOrigin> origin();
  // The next record; nullopt at the end or at the first malformed line (then malformed()).
  std::optional<BatchRecord> next();
  bool malformed() const noexcept { return malformed_; }

 private:
  std::string_view rest_;
  bool malformed_ = false;
};

std::string_view leave_reason_name(LeaveReason reason);
std::optional<LeaveReason> leave_reason_named(std::string_view name);

}  // namespace chatd::actors
