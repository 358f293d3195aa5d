// The order check: members that received the same lines in the same order agree; any other
// difference is named.
#include "chat_bench/received_order.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace chatd::chat_bench {
namespace {

ReceivedOrder received(const std::vector<Stamp>& stamps, const char* name_of_publisher_1 = "b") {
  ReceivedOrder order(2);
  for (const Stamp& stamp : stamps) {
    order.add(stamp.publisher == 0 ? "a" : name_of_publisher_1, stamp, 64);
  }
  return order;
}

std::vector<Stamp> interleaved(std::uint64_t lines) {
  std::vector<Stamp> stamps;
  for (std::uint64_t sequence = 0; sequence < lines; ++sequence) {
    stamps.push_back(Stamp{sequence % 2, sequence / 2, 1000 + sequence});
  }
  return stamps;
}

std::optional<std::string> compare(const ReceivedOrder& first, const ReceivedOrder& second) {
  return compare_orders({OrderWitness{0, "line", &first, ""}, OrderWitness{1, "web", &second, ""}});
}

TEST(ReceivedOrder, MembersThatReceivedTheSameLinesInOneOrderAgree) {
  const auto stamps = interleaved(10000);
  EXPECT_EQ(compare(received(stamps), received(stamps)), std::nullopt);
}

TEST(ReceivedOrder, TwoSwappedLinesAreFoundWithinTheirCheckpointInterval) {
  const auto stamps = interleaved(10000);
  auto swapped = stamps;
  std::swap(swapped[5000], swapped[5001]);
  const auto difference = compare(received(stamps), received(swapped));
  ASSERT_TRUE(difference);
  EXPECT_NE(difference->find("member 1 (web) and member 0 (line)"), std::string::npos)
      << *difference;
  EXPECT_NE(difference->find("between line 4097 and line 8192"), std::string::npos) << *difference;
}

TEST(ReceivedOrder, MembersOnDifferentNodesAreNamedWithTheirNode) {
  const auto stamps = interleaved(100);
  auto swapped = stamps;
  std::swap(swapped[10], swapped[11]);
  const auto first = received(stamps);
  const auto second = received(swapped);
  const auto difference = compare_orders({OrderWitness{0, "line", &first, "127.0.0.1:9001"},
                                          OrderWitness{7, "line", &second, "127.0.0.1:9002"}});
  ASSERT_TRUE(difference);
  EXPECT_NE(difference->find("member 7 (line door of node 127.0.0.1:9002) and member 0 (line door "
                             "of node 127.0.0.1:9001)"),
            std::string::npos)
      << *difference;
}

TEST(ReceivedOrder, AMissingLineADuplicateOrAnotherSenderNameIsADifference) {
  const auto stamps = interleaved(100);
  auto missing = stamps;
  missing.pop_back();
  auto duplicated = stamps;
  duplicated[50] = duplicated[49];
  EXPECT_TRUE(compare(received(stamps), received(missing)));
  EXPECT_TRUE(compare(received(stamps), received(duplicated)));
  const auto renamed = compare(received(stamps), received(stamps, "c"));
  ASSERT_TRUE(renamed);
  EXPECT_NE(renamed->find("publisher 1's lines from 'c'"), std::string::npos) << *renamed;
}

}  // namespace
}  // namespace chatd::chat_bench
