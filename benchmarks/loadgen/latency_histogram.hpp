// LatencyHistogram: percentiles of microsecond latencies in fixed memory, mergeable by summing.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace chatd::loadgen {

// Log-linear microsecond histogram: exact below 32 us, then 32 buckets per power of two (each
// about 3 % wide) up to 2^64, so no value is ever clamped and merging is a plain sum.
class LatencyHistogram {
 public:
  void record(std::uint64_t micros) noexcept {
    ++counts_[bucket_of(micros)];
    ++count_;
    max_ = std::max(max_, micros);
  }

  void merge(const LatencyHistogram& other) noexcept {
    for (std::size_t bucket = 0; bucket < kBucketCount; ++bucket)
      counts_[bucket] += other.counts_[bucket];
    count_ += other.count_;
    max_ = std::max(max_, other.max_);
  }

  std::uint64_t count() const noexcept { return count_; }
  std::uint64_t max() const noexcept { return max_; }

  // Upper edge of the bucket holding the q-quantile, capped at the largest value recorded.
  std::uint64_t quantile(double q) const noexcept {
    if (count_ == 0) return 0;
    const auto rank = std::max<std::uint64_t>(
        1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_))));
    std::uint64_t seen = 0;
    for (std::size_t bucket = 0; bucket < kBucketCount; ++bucket) {
      seen += counts_[bucket];
      if (seen >= rank) return std::min(upper_edge(bucket), max_);
    }
    return max_;
  }

 private:
  static constexpr unsigned kSubBucketBits = 5;
  static constexpr std::uint64_t kSubBuckets = std::uint64_t{1} << kSubBucketBits;
  static constexpr std::size_t kBucketCount = (64 - kSubBucketBits + 1) * kSubBuckets;

  static std::size_t bucket_of(std::uint64_t micros) noexcept {
    if (micros < kSubBuckets) return static_cast<std::size_t>(micros);
    const auto shift = static_cast<unsigned>(std::bit_width(micros)) - 1 - kSubBucketBits;
    return static_cast<std::size_t>(((std::uint64_t{shift} + 1) << kSubBucketBits) +
                                    ((micros >> shift) - kSubBuckets));
  }

  static std::uint64_t upper_edge(std::size_t bucket) noexcept {
    if (bucket < kSubBuckets) return bucket;
    const auto shift = static_cast<unsigned>(bucket >> kSubBucketBits) - 1;
    const auto mantissa = (bucket & (kSubBuckets - 1)) + kSubBuckets;
    // Unsigned wrap-around makes the top bucket's edge UINT64_MAX, which is what it is.
    return ((std::uint64_t{mantissa} + 1) << shift) - 1;
  }

  std::array<std::uint64_t, kBucketCount> counts_{};
  std::uint64_t count_ = 0;
  std::uint64_t max_ = 0;
};

}  // namespace chatd::loadgen
