// The order check; see received_order.hpp.
#include "chat_bench/received_order.hpp"

#include <algorithm>

namespace chatd::chat_bench {

namespace {

// One step of an order-sensitive running hash (the splitmix64 finaliser over digest ^ value):
// swapping two lines, dropping one or repeating one changes every digest after it.
std::uint64_t mix(std::uint64_t digest, std::uint64_t value) {
  std::uint64_t x = digest ^ (value + 0x9E3779B97F4A7C15ULL + (digest << 6) + (digest >> 2));
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

std::string describe(const OrderWitness& witness) {
  std::string where(witness.door);
  if (!witness.node.empty()) where += " door of node " + std::string(witness.node);
  return "member " + std::to_string(witness.member) + " (" + where + ")";
}

// The first line number at which two digests can be told apart: the start of the first
// interval whose closing checkpoint differs.
std::uint64_t first_difference(const ReceivedOrder& a, const ReceivedOrder& b) {
  const auto& left = a.checkpoints();
  const auto& right = b.checkpoints();
  const auto common = std::min(left.size(), right.size());
  const auto mismatch =
      std::mismatch(left.begin(), left.begin() + static_cast<long>(common), right.begin());
  return static_cast<std::uint64_t>(mismatch.first - left.begin()) *
         ReceivedOrder::kCheckpointInterval;
}

}  // namespace

void ReceivedOrder::add(std::string_view from, const Stamp& stamp, std::size_t text_bytes) {
  // Names are kept per publisher, compared per line: cheaper than hashing 15 bytes each time.
  std::string& name = names_[stamp.publisher];
  if (name.empty())
    name = from;
  else if (name != from)
    ++renamed_lines_;
  digest_ = mix(digest_, stamp.publisher);
  digest_ = mix(digest_, stamp.sequence);
  digest_ = mix(digest_, stamp.sent_ns);
  digest_ = mix(digest_, text_bytes);
  if (++count_ % kCheckpointInterval == 0) checkpoints_.push_back(digest_);
}

std::optional<std::string> compare_orders(const std::vector<OrderWitness>& witnesses) {
  if (witnesses.empty()) return std::nullopt;
  const OrderWitness& first = witnesses.front();
  for (const OrderWitness& witness : witnesses) {
    const ReceivedOrder& order = *witness.order;
    if (order.renamed_lines() > 0) {
      return describe(witness) + " received " + std::to_string(order.renamed_lines()) +
             " line(s) under another name than their publisher's first";
    }
    if (&witness == &first) continue;
    for (std::size_t publisher = 0; publisher < order.names().size(); ++publisher) {
      if (order.names()[publisher] != first.order->names()[publisher]) {
        return describe(witness) + " received publisher " + std::to_string(publisher) +
               "'s lines from '" + order.names()[publisher] + "', " + describe(first) + " from '" +
               first.order->names()[publisher] + "'";
      }
    }
    if (order.count() != first.order->count()) {
      return describe(witness) + " received " + std::to_string(order.count()) + " lines, " +
             describe(first) + " " + std::to_string(first.order->count());
    }
    if (order.digest() != first.order->digest()) {
      const auto from = first_difference(order, *first.order);
      const auto to = std::min(from + ReceivedOrder::kCheckpointInterval, order.count());
      return describe(witness) + " and " + describe(first) +
             " received the same lines in different orders: they part ways between line " +
             std::to_string(from + 1) + " and line " + std::to_string(to);
    }
  }
  return std::nullopt;
}

}  // namespace chatd::chat_bench
