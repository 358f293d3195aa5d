// Flags and main() plumbing shared by the load generators; see command_line.hpp.
#include "loadgen/command_line.hpp"

#include <algorithm>

#include "loadgen/proc_stats.hpp"

namespace chatd::loadgen {

namespace po = boost::program_options;

namespace {

boost::asio::ip::address_v4 loopback_host(const std::string& text) {
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address_v4(text, ec);
  if (ec || (address.to_uint() >> 24) != 127) {
    throw UsageError("--host must be an IPv4 address in 127.0.0.0/8 (loopback only), got '" + text +
                     "'");
  }
  return address;
}

int readable_pid(const char* name, long long value) {
  constexpr long long kMaxPid = 1 << 22;  // Linux's PID_MAX_LIMIT
  if (value < 1 || value > kMaxPid) {
    throw UsageError(std::string("--") + name + " must be between 1 and " +
                     std::to_string(kMaxPid) + ", got " + std::to_string(value));
  }
  const auto pid = static_cast<int>(value);
  if (!process_is_readable(pid)) {
    throw UsageError(std::string("--") + name + " " + std::to_string(pid) + ": cannot read /proc/" +
                     std::to_string(pid) + "/stat");
  }
  return pid;
}

// --server-pid as either form registered it: one value, or every occurrence.
std::vector<int> server_pids(const po::variables_map& flags) {
  std::vector<int> pids;
  if (flags.count("server-pid") == 0) return pids;
  const auto& value = flags["server-pid"].value();
  if (const auto* each = boost::any_cast<std::vector<long long>>(&value)) {
    for (const long long given : *each) {
      const int pid = readable_pid("server-pid", given);
      // Counted twice, its CPU time would be too.
      if (std::find(pids.begin(), pids.end(), pid) != pids.end())
        throw UsageError("--server-pid " + std::to_string(pid) + " is given twice");
      pids.push_back(pid);
    }
  } else {
    pids.push_back(readable_pid("server-pid", boost::any_cast<long long>(value)));
  }
  return pids;
}

}  // namespace

std::optional<int> process_flag(const po::variables_map& flags, const char* name) {
  if (flags.count(name) == 0) return std::nullopt;
  return readable_pid(name, flags[name].as<long long>());
}

void add_common_flags(po::options_description& flags) {
  // clang-format off
  flags.add_options()
    ("help", "print this help and exit")
    ("host", po::value<std::string>()->default_value("127.0.0.1"), "server address; must be in 127.0.0.0/8")
    ("port", po::value<long long>()->default_value(9999), "server port");
  // clang-format on
}

void add_server_pid_flag(po::options_description& flags, const char* help) {
  flags.add_options()("server-pid", po::value<long long>(), help);
}

void add_server_pids_flag(po::options_description& flags, const char* help) {
  flags.add_options()("server-pid", po::value<std::vector<long long>>(), help);
}

ServerFlags server_flags(const po::variables_map& flags) {
  ServerFlags server;
  server.host = loopback_host(flags["host"].as<std::string>());
  server.port = static_cast<std::uint16_t>(flag_in_range<long long>(flags, "port", 1, 65535));
  server.pids = server_pids(flags);
  return server;
}

std::optional<po::variables_map> parse_command_line(int argc, char** argv,
                                                    const po::options_description& description) {
  po::variables_map flags;
  po::store(po::parse_command_line(argc, argv, description), flags);
  po::notify(flags);
  if (flags.count("help") != 0) {
    std::cout << description << '\n';
    return std::nullopt;
  }
  return flags;
}

}  // namespace chatd::loadgen
