// chat-bench's flags; see options.hpp.
#include "chat_bench/options.hpp"

#include <algorithm>
#include <boost/program_options.hpp>
#include <charconv>
#include <string>
#include <system_error>

#include "loadgen/command_line.hpp"

namespace chatd::chat_bench {

namespace po = boost::program_options;
using loadgen::flag_in_range;
using loadgen::UsageError;

namespace {

po::options_description describe_flags() {
  po::options_description flags("chat-bench: load generator for chatd and the Go tutorial server");
  loadgen::add_common_flags(flags);
  // clang-format off
  flags.add_options()
    ("mode", po::value<std::string>()->default_value("fanout"), "fanout | latency | idle")
    ("door", po::value<std::string>()->default_value("line"), "line: every member on --port (line protocol); web: every member on --web-port (WebSocket at /ws); mixed: alternately one and the other, in the same room; irc: every member on --irc-port (registers, joins #lobby, sends PRIVMSG)")
    ("web-port", po::value<long long>()->default_value(8080), "the server's web door (chatd --web), used by --door web and mixed")
    ("irc-port", po::value<long long>()->default_value(6667), "the server's IRC door (chatd --irc), used by --door irc")
    ("irc-ports", po::value<std::string>(), "I1,I2,...: several nodes' IRC doors, for --door irc. Replaces --irc-port")
    ("tls", po::bool_switch(), "connect over TLS (no certificate check: a benchmark on loopback); the ports are then chatd's --line-tls / --irc-tls. Line and IRC doors only")
    ("ports", po::value<std::string>(), "P1,P2,...: the line doors of several nodes of one cluster (chatd --redis); members are spread over them round-robin, subscribers and publishers alike, so traffic enters on every node. Replaces --port")
    ("web-ports", po::value<std::string>(), "W1,W2,...: the same nodes' web doors, in the same order; needed with --ports for --door web and mixed. Replaces --web-port")
    ("web-frames", po::value<std::string>()->default_value("line"), "web publishers: line = a text frame per line, the bare line; say = a frame per line, {\"type\":\"say\",\"text\":...} as the chat page sends; window = as many bare lines per frame as chatd takes (4 KiB + 512)")
    ("web-reader", po::value<std::string>()->default_value("frames"), "web members: frames = split frames out of 64 KiB socket reads (as lines are read); beast = Beast's websocket::stream::async_read, a frame per completion")
    ("subscribers", po::value<long long>()->default_value(100), "fanout/latency: members that only receive")
    ("publishers", po::value<long long>()->default_value(10), "fanout/latency: members that send and receive")
    ("messages", po::value<long long>(), "fanout/latency: lines per publisher (default 20000; latency: 1000)")
    ("bytes", po::value<long long>()->default_value(64), "payload bytes per line (48..4000)")
    ("rate", po::value<double>(), "lines/s per publisher, 0 = as fast as the window allows (default 0; latency: 100)")
    ("window", po::value<long long>()->default_value(64), "most lines a publisher has sent but not yet seen echoed")
    ("duration-limit", po::value<double>()->default_value(120), "hard stop for the whole run, seconds")
    ("check-order", po::bool_switch(), "check that every member received the publishers' lines in one order (always on for --door web and mixed; a server that relays from several threads, like the Go tutorial, need not keep one order)")
    ("connections", po::value<long long>()->default_value(1000), "idle: number of idle members")
    ("threads", po::value<long long>()->default_value(1), "client threads, each with an io_context and a share of the connections");
  // clang-format on
  loadgen::add_server_pids_flag(
      flags,
      "server process to sample for CPU time and RSS via /proc; repeatable (one per node): CPU and "
      "RSS are summed, and reported per process too");
  flags.add_options()("store-pid", po::value<long long>(),
                      "the cluster's store (redis-server) to sample the same way, reported apart, "
                      "per million deliveries");
  return flags;
}

std::size_t size_flag(const po::variables_map& flags, const char* name, long long low,
                      long long high) {
  return static_cast<std::size_t>(flag_in_range<long long>(flags, name, low, high));
}

Mode mode_from(const std::string& text) {
  if (text == "fanout") return Mode::fanout;
  if (text == "latency") return Mode::latency;
  if (text == "idle") return Mode::idle;
  throw UsageError("--mode must be fanout, latency or idle, got '" + text + "'");
}

Doors doors_from(const std::string& text) {
  if (text == "line") return Doors::line;
  if (text == "web") return Doors::web;
  if (text == "mixed") return Doors::mixed;
  if (text == "irc") return Doors::irc;
  throw UsageError("--door must be line, web, mixed or irc, got '" + text + "'");
}

WebFrames web_frames_from(const std::string& text) {
  if (text == "line") return WebFrames::line;
  if (text == "say") return WebFrames::say;
  if (text == "window") return WebFrames::window;
  throw UsageError("--web-frames must be line, say or window, got '" + text + "'");
}

WebReader web_reader_from(const std::string& text) {
  if (text == "frames") return WebReader::frames;
  if (text == "beast") return WebReader::beast;
  throw UsageError("--web-reader must be frames or beast, got '" + text + "'");
}

// The nodes' doors: --ports / --web-ports / --irc-ports when given, else --port / --web-port /
// --irc-port as one node.
void set_nodes(const po::variables_map& flags, Options& options) {
  const bool line_list = flags.count("ports") != 0;
  const bool web_list = flags.count("web-ports") != 0;
  const bool irc_list = flags.count("irc-ports") != 0;
  options.line_ports = line_list ? parse_port_list(flags["ports"].as<std::string>(), "--ports")
                                 : std::vector<std::uint16_t>{options.server.port};
  const auto web_port =
      static_cast<std::uint16_t>(flag_in_range<long long>(flags, "web-port", 1, 65535));
  options.web_ports = web_list
                          ? parse_port_list(flags["web-ports"].as<std::string>(), "--web-ports")
                          : std::vector<std::uint16_t>{web_port};
  const auto irc_port =
      static_cast<std::uint16_t>(flag_in_range<long long>(flags, "irc-port", 1, 65535));
  options.irc_ports = irc_list
                          ? parse_port_list(flags["irc-ports"].as<std::string>(), "--irc-ports")
                          : std::vector<std::uint16_t>{irc_port};
  if (options.doors == Doors::irc) {
    if (line_list && !irc_list)
      throw UsageError("--door irc with --ports needs --irc-ports, the same nodes' IRC doors");
    options.nodes = options.irc_ports.size();
    return;
  }
  const bool line_used = options.doors != Doors::web;
  const bool web_used = options.doors != Doors::line;
  if (web_used && line_list && !web_list) {
    throw UsageError("--door " + std::string(doors_name(options.doors)) +
                     " with --ports needs --web-ports, the same nodes' web doors");
  }
  if (line_used && web_used && options.line_ports.size() != options.web_ports.size()) {
    throw UsageError("--ports names " + std::to_string(options.line_ports.size()) +
                     " nodes but --web-ports " + std::to_string(options.web_ports.size()) +
                     "; give one of each per node, in the same order");
  }
  options.nodes = line_used ? options.line_ports.size() : options.web_ports.size();
}

// What the flags may not combine: TLS is for the line and IRC doors (the client has no wss), and
// an IRC text must fit in one relayed PRIVMSG.
void check_door_limits(const Options& options) {
  if (options.tls && (options.doors == Doors::web || options.doors == Doors::mixed)) {
    throw UsageError("--tls takes --door line or irc, not " +
                     std::string(doors_name(options.doors)));
  }
  if (options.doors == Doors::irc && options.bytes > kMaxIrcPayloadBytes) {
    throw UsageError("--door irc takes --bytes up to " + std::to_string(kMaxIrcPayloadBytes) +
                     " (an IRC line is 512 bytes), got " + std::to_string(options.bytes));
  }
}

Options options_from(const po::variables_map& flags) {
  Options options;
  options.server = loadgen::server_flags(flags);
  options.store_pid = loadgen::process_flag(flags, "store-pid");
  options.mode = mode_from(flags["mode"].as<std::string>());
  options.doors = doors_from(flags["door"].as<std::string>());
  set_nodes(flags, options);
  options.web_frames = web_frames_from(flags["web-frames"].as<std::string>());
  options.web_reader = web_reader_from(flags["web-reader"].as<std::string>());
  const bool latency = options.mode == Mode::latency;
  options.subscribers = size_flag(flags, "subscribers", 0, 100000);
  options.publishers = size_flag(flags, "publishers", 1, 10000);
  options.messages = static_cast<std::uint64_t>(
      flag_in_range<long long>(flags, "messages", 1, 1000000000, latency ? 1000 : 20000));
  options.bytes = size_flag(flags, "bytes", kMinPayloadBytes, kMaxPayloadBytes);
  options.rate = flag_in_range<double>(flags, "rate", 0.0, 1e7, latency ? 100.0 : 0.0);
  if (latency && options.rate <= 0) throw UsageError("--mode latency needs --rate > 0");
  options.window =
      static_cast<std::uint64_t>(flag_in_range<long long>(flags, "window", 1, 1000000));
  options.duration_limit_s = flag_in_range<double>(flags, "duration-limit", 0.1, 86400);
  options.connections = size_flag(flags, "connections", 1, 1000000);
  options.threads = static_cast<unsigned>(flag_in_range<long long>(flags, "threads", 1, 64));
  options.check_order = flags["check-order"].as<bool>();
  options.tls = flags["tls"].as<bool>();
  check_door_limits(options);
  return options;
}

}  // namespace

std::string_view mode_name(Mode mode) {
  switch (mode) {
    case Mode::fanout:
      return "fanout";
    case Mode::latency:
      return "latency";
    case Mode::idle:
      return "idle";
  }
  return "?";
}

std::string_view door_name(Door door) {
  switch (door) {
    case Door::line:
      return "line";
    case Door::web:
      return "web";
    case Door::irc:
      return "irc";
  }
  return "?";
}

std::string_view doors_name(Doors doors) {
  switch (doors) {
    case Doors::line:
      return "line";
    case Doors::web:
      return "web";
    case Doors::mixed:
      return "mixed";
    case Doors::irc:
      return "irc";
  }
  return "?";
}

std::vector<std::uint16_t> parse_port_list(std::string_view text, std::string_view flag) {
  const auto refuse = [flag, text](const std::string& why) {
    return UsageError(std::string(flag) +
                      " must be ports separated by commas, e.g. 9001,9002, got '" +
                      std::string(text) + "': " + why);
  };
  std::vector<std::uint16_t> ports;
  std::size_t begin = 0;
  for (;;) {
    const auto end = std::min(text.find(',', begin), text.size());
    const auto entry = text.substr(begin, end - begin);
    unsigned long value = 0;
    const auto [stop, ec] = std::from_chars(entry.data(), entry.data() + entry.size(), value);
    if (entry.empty() || ec != std::errc() || stop != entry.data() + entry.size())
      throw refuse("'" + std::string(entry) + "' is not a port number");
    if (value < 1 || value > 65535) throw refuse(std::string(entry) + " is not in 1..65535");
    const auto port = static_cast<std::uint16_t>(value);
    if (std::find(ports.begin(), ports.end(), port) != ports.end())
      throw refuse(std::string(entry) + " is named twice");
    ports.push_back(port);
    if (end == text.size()) break;
    begin = end + 1;
  }
  return ports;
}

std::optional<Options> parse_options(int argc, char** argv) {
  return loadgen::parse_options_with(argc, argv, describe_flags(), options_from);
}

}  // namespace chatd::chat_bench
