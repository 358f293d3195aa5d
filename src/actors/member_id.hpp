// MemberId: who a room event is about. A distinct type so it cannot be mixed up with a count,
// a port or an index.
#pragma once

#include <cstdint>
#include <functional>

namespace chatd::actors {

struct MemberId {
  std::uint64_t value = 0;
  friend bool operator==(MemberId, MemberId) = default;
  friend auto operator<=>(MemberId, MemberId) = default;
};

}  // namespace chatd::actors

template <>
struct std::hash<chatd::actors::MemberId> {
  std::size_t operator()(chatd::actors::MemberId id) const noexcept {
    return std::hash<std::uint64_t>{}(id.value);
  }
};
