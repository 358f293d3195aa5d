// chat-soak's flags.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "loadgen/command_line.hpp"

namespace chatd::soak {

struct Options {
  loadgen::ServerFlags server;
  std::size_t clients{};
  double duration_s{};
  double rate{};
  double churn{};
  std::size_t commanders{};
  std::size_t bytes{};
  double slow_pause_s{};
  double drain_s{};
  double progress_s{};
  std::uint64_t seed{};
};

// Returns nothing when --help was asked for. Throws loadgen::UsageError or a program_options
// error on bad flags.
std::optional<Options> parse_options(int argc, char** argv);

}  // namespace chatd::soak
