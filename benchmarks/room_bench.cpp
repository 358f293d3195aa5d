// The room actor alone, embedded without sockets: how many deliveries per second the room and
// its log can make for rooms of 10 to 10 000 members, and the same fan-out done the design
// doc's first way (a shared_ptr per message pushed into a per-member spsc_queue) for comparison.
#include <benchmark/benchmark.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/lockfree/spsc_queue.hpp>
#include <memory>
#include <string>
#include <vector>

#include "actors/doorbell.hpp"
#include "actors/room.hpp"
#include "net/line/line_format.hpp"

namespace {

namespace asio = boost::asio;
using namespace chatd::actors;

// 64-byte payloads, as in the load generator's fan-out workload.
const std::string payload(64, 'x');
constexpr int messages_per_round = 64;

// Everything a writer would send, taken and dropped: the cost of reading the log.
std::size_t drain(Subscription& outbox, std::vector<asio::const_buffer>& buffers) {
  std::size_t bytes = 0;
  buffers.clear();
  while (std::size_t n = outbox.gather(buffers, 256 * 1024)) {
    bytes += n;
    outbox.commit_gathered();
    buffers.clear();
  }
  return bytes;
}

// One round: a member says 64 messages (one event per message, the room's worst case), the
// room delivers them, and every member drains its outbox.
void BM_RoomFanOut(benchmark::State& state) {
  const auto members = static_cast<std::size_t>(state.range(0));
  asio::io_context io;
  RoomLimits limits;
  limits.history = 0;
  limits.notice_limit = 0;
  limits.inbox_capacity = messages_per_round;
  auto room = std::make_shared<Room>(io.get_executor(), limits);
  asio::co_spawn(io, room->run(), asio::detached);
  std::vector<std::shared_ptr<Subscription>> outboxes;
  for (std::size_t i = 0; i < members; ++i) {
    outboxes.push_back(std::make_shared<Subscription>(std::make_shared<Doorbell>(io.get_executor()), false));
    room->inbox().try_send(boost::system::error_code{},
                           RoomEvent{Join{MemberId{i + 1}, "127.0.0.1:" + std::to_string(40000 + i), outboxes.back(),
                                          &chatd::net::line::line_format()}});
    io.poll();  // the inbox holds only one round's worth of events
  }
  io.poll();
  if (room->counters().members.load() != members) {
    state.SkipWithError("not every member joined");
    return;
  }
  std::vector<asio::const_buffer> buffers;
  std::size_t bytes = 0;
  for (auto _ : state) {
    for (int m = 0; m < messages_per_round; ++m) {
      SafeLines line;
      line.add(payload);
      room->inbox().try_send(boost::system::error_code{}, RoomEvent{Say{MemberId{1}, std::move(line)}});
    }
    io.poll();
    for (auto& outbox : outboxes) bytes += drain(*outbox, buffers);
  }
  const std::size_t expected = static_cast<std::size_t>(state.iterations()) * messages_per_round * members *
                               ("127.0.0.1:40000:" + payload + "\n").size();
  if (bytes != expected) state.SkipWithError("a member did not receive every message");
  state.SetItemsProcessed(state.iterations() * messages_per_round * static_cast<std::int64_t>(members));
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
  state.counters["deliveries/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * messages_per_round) * static_cast<double>(members),
      benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RoomFanOut)->Arg(10)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);

// The alternative we measured against: one immutable shared line per message, pushed into each
// member's spsc_queue and popped by its writer (here, in the same thread).
void BM_SharedLineQueuesFanOut(benchmark::State& state) {
  using Line = std::shared_ptr<const std::string>;
  const auto members = static_cast<std::size_t>(state.range(0));
  std::vector<std::unique_ptr<boost::lockfree::spsc_queue<Line>>> queues;
  for (std::size_t i = 0; i < members; ++i)
    queues.push_back(std::make_unique<boost::lockfree::spsc_queue<Line>>(messages_per_round));
  std::size_t bytes = 0;
  for (auto _ : state) {
    for (int m = 0; m < messages_per_round; ++m) {
      auto line = std::make_shared<const std::string>("127.0.0.1:40000:" + payload + "\n");
      for (auto& queue : queues) queue->push(line);
    }
    for (auto& queue : queues) queue->consume_all([&](const Line& line) { bytes += line->size(); });
  }
  state.SetItemsProcessed(state.iterations() * messages_per_round * static_cast<std::int64_t>(members));
  state.counters["deliveries/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * messages_per_round) * static_cast<double>(members),
      benchmark::Counter::kIsRate);
  benchmark::DoNotOptimize(bytes);
}
BENCHMARK(BM_SharedLineQueuesFanOut)->Arg(10)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);

}  // namespace
