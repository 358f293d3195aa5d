// Opening the members' connections; see connect_members.hpp.
#include "chat_bench/connect_members.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <vector>

#include "chat_bench/receive.hpp"
#include "loadgen/connect.hpp"
#include "loadgen/escaped_exception.hpp"

namespace chatd::chat_bench {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

// More handshakes in flight than this overflow the server's accept backlog and cost SYN retries.
constexpr std::size_t kMaxConnectsInFlight = 256;

// Members [next, last) still to connect; shared by the connect workers on the conductor strand.
struct ConnectQueue {
  std::size_t next = 0;
  std::size_t last = 0;
  std::string first_failure;
};

void bind_source_address(tcp::socket& socket, asio::ip::address_v4 source, error_code& ec) {
  // Let connect() pick the port per destination, so one source address serves ~28k connections.
  const int enable = 1;
  ::setsockopt(socket.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &enable, sizeof enable);
  socket.bind(tcp::endpoint(source, 0), ec);
}

// Connects one member, giving up at the run's deadline; returns why it failed, if it did.
asio::awaitable<std::optional<std::string>> connect_member(Member& member, const Run& run) {
  error_code ec;
  member.socket.open(tcp::v4(), ec);
  if (!ec && member.source) bind_source_address(member.socket, *member.source, ec);
  if (ec) co_return "socket: " + ec.message();
  const auto failure = co_await loadgen::connect_before(member.socket, run.server, run.deadline);
  if (failure) co_return "connect: " + *failure;
  co_return std::nullopt;
}

// Takes members off the queue one at a time and starts each one's reader once it is connected.
// The first failure empties the queue: the run is over anyway.
asio::awaitable<void> connect_worker(Run& run, ConnectQueue& queue) {
  while (queue.next < queue.last) {
    Member& member = *run.members[queue.next++];
    const auto failure = co_await connect_member(member, run);
    if (failure) {
      if (queue.first_failure.empty()) queue.first_failure = *failure;
      queue.next = queue.last;
      co_return;
    }
    asio::co_spawn(member.strand, receive_lines(member, run),
                   loadgen::log_escaped_exception("chat-bench", "reader"));
  }
}

}  // namespace

asio::awaitable<std::optional<std::string>> connect_members(Run& run, std::size_t first,
                                                            std::size_t last) {
  ConnectQueue queue{first, last, {}};
  if (first == last) co_return std::nullopt;  // an empty parallel group would never complete
  const auto executor = co_await asio::this_coro::executor;
  using ConnectOperation =
      decltype(asio::co_spawn(executor, connect_worker(run, queue), asio::deferred));
  std::vector<ConnectOperation> workers;
  const auto worker_count = std::min(kMaxConnectsInFlight, last - first);
  for (std::size_t worker = 0; worker < worker_count; ++worker) {
    workers.push_back(asio::co_spawn(executor, connect_worker(run, queue), asio::deferred));
  }
  auto group = asio::experimental::make_parallel_group(std::move(workers));
  auto wait_for_all = asio::experimental::wait_for_all();
  co_await group.async_wait(wait_for_all, asio::use_awaitable);
  if (queue.first_failure.empty()) co_return std::nullopt;
  co_return queue.first_failure;
}

}  // namespace chatd::chat_bench
