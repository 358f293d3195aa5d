// Flags and main() plumbing shared by the load generators: range-checked flags, the loopback-only
// host, --server-pid (once, or repeatable), and the exit statuses (0 ok, 1 failed run, 2 bad
// flags).
#pragma once

#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/program_options.hpp>
#include <cstdint>
#include <exception>
#include <iostream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace chatd::loadgen {

// Bad flags: main() prints it with a hint and exits with status 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The flag's value, or `fallback` when it was not given; throws UsageError outside [low, high].
template <class T>
T flag_in_range(const boost::program_options::variables_map& flags, const char* name, T low, T high,
                std::optional<T> fallback = std::nullopt) {
  if (flags.count(name) == 0 && !fallback)
    throw UsageError(std::string("--") + name + " is required");
  const T value = flags.count(name) != 0 ? flags[name].as<T>() : *fallback;
  if (!(value >= low && value <= high)) {
    std::ostringstream message;
    message << "--" << name << " must be between " << low << " and " << high << ", got " << value;
    throw UsageError(message.str());
  }
  return value;
}

// --host, --port and --server-pid: where the server listens, and which processes to watch.
struct ServerFlags {
  boost::asio::ip::address_v4 host;  // in 127.0.0.0/8: the load generators never leave the machine
  std::uint16_t port{};
  std::vector<int> pids;  // every --server-pid in order, each a process whose /proc can be read

  boost::asio::ip::tcp::endpoint endpoint() const { return {host, port}; }
  // The one server watched, for programs whose --server-pid is given once.
  std::optional<int> pid() const {
    if (pids.empty()) return std::nullopt;
    return pids.front();
  }
};

ServerFlags server_flags(const boost::program_options::variables_map& flags);

// The value of a flag naming a process (e.g. --store-pid), checked readable through /proc;
// nothing when it was not given.
std::optional<int> process_flag(const boost::program_options::variables_map& flags,
                                const char* name);

// Parses argv against `description`; prints the help and returns nothing for --help.
std::optional<boost::program_options::variables_map> parse_command_line(
    int argc, char** argv, const boost::program_options::options_description& description);

// The same, then turns the flags into a program's options with build(variables_map).
template <class Build>
auto parse_options_with(int argc, char** argv,
                        const boost::program_options::options_description& description, Build build)
    -> std::optional<
        decltype(build(std::declval<const boost::program_options::variables_map&>()))> {
  const auto flags = parse_command_line(argc, argv, description);
  if (!flags) return std::nullopt;
  return build(*flags);
}

// The flags every load generator has: --help, --host, --port. Then its own, then
// add_server_pid_flag (--server-pid at most once) or add_server_pids_flag (repeatable).
void add_common_flags(boost::program_options::options_description& flags);
void add_server_pid_flag(boost::program_options::options_description& flags, const char* help);
void add_server_pids_flag(boost::program_options::options_description& flags, const char* help);

// main(): parse(argc, argv) gives the options (nothing after --help), run(options) the exit
// status. What escapes becomes one too: UsageError and program_options errors are bad flags (2),
// anything else a failed run (1).
template <class Parse, class Run>
int run_main(std::string_view program, int argc, char** argv, Parse parse, Run run) {
  try {
    const auto options = parse(argc, argv);
    if (!options) return 0;
    return run(*options);
  } catch (const UsageError& e) {
    std::cerr << program << ": " << e.what() << "\nTry '" << program << " --help'.\n";
    return 2;
  } catch (const boost::program_options::error& e) {
    std::cerr << program << ": " << e.what() << "\nTry '" << program << " --help'.\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << program << ": " << e.what() << '\n';
    return 1;
  }
}

}  // namespace chatd::loadgen
