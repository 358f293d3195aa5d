// The order check: a member's record of the sequence of (from, text) it received from the
// publishers, kept as a running digest with a checkpoint every kCheckpointInterval lines, so that
// 22 million deliveries cost a few kilobytes per member and two members that part ways can be
// told apart to within one interval. Members of one room must all hold the same sequence: the
// room orders its messages once, for every member, whichever door it reads them through.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chat_bench/stamp.hpp"

namespace chatd::chat_bench {

class ReceivedOrder {
 public:
  static constexpr std::uint64_t kCheckpointInterval = 4096;

  explicit ReceivedOrder(std::size_t publishers) : names_(publishers) {}

  // One stamped line, in arrival order. `from` is the name the server gave its sender; the
  // stamp (publisher, sequence, send time) and the text's length stand for the text, which is
  // unique per line. Member's strand.
  void add(std::string_view from, const Stamp& stamp, std::size_t text_bytes);

  std::uint64_t count() const noexcept { return count_; }
  std::uint64_t digest() const noexcept { return digest_; }
  // digest() after lines kCheckpointInterval, 2 * kCheckpointInterval, ...
  const std::vector<std::uint64_t>& checkpoints() const noexcept { return checkpoints_; }
  // The name each publisher's lines came from (empty: none came), and how many lines carried
  // another name than that publisher's first.
  const std::vector<std::string>& names() const noexcept { return names_; }
  std::uint64_t renamed_lines() const noexcept { return renamed_lines_; }

 private:
  std::uint64_t count_ = 0;
  std::uint64_t digest_ = 0;
  std::vector<std::uint64_t> checkpoints_;
  std::vector<std::string> names_;  // per publisher
  std::uint64_t renamed_lines_ = 0;
};

// A member as the comparison sees it: its index, its door's name, what it received, and in a
// run over several nodes the server it is connected to (empty for one node).
struct OrderWitness {
  std::size_t member = 0;
  std::string_view door;
  const ReceivedOrder* order = nullptr;
  std::string_view node;
};

// Nothing when every witness holds the same sequence from the same names; otherwise which two
// members differ first, and where.
std::optional<std::string> compare_orders(const std::vector<OrderWitness>& witnesses);

}  // namespace chatd::chat_bench
