// The `chatd` command line; see server_flags.hpp.
#include "app/server_flags.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/program_options.hpp>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <system_error>
#include <thread>

#include "app/version.hpp"

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

// "HOST:PORT" ("[::1]:8080" for IPv6), or "off": where a door listens, if it does.
std::optional<boost::asio::ip::tcp::endpoint> parse_listen(const std::string& text,
                                                           const std::string& flag) {
  if (text == "off") return std::nullopt;
  const std::string wanted =
      "--" + flag + " wants HOST:PORT such as 127.0.0.1:8080, or off, not '" + text + "'";
  const std::size_t colon = text.rfind(':');
  require(colon != std::string::npos && colon > 0, wanted);
  std::string host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(host, ec);
  unsigned port = 0;
  const char* end = text.data() + text.size();
  const auto [rest, error] = std::from_chars(text.data() + colon + 1, end, port);
  require(!ec && error == std::errc{} && rest == end && colon + 1 < text.size() && port <= 65535,
          wanted);
  return boost::asio::ip::tcp::endpoint(address, static_cast<unsigned short>(port));
}

// An origin as browsers send it: scheme://host[:port], nothing after.
void require_origin(const std::string& origin) {
  const std::size_t scheme_end = origin.find("://");
  const bool ok = (origin.starts_with("http://") || origin.starts_with("https://")) &&
                  origin.size() > scheme_end + 3 &&
                  origin.find('/', scheme_end + 3) == std::string::npos;
  require(ok, "--allowed-origin wants an origin such as https://chat.example.org, not '" +
                  origin + "'");
}

// What the file may not say: these act on the command line itself.
bool command_line_only(const std::string& key) {
  return key == "help" || key == "version" || key == "config";
}

// The keys a --config file set that the command line did not override.
struct ConfigFile {
  std::string path;
  std::set<std::string> keys;
};

// Stores `path`'s `key = value` lines into `vm` below what the command line already stored there:
// program_options keeps the first value stored for a key. Every error names the file.
ConfigFile store_config_file(const std::string& path, const po::options_description& flags,
                             po::variables_map& vm) {
  po::options_description settable;
  for (const auto& option : flags.options())
    if (!command_line_only(option->long_name())) settable.add(option);
  const auto cannot_read = [&path] {
    return po::error("cannot read config file " + path + ": " +
                     std::generic_category().message(errno));
  };
  std::ifstream in(path);
  if (!in) throw cannot_read();
  ConfigFile file{path, {}};
  try {
    const po::parsed_options parsed = po::parse_config_file(in, settable);
    // A directory opens, then fails to read.
    if (in.bad()) throw cannot_read();
    for (const auto& option : parsed.options)
      if (vm.count(option.string_key) == 0 || vm[option.string_key].defaulted())
        file.keys.insert(option.string_key);
    po::store(parsed, vm);
  } catch (const po::unknown_option& e) {
    const std::string key = e.get_option_name();
    throw po::error(path + ": " +
                    (command_line_only(key) ? key + " can only be given on the command line"
                                            : "unknown key '" + key + "'"));
  } catch (const po::error& e) {
    if (in.bad()) throw;  // cannot_read names the file already
    throw po::error(path + ": " + e.what());
  }
  return file;
}

// Every check below starts its message with the flag it is about ("--port must be ..."). When
// the file set that flag, say so: "FILE: port must be ...".
std::string name_the_source(const std::string& message, const ConfigFile& file) {
  if (message.rfind("--", 0) != 0) return message;
  const std::string key = message.substr(2, message.find(' ') - 2);
  if (file.keys.count(key) == 0) return message;
  return file.path + ": " + message.substr(2);
}

}  // namespace

std::variant<ServerFlags, ExitNow> parse_server_flags(const std::vector<std::string>& args) {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  std::string host = "127.0.0.1";
  long port = 9999;
  long threads = cores;
  std::string max_line = "4096";
  std::string outbox = "8M";
  long history = 100;
  long notice_limit = 100;
  double rate = 20;
  double burst = 100;
  long idle_timeout = 0;
  long max_clients = 10000;
  std::string web = "127.0.0.1:8080";
  std::vector<std::string> allowed_origins;
  std::string tls_cert;
  std::string tls_key;
  std::string line_tls = "off";
  std::string web_tls = "off";
  std::string irc = "127.0.0.1:6667";
  std::string irc_tls = "off";
  std::string server_name;
  std::string redis;
  std::string node_id;
  long node_timeout = 10;

  po::options_description visible(
      "chatd — a line-based chat server\n\nUsage: chatd [options]\n\nOptions");
  std::string config_path;
  bool quiet = false;
  // Only on the command line: store_config_file refuses these three in a file.
  visible.add_options()("help,h", "print this help and exit")  //
      ("version", "print the version and exit")                //
      ("config", po::value(&config_path)->value_name("FILE"),
       "read flags from FILE, one 'name = value' per line (flags given here win)");
  visible.add_options()("host", po::value(&host)->default_value(host), "address to listen on")(
      "port,p", po::value(&port)->default_value(port),
      "TCP port to listen on (0 picks a free one)")(
      "web", po::value(&web)->default_value(web)->value_name("HOST:PORT|off"),
      "where the web door (chat page, WebSocket, /metrics, /healthz) listens; off: nowhere")(
      "allowed-origin", po::value(&allowed_origins)->composing()->value_name("ORIGIN"),
      "a page origin besides the server's own that may open WebSockets, e.g. "
      "https://chat.example.org (repeatable)")(
      "tls-cert", po::value(&tls_cert)->value_name("FILE"),
      "the TLS doors' certificate, PEM (the chain may follow it); SIGHUP reads it again")(
      "tls-key", po::value(&tls_key)->value_name("FILE"),
      "the private key of --tls-cert, PEM; SIGHUP reads it again")(
      "line-tls", po::value(&line_tls)->default_value(line_tls)->value_name("HOST:PORT|off"),
      "where the line protocol over TLS listens (needs --tls-cert and --tls-key)")(
      "web-tls", po::value(&web_tls)->default_value(web_tls)->value_name("HOST:PORT|off"),
      "where the web door over TLS (https, wss) listens (needs --tls-cert and --tls-key)")(
      "irc", po::value(&irc)->default_value(irc)->value_name("HOST:PORT|off"),
      "where the IRC door (irssi, WeeChat, HexChat...) listens; off: nowhere")(
      "irc-tls", po::value(&irc_tls)->default_value(irc_tls)->value_name("HOST:PORT|off"),
      "where the IRC door over TLS listens (needs --tls-cert and --tls-key)")(
      "server-name", po::value(&server_name)->value_name("NAME"),
      "the server's name to IRC clients (prefixes, 001); default: this machine's host name")(
      "redis", po::value(&redis)->value_name("URL"),
      "share rooms with other chatd nodes through Redis 7 at redis://[:PASSWORD@]HOST:PORT[/DB] "
      "(default: off, this node alone)")(
      "node-id", po::value(&node_id)->value_name("NAME"),
      "this node's name in the cluster (default: HOSTNAME:PORT); unique per node")(
      "node-timeout", po::value(&node_timeout)->default_value(node_timeout),
      "seconds after which a silent node is taken for dead and its members leave (node lost)")(
      "threads,t", po::value(&threads)->default_value(threads),
      "I/O threads running the server (default: this machine's cores)")(
      "max-line", po::value(&max_line)->default_value(max_line),
      "longest line a client may send, in bytes; longer lines are refused")(
      "outbox", po::value(&outbox)->default_value(outbox),
      "how far (bytes) a client may fall behind the room before it is disconnected as too slow")(
      "history", po::value(&history)->default_value(history),
      "messages a newcomer to a room is shown first (0: none)")(
      "notice-limit", po::value(&notice_limit)->default_value(notice_limit),
      "rooms bigger than this stop announcing joins and leaves")(
      "rate", po::value(&rate)->default_value(rate),
      "flood control: lines per second a client is read at on average, once over --burst; faster clients are slowed down, never cut off (0: off)")(
      "burst", po::value(&burst)->default_value(burst),
      "flood control: lines a client may send at once before it is paced to --rate")(
      "idle-timeout", po::value(&idle_timeout)->default_value(idle_timeout),
      "seconds of silence after which a client is disconnected (0: never)")(
      "max-clients", po::value(&max_clients)->default_value(max_clients),
      "clients connected at once; the next one is told the server is full")(
      "quiet,q", po::bool_switch(&quiet), "do not log at all (connects, disconnects, start and shutdown)");

  ServerFlags flags;
  ConfigFile file;
  try {
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(visible).run(), vm);
    if (vm.count("help")) {
      std::ostringstream help;
      help << visible;
      return ExitNow{0, help.str()};
    }
    if (vm.count("version")) return ExitNow{0, "chatd " + std::string(version) + "\n"};
    if (vm.count("config")) file = store_config_file(vm["config"].as<std::string>(), visible, vm);
    po::notify(vm);
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

    require(history >= 0 && history <= 10000, "--history must be between 0 and 10000");
    require(notice_limit >= 0, "--notice-limit must not be negative");
    require(rate >= 0 && rate <= 1e6, "--rate must be between 0 (off) and 1000000");
    require(burst >= 1 && burst <= 1e6, "--burst must be between 1 and 1000000");
    require(idle_timeout >= 0, "--idle-timeout must not be negative");
    require(max_clients >= 1, "--max-clients must be at least 1");

    flags.web = parse_listen(web, "web");
    for (const auto& origin : allowed_origins) require_origin(origin);
    flags.allowed_origins = allowed_origins;

    flags.irc = parse_listen(irc, "irc");
    flags.line_tls = parse_listen(line_tls, "line-tls");
    flags.web_tls = parse_listen(web_tls, "web-tls");
    flags.irc_tls = parse_listen(irc_tls, "irc-tls");
    const bool tls_door = flags.line_tls || flags.web_tls || flags.irc_tls;
    require(tls_cert.empty() == tls_key.empty(), "--tls-cert and --tls-key go together");
    require(!tls_door || !tls_cert.empty(),
            "--line-tls, --web-tls and --irc-tls need --tls-cert FILE and --tls-key FILE");
    require(tls_door || tls_cert.empty(),
            "--tls-cert is set but no TLS door is on: add --line-tls, --web-tls or --irc-tls");
    // An IRC server name is one token of letters, digits, '.', '-' and '_' (it goes in every
    // prefix); a host name usually is one.
    require(server_name.size() <= 63 &&
                server_name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                              "0123456789.-_") == std::string::npos,
            "--server-name wants at most 63 letters, digits, '.', '-' or '_'");
    flags.server_name = server_name;
    if (!tls_cert.empty()) flags.tls = ServerFlags::TlsFiles{tls_cert, tls_key};

    if (!redis.empty()) {
      try {
        flags.redis = cluster::parse_redis_url(redis);
      } catch (const std::invalid_argument& e) {
        throw po::error(e.what());
      }
    }
    require(node_id.size() <= 64 && node_id.find_first_of("/ \t\r\n{}") == std::string::npos,
            "--node-id wants at most 64 characters without spaces, '/', '{' or '}'");
    require(node_timeout >= 2 && node_timeout <= 3600,
            "--node-timeout must be between 2 and 3600 seconds");
    flags.node_id = node_id;
    flags.node_timeout = std::chrono::seconds(node_timeout);

    flags.line = {address, static_cast<unsigned short>(port)};
    flags.server.room.history = static_cast<std::size_t>(history);
    flags.server.room.notice_limit = static_cast<std::size_t>(notice_limit);
    flags.server.session.rate = rate;
    flags.server.session.burst = burst;
    flags.server.session.idle_timeout = std::chrono::seconds(idle_timeout);
    flags.server.max_clients = static_cast<std::size_t>(max_clients);
    flags.server.session.max_line = line;
    flags.server.room.outbox_bytes = lag;
    flags.threads = static_cast<unsigned>(threads);
    flags.quiet = quiet;
  } catch (const po::error& e) {
    return ExitNow{2, "chatd: " + name_the_source(e.what(), file) + "\nTry 'chatd --help'.\n"};
  }
  return flags;
}

}  // namespace chatd::app
