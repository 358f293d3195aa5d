// The `chatd` command line; see server_flags.hpp.
#include "app/server_flags.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/program_options.hpp>
#include <charconv>
#include <sstream>
#include <thread>

namespace chatd::app {

namespace po = boost::program_options;

namespace {

// Sizes may carry a binary suffix: 4096, 64K, 8M, 1G.
std::size_t parse_size(const std::string& text, const std::string& flag) {
  std::size_t value = 0;
  const char* end = text.data() + text.size();
  const auto [rest, error] = std::from_chars(text.data(), end, value);
  if (error != std::errc{} || rest == text.data())
    throw po::error("--" + flag + " wants a size such as 4096, 64K or 8M, not '" + text + "'");
  std::size_t scale = 1;
  const std::string suffix(rest, end);
  if (suffix == "K" || suffix == "k" || suffix == "KiB")
    scale = std::size_t{1} << 10;
  else if (suffix == "M" || suffix == "MiB")
    scale = std::size_t{1} << 20;
  else if (suffix == "G" || suffix == "GiB")
    scale = std::size_t{1} << 30;
  else if (!suffix.empty())
    throw po::error("--" + flag + " wants a size such as 4096, 64K or 8M, not '" + text + "'");
  return value * scale;
}

void require(bool ok, const std::string& message) {
  if (!ok) throw po::error(message);
}

}  // namespace

std::variant<ServerFlags, ExitNow> parse_server_flags(const std::vector<std::string>& args) {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  std::string host = "127.0.0.1";
  long port = 9999;
  long threads = cores;
  std::string max_line = "4096";
  std::string outbox = "8M";

  po::options_description visible(
      "chatd — a line-based chat server\n\nUsage: chatd [options]\n\nOptions");
  visible.add_options()("help,h", "print this help and exit")(
      "host", po::value(&host)->default_value(host), "address to listen on")(
      "port,p", po::value(&port)->default_value(port),
      "TCP port to listen on (0 picks a free one)")(
      "threads,t", po::value(&threads)->default_value(threads),
      "I/O threads running the server (default: this machine's cores)")(
      "max-line", po::value(&max_line)->default_value(max_line),
      "longest line a client may send, in bytes; longer lines are refused")(
      "outbox", po::value(&outbox)->default_value(outbox),
      "how far (bytes) a client may fall behind the room before it is disconnected as too slow")(
      "quiet,q", "do not log connects and disconnects");

  ServerFlags flags;
  try {
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(visible).run(), vm);
    po::notify(vm);
    if (vm.count("help")) {
      std::ostringstream help;
      help << visible;
      return ExitNow{0, help.str()};
    }
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(host, ec);
    require(!ec, "--host wants an IP address such as 127.0.0.1, not '" + host + "'");
    require(port >= 0 && port <= 65535,
            "--port must be between 0 and 65535, not " + std::to_string(port));
    require(threads >= 1 && threads <= 1024,
            "--threads must be between 1 and 1024, not " + std::to_string(threads));
    const std::size_t line = parse_size(max_line, "max-line");
    require(line >= 1 && line <= (std::size_t{1} << 20),
            "--max-line must be between 1 and 1M bytes");
    const std::size_t lag = parse_size(outbox, "outbox");
    // An outbox must hold a few of the longest lines, or a client is evicted for one message.
    require(lag >= 4 * (line + 64), "--outbox must be at least 4 × (--max-line + 64) bytes, here " +
                                        std::to_string(4 * (line + 64)));
    require(lag <= (std::size_t{1} << 30), "--outbox must be at most 1G");

    flags.server.endpoint = {address, static_cast<unsigned short>(port)};
    flags.server.session.max_line = line;
    flags.server.room.outbox_bytes = lag;
    flags.threads = static_cast<unsigned>(threads);
    flags.quiet = vm.count("quiet") > 0;
  } catch (const po::error& e) {
    return ExitNow{2, std::string("chatd: ") + e.what() + "\nTry 'chatd --help'.\n"};
  }
  return flags;
}

}  // namespace chatd::app
