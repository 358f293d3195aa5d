// Opening the members' connections; see connect_members.hpp.
#include "chat_bench/connect_members.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/strand.hpp>
#include <memory>
#include <mutex>

#include "chat_bench/poll_until.hpp"
#include "chat_bench/receive.hpp"
#include "loadgen/connect.hpp"
#include "loadgen/escaped_exception.hpp"
#include "loadgen/timestamped_read.hpp"

namespace chatd::chat_bench {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

// More handshakes in flight than this overflow the server's accept backlog and cost SYN retries.
constexpr std::size_t kMaxConnectsInFlight = 256;

// Members [first, last) still to connect, shared by the connect workers. Each pool context is a
// lane: its workers connect the members that live on that context (index % lanes), so a socket
// is connected by the thread that will read it. Shared by threads, so atomic; held by every
// worker, so the conductor may stop waiting at the deadline.
class ConnectQueue {
 public:
  ConnectQueue(std::size_t first, std::size_t last, std::size_t lanes)
      : first_(first), last_(last), lanes_(lanes), taken_(lanes) {}

  std::size_t members_in(std::size_t lane) const {
    const auto begin = first_ + lane_offset(lane);
    return begin >= last_ ? 0 : (last_ - 1 - begin) / lanes_ + 1;
  }

  // The next member of `lane` to connect, or nothing once the lane is done or anything failed.
  std::optional<std::size_t> take(std::size_t lane) {
    if (failed_.load()) return std::nullopt;
    const auto index = first_ + lane_offset(lane) + taken_[lane].fetch_add(1) * lanes_;
    if (index >= last_) return std::nullopt;
    return index;
  }

  void fail(const std::string& why) {
    const std::lock_guard lock(failure_mutex_);
    if (first_failure_.empty()) first_failure_ = why;
    failed_.store(true);
  }

  std::optional<std::string> first_failure() {
    const std::lock_guard lock(failure_mutex_);
    if (first_failure_.empty()) return std::nullopt;
    return first_failure_;
  }

  std::atomic<std::size_t> workers_left{0};
  std::atomic<std::uint64_t> done_ns{0};  // when the last worker finished

 private:
  std::size_t lane_offset(std::size_t lane) const {
    return (lane + lanes_ - first_ % lanes_) % lanes_;
  }

  std::size_t first_;
  std::size_t last_;
  std::size_t lanes_;
  std::vector<std::atomic<std::size_t>> taken_;  // per lane
  std::atomic<bool> failed_{false};
  std::mutex failure_mutex_;
  std::string first_failure_;
};

void bind_source_address(tcp::socket& socket, asio::ip::address_v4 source, error_code& ec) {
  // Let connect() pick the port per destination, so one source address serves ~28k connections.
  const int enable = 1;
  ::setsockopt(socket.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &enable, sizeof enable);
  socket.bind(tcp::endpoint(source, 0), ec);
}

// Connects one member to its door (and upgrades a web member's connection, registers an IRC
// member as m<index>, shakes hands over TLS), giving up at the run's deadline; returns why it
// failed, if it did.
asio::awaitable<std::optional<std::string>> connect_member(Member& member, const Run& run,
                                                           std::size_t index) {
  Connection& connection = member.connection;
  tcp::socket& socket = connection.socket();
  const bool web = connection.door() == Door::web;
  error_code ec;
  socket.open(tcp::v4(), ec);
  if (!ec && member.source) bind_source_address(socket, *member.source, ec);
  // Kernel receive times need our own recvmsg: not there when Beast or TLS reads the socket.
  const bool beast_reads = web && run.workload.web_reader == WebReader::beast;
  const bool timestamps = run.workload.idle && !beast_reads && !connection.tls();
  if (!ec && timestamps) loadgen::enable_receive_timestamps(socket, ec);
  if (ec) co_return "socket: " + ec.message();
  const auto server = run.endpoint_for(connection.door(), member.node);
  const auto failure = co_await loadgen::connect_before(socket, server, run.deadline);
  if (failure) {
    co_return "connect to the " + std::string(door_name(connection.door())) + " door: " + *failure;
  }
  std::string host = server.address().to_string() + ":" + std::to_string(server.port());
  std::string nick = "m" + std::to_string(index);
  const auto refused = co_await connection.open(std::move(host), std::move(nick));
  if (refused) co_return *refused;
  co_return std::nullopt;
}

// Takes the lane's members one at a time and starts each one's reader once it is connected.
// The first failure empties the queue: the run is over anyway.
asio::awaitable<void> connect_worker(std::shared_ptr<ConnectQueue> queue, Run& run,
                                     std::size_t lane) {
  for (auto index = queue->take(lane); index; index = queue->take(lane)) {
    Member& member = *run.members[*index];
    const auto failure = co_await connect_member(member, run, *index);
    if (failure) {
      queue->fail(*failure);
      break;
    }
    asio::co_spawn(member.strand, receive(member, run),
                   loadgen::log_escaped_exception("chat-bench", "reader"));
  }
  if (queue->workers_left.fetch_sub(1) == 1) queue->done_ns.store(loadgen::now_ns());
}

}  // namespace

asio::awaitable<std::optional<std::string>> connect_members(Run& run, loadgen::IoPool& pool,
                                                            std::size_t first, std::size_t last) {
  if (first == last) co_return std::nullopt;
  const auto lanes = pool.size();
  auto queue = std::make_shared<ConnectQueue>(first, last, lanes);
  const auto per_lane = std::max<std::size_t>(1, kMaxConnectsInFlight / lanes);
  std::vector<std::size_t> workers(lanes);
  for (std::size_t lane = 0; lane < lanes; ++lane) {
    workers[lane] = std::min(per_lane, queue->members_in(lane));
    queue->workers_left.fetch_add(workers[lane]);  // all counted before any can finish
  }
  for (std::size_t lane = 0; lane < lanes; ++lane) {
    for (std::size_t worker = 0; worker < workers[lane]; ++worker) {
      asio::co_spawn(asio::make_strand(pool.context(lane)), connect_worker(queue, run, lane),
                     loadgen::log_escaped_exception("chat-bench", "connect worker"));
    }
  }
  auto all_done = [queue] { return queue->workers_left.load() == 0; };
  const bool done = co_await poll_until(all_done, run.deadline);
  if (!done) co_return "connect: timed out at the duration limit";
  run.timeline.connect_ended_ns = queue->done_ns.load();
  co_return queue->first_failure();
}

}  // namespace chatd::chat_bench
