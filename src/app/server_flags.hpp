// The `chatd` command line and its `--config` file: what they accept, their defaults, and the
// checks that reject bad values with a message a person can act on.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "cluster/redis_address.hpp"
#include "net/server.hpp"

namespace chatd::app {

struct ServerFlags {
  net::ServerOptions server;
  // Where the line door listens.
  boost::asio::ip::tcp::endpoint line{boost::asio::ip::address_v4::loopback(), 9999};
  // Where the web door listens; none with --web off.
  std::optional<boost::asio::ip::tcp::endpoint> web{
      std::in_place, boost::asio::ip::address_v4::loopback(), 8080};
  std::vector<std::string> allowed_origins;
  // The certificate (PEM, chain included) and key the TLS doors serve; set when one is on.
  struct TlsFiles {
    std::string certificate;
    std::string key;
  };
  std::optional<TlsFiles> tls;
  // Where the TLS twins of the line and web doors listen; none by default.
  std::optional<boost::asio::ip::tcp::endpoint> line_tls;
  std::optional<boost::asio::ip::tcp::endpoint> web_tls;
  // Where the IRC door listens (none with --irc off), its TLS twin (none by default), and the
  // server's name in IRC prefixes (--server-name; default: this machine's host name).
  std::optional<boost::asio::ip::tcp::endpoint> irc{
      std::in_place, boost::asio::ip::address_v4::loopback(), 6667};
  std::optional<boost::asio::ip::tcp::endpoint> irc_tls;
  std::string server_name;
  // With --redis, this node is one of a cluster's (docs/scaling.md).
  std::optional<cluster::RedisAddress> redis;
  std::string node_id;  // empty: HOSTNAME:PORT, once the line door has bound its port
  std::chrono::seconds node_timeout{10};
  unsigned threads = 1;
  bool quiet = false;
};

// What parsing decided: run with these flags, or exit now with this status after printing this
// text (help or the version on stdout with status 0; an error on stderr with status 2).
struct ExitNow {
  int status = 0;
  std::string text;
};

std::variant<ServerFlags, ExitNow> parse_server_flags(const std::vector<std::string>& args);

}  // namespace chatd::app
