// chatd: the chat server. Parses flags, runs the server on --threads threads, and shuts down
// gracefully on SIGINT/SIGTERM (a second signal, or the drain deadline, forces the exit).
#include <sys/resource.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/host_name.hpp>
#include <boost/asio/signal_set.hpp>
#include <ctime>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "app/server_flags.hpp"
#include "base/log.hpp"
#include "cluster/cluster_link.hpp"
#include "net/irc/irc_door.hpp"
#include "net/line/line_door.hpp"
#include "net/tls/tls_credentials.hpp"
#include "net/tls/tls_door.hpp"
#include "net/web/web_door.hpp"
#include "net/server.hpp"

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;

namespace {

// Sessions flush for at most 2 s each; this leaves them that, plus a margin.
constexpr auto drain_deadline = std::chrono::milliseconds(2500);
// After the drain, the cluster link sends the last leaves and removes the node.
constexpr auto link_deadline = std::chrono::milliseconds(1000);

// `signals` is registered before the server says it listens: a SIGTERM that follows that line at
// once must find the handler, not the default action.
asio::awaitable<void> shut_down_on_signal(asio::io_context& io, chatd::net::Server& server,
                                          asio::signal_set& signals,
                                          std::shared_ptr<chatd::cluster::ClusterLink> link) {
  auto [ec, signal] = co_await signals.async_wait(asio::as_tuple(asio::use_awaitable));
  if (ec) co_return;
  chatd::base::log_line(std::string("shutting down (") + (signal == SIGINT ? "SIGINT" : "SIGTERM") +
                       "), " + std::to_string(server.live_sessions()) + " clients");
  server.stop();
  asio::steady_timer deadline(io, drain_deadline);
  const auto outcome =
      co_await (server.wait_drained() || deadline.async_wait(asio::as_tuple(asio::use_awaitable)) ||
                signals.async_wait(asio::as_tuple(asio::use_awaitable)));
  if (outcome.index() != 0) chatd::base::log_line("drain deadline passed; closing the rest");
  if (link) co_await link->stop(link_deadline);
  io.stop();
}

// SIGHUP reads the TLS certificate and key again: new connections get the new ones, and a bad
// file leaves the old ones in place. Without TLS there is nothing to read, which is logged too.
asio::awaitable<void> reload_on_hangup(asio::signal_set& hangups,
                                       std::shared_ptr<chatd::net::tls::TlsCredentials> tls) {
  for (;;) {
    auto [ec, signal] = co_await hangups.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    if (!tls) {
      chatd::base::log_line("SIGHUP: no TLS door, nothing to reload");
      continue;
    }
    const std::optional<std::string> failed = tls->reload();
    chatd::base::log_line(failed ? "SIGHUP: TLS certificate not reloaded, keeping the old one: " +
                                       *failed
                                 : "SIGHUP: TLS certificate reloaded from " +
                                       tls->certificate_file());
  }
}

// The IRC door's name for this server (--server-name, else the host name when it is a valid
// one), when it started, and the message of the day.
chatd::net::irc::IrcOptions irc_options(const chatd::app::ServerFlags& flags) {
  std::string name = flags.server_name;
  if (name.empty()) {
    boost::system::error_code ec;
    name = asio::ip::host_name(ec);
    const bool usable = !ec && !name.empty() && name.size() <= 63 &&
                        name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                               "0123456789.-_") == std::string::npos;
    if (!usable) name = "chatd";
  }
  const std::time_t now = std::time(nullptr);
  char started[64] = "";
  std::strftime(started, sizeof started, "%Y-%m-%d %H:%M:%S UTC", std::gmtime(&now));
  return {name,
          {"Welcome to chatd. Every channel is a room, shared with the line and web doors:",
           "/join #lobby to meet everyone, /list for the rooms there are."},
          started};
}

// Each client is a descriptor: take every one the hard limit allows (as a systemd unit's
// LimitNOFILE sets it), and say what we got.
rlim_t raise_descriptor_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
    ::getrlimit(RLIMIT_NOFILE, &limit);
  }
  return limit.rlim_cur;
}

// HOSTNAME:PORT, unique per node on a host as long as each listens on its own port; with
// --port 0 the process id stands in for the port.
std::string default_node_id(const chatd::app::ServerFlags& flags) {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "chatd");
  const unsigned port = flags.line.port();
  return std::string(host) + ":" + std::to_string(port != 0 ? port : unsigned(::getpid()));
}

// Connects to Redis before the node serves. Null when --redis is not given; exits (through
// `exit_status`) when Redis refuses this node for good: a wrong password, not Redis at all.
std::shared_ptr<chatd::cluster::ClusterLink> link_to_cluster(asio::io_context& io,
                                                             const chatd::app::ServerFlags& flags,
                                                             int& exit_status) {
  if (!flags.redis) return nullptr;
  chatd::cluster::ClusterOptions options;
  options.address = *flags.redis;
  options.node_id = flags.node_id.empty() ? default_node_id(flags) : flags.node_id;
  options.node_timeout = flags.node_timeout;
  options.history = flags.server.room.history;
  auto link = std::make_shared<chatd::cluster::ClusterLink>(io.get_executor(), options);
  std::optional<chatd::cluster::ClusterLink::FirstContact> contact;
  asio::co_spawn(io, link->contact(), [&contact](std::exception_ptr error, auto result) {
    if (error) result.error = "failed: an exception while connecting";
    contact = std::move(result);
  });
  // The connections stay open (waiting to read), so run handlers until the answer is in.
  while (!contact) io.run_one();
  // A failed contact leaves no work behind, and an io_context that ran out of work stays
  // stopped until restarted.
  io.restart();
  const std::string where = describe(*flags.redis);
  if (contact->fatal) {
    std::cerr << "chatd: cannot use " << where << ": " << contact->error << "\n";
    exit_status = 1;
    return nullptr;
  }
  if (!contact->error.empty())
    chatd::base::log_line("cluster: cannot reach " + where + " (" + contact->error +
                          "); serving this node's clients alone and retrying");
  return link;
}

}  // namespace

int main(int argc, char** argv) {
  const auto parsed =
      chatd::app::parse_server_flags(std::vector<std::string>(argv + 1, argv + argc));
  if (const auto* exit_now = std::get_if<chatd::app::ExitNow>(&parsed)) {
    (exit_now->status == 0 ? std::cout : std::cerr) << exit_now->text;
    return exit_now->status;
  }
  const auto& flags = std::get<chatd::app::ServerFlags>(parsed);
  chatd::base::set_logging(!flags.quiet);
  const rlim_t descriptors = raise_descriptor_limit();
  std::shared_ptr<chatd::net::tls::TlsCredentials> tls;
  if (flags.tls) {
    try {
      tls = std::make_shared<chatd::net::tls::TlsCredentials>(flags.tls->certificate,
                                                              flags.tls->key);
    } catch (const chatd::net::tls::TlsError& e) {
      std::cerr << "chatd: TLS: " << e.what() << "\n";
      return 1;
    }
  }

  asio::io_context io(static_cast<int>(flags.threads));
  int exit_status = 0;
  auto link = link_to_cluster(io, flags, exit_status);
  if (exit_status != 0) return exit_status;
  // Every way into the chat: adding a door is adding a line here.
  std::vector<chatd::net::Door> doors;
  doors.push_back(chatd::net::line::line_door(flags.line));
  if (flags.web) doors.push_back(chatd::net::web::web_door(*flags.web, {flags.allowed_origins}));
  if (flags.line_tls) {
    doors.push_back(chatd::net::tls::over_tls(chatd::net::line::line_door(*flags.line_tls),
                                              *flags.line_tls, tls));
  }
  if (flags.irc || flags.irc_tls) {
    chatd::net::irc::IrcOptions irc = irc_options(flags);
    if (flags.irc) doors.push_back(chatd::net::irc::irc_door(*flags.irc, irc));
    if (flags.irc_tls) {
      doors.push_back(chatd::net::tls::over_tls(chatd::net::irc::irc_door(*flags.irc_tls, irc),
                                                *flags.irc_tls, tls));
    }
  }
  if (flags.web_tls) {
    doors.push_back(chatd::net::tls::over_tls(
        chatd::net::web::web_door(*flags.web_tls, {flags.allowed_origins}), *flags.web_tls, tls));
  }
  std::vector<std::string> door_names;
  for (const auto& door : doors) door_names.push_back(door.name);
  std::optional<chatd::net::Server> server;
  try {
    server.emplace(io, flags.server, std::move(doors), link);
  } catch (const chatd::net::DoorError& e) {
    std::cerr << "chatd: cannot listen on " << e.endpoint << ": " << e.code().message() << " ("
              << e.door_name << " door)\n";
    return 1;
  }
  // On a strand: its `||` must not race with itself across the pool's threads.
  const auto signal_strand = asio::make_strand(io);
  asio::signal_set signals(signal_strand, SIGINT, SIGTERM);
  asio::signal_set hangups(signal_strand, SIGHUP);
  server->start();
  if (link) link->start();
  asio::co_spawn(signal_strand, shut_down_on_signal(io, *server, signals, link), asio::detached);
  asio::co_spawn(signal_strand, reload_on_hangup(hangups, tls), asio::detached);
  // "127.0.0.1:9999 (line), 127.0.0.1:8080 (web)": tests read the ports from this line.
  std::string listening;
  const auto endpoints = server->local_endpoints();
  for (std::size_t i = 0; i < endpoints.size(); ++i) {
    listening += (listening.empty() ? "" : ", ") + endpoints[i].address().to_string() + ":" +
                 std::to_string(endpoints[i].port()) + " (" + door_names[i] + ")";
  }
  chatd::base::log_line("chatd listening on " + listening + " with " +
                        std::to_string(flags.threads) + " threads, " +
                        std::to_string(descriptors) + " file descriptors");

  std::vector<std::jthread> pool;
  for (unsigned i = 1; i < flags.threads; ++i) pool.emplace_back([&io] { io.run(); });
  io.run();
  pool.clear();
  chatd::base::log_line("chatd stopped");
  return 0;
}
