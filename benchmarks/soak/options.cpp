// chat-soak's flags; see options.hpp.
#include "soak/options.hpp"

#include <boost/program_options.hpp>
#include <random>
#include <string>

#include "loadgen/command_line.hpp"

namespace chatd::soak {

namespace po = boost::program_options;
using loadgen::flag_in_range;

namespace {

constexpr long long kMinBytes = 64;  // the longest stamp fits
constexpr long long kMaxBytes = 4000;

po::options_description describe_flags() {
  po::options_description flags("chat-soak: a soak test for chatd (loopback only)");
  loadgen::add_common_flags(flags);
  // clang-format off
  flags.add_options()
    ("clients", po::value<long long>()->default_value(200), "connections kept open: 4 observers, 1 slow client, the rest talk")
    ("duration", po::value<double>()->default_value(600), "seconds of talking and churn (then a bounded drain)")
    ("rate", po::value<double>()->default_value(2), "lines per second per talking client (flood control allows 20)")
    ("churn", po::value<double>()->default_value(20), "reconnects per second across the population")
    ("commanders", po::value<long long>()->default_value(5), "talking clients that also use /nick /who /me /join")
    ("bytes", po::value<long long>()->default_value(120), "text bytes per stamped line (64..4000)")
    ("slow-pause", po::value<double>()->default_value(300), "seconds the slow client stops reading at a time (0: no slow client)")
    ("drain", po::value<double>()->default_value(15), "seconds to wait for outstanding echoes after the talking stops")
    ("progress", po::value<double>()->default_value(60), "seconds between progress lines on stderr (0: none)")
    ("seed", po::value<unsigned long long>(), "random seed (default: random; printed in the report)");
  // clang-format on
  loadgen::add_server_pid_flag(flags,
                               "server process to sample through /proc (VmRSS, VmHWM, fd count)");
  return flags;
}

Options options_from(const po::variables_map& flags) {
  Options options;
  options.server = loadgen::server_flags(flags);
  options.clients = static_cast<std::size_t>(flag_in_range<long long>(flags, "clients", 8, 20000));
  options.duration_s = flag_in_range<double>(flags, "duration", 1, 86400);
  options.rate = flag_in_range<double>(flags, "rate", 0.05, 15);
  options.churn = flag_in_range<double>(flags, "churn", 0, 1000);
  options.commanders = static_cast<std::size_t>(flag_in_range<long long>(
      flags, "commanders", 0, static_cast<long long>(options.clients) - 6));
  options.bytes =
      static_cast<std::size_t>(flag_in_range<long long>(flags, "bytes", kMinBytes, kMaxBytes));
  options.slow_pause_s = flag_in_range<double>(flags, "slow-pause", 0, 86400);
  options.drain_s = flag_in_range<double>(flags, "drain", 1, 600);
  options.progress_s = flag_in_range<double>(flags, "progress", 0, 86400);
  if (flags.count("seed") != 0) {
    options.seed = flags["seed"].as<unsigned long long>();
  } else {
    std::random_device entropy;
    options.seed = (std::uint64_t{entropy()} << 32) | entropy();
  }
  return options;
}

}  // namespace

std::optional<Options> parse_options(int argc, char** argv) {
  return loadgen::parse_options_with(argc, argv, describe_flags(), options_from);
}

}  // namespace chatd::soak
