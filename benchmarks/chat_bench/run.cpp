// The run's shape and members; see run.hpp.
#include "chat_bench/run.hpp"

#include <unistd.h>

#include <algorithm>

#include "loadgen/proc_stats.hpp"

namespace chatd::chat_bench {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t kReadBufferBytes = 64 * 1024;
// Linux gives ~28k ephemeral ports per source address (32768-60999); stay below that.
constexpr std::size_t kConnectionsPerSourceAddress = 25000;
constexpr auto kMinQuietPeriod = 2s;  // no delivery for this long ends a measured run early

std::optional<asio::ip::address_v4> source_address_for(const Workload& workload,
                                                       std::size_t member) {
  if (!workload.spread_source_addresses) return std::nullopt;
  const auto offset = static_cast<std::uint32_t>(member / kConnectionsPerSourceAddress);
  return asio::ip::address_v4(asio::ip::address_v4::loopback().to_uint() + 1 + offset);
}

}  // namespace

Workload workload_for(const Options& options) {
  Workload workload;
  workload.doors = options.doors;
  workload.web_frames = options.web_frames;
  workload.web_reader = options.web_reader;
  workload.check_order =
      options.check_order || options.doors == Doors::web || options.doors == Doors::mixed;
  workload.tls = options.tls;
  workload.nodes = options.nodes;
  workload.bytes = options.bytes;
  workload.read_buffer_bytes = kReadBufferBytes;
  if (options.mode == Mode::idle) {
    // Idle is a fan-out of one line from one announcer to N silent members.
    workload.subscribers = options.connections;
    workload.publishers = 1;
    workload.messages = 1;
    workload.window = 1;
    workload.idle = true;
    // Thousands of idle members must not each hold 64 KiB; a few lines fit in this.
    workload.read_buffer_bytes = std::max<std::size_t>(1024, 2 * (options.bytes + 64));
    workload.spread_source_addresses = options.connections > kConnectionsPerSourceAddress;
    return workload;
  }
  workload.subscribers = options.subscribers;
  workload.publishers = options.publishers;
  workload.messages = options.messages;
  workload.rate = options.rate;
  workload.window = options.window;
  return workload;
}

Clock::duration quiet_period(const Workload& workload) {
  if (workload.rate <= 0) return kMinQuietPeriod;
  const auto intervals = std::chrono::duration<double>(5.0 / workload.rate);
  return std::max<Clock::duration>(kMinQuietPeriod,
                                   std::chrono::duration_cast<Clock::duration>(intervals));
}

Door door_of(const Workload& workload, std::size_t index) {
  switch (workload.doors) {
    case Doors::line:
      return Door::line;
    case Doors::web:
      return Door::web;
    case Doors::irc:
      return Door::irc;
    case Doors::mixed:
      return index % 2 == 0 ? Door::line : Door::web;
  }
  return Door::line;
}

std::size_t node_of(const Workload& workload, std::size_t index) {
  const auto in_group = index < workload.subscribers ? index : index - workload.subscribers;
  const auto slot = workload.doors == Doors::mixed ? in_group / 2 : in_group;
  return slot % workload.nodes;
}

Member::Member(asio::io_context& ioc, const Workload& workload, Door door, std::size_t node_index,
               std::optional<std::uint64_t> publisher_index,
               std::optional<asio::ip::address_v4> source_address, asio::ssl::context* tls)
    : strand(asio::make_strand(ioc)),
      connection(strand, door, workload.web_frames, tls),
      node(node_index),
      wake(strand),
      publisher(publisher_index),
      source(source_address),
      next_sequence(workload.publishers, 0),
      warmup_seen(workload.publishers, false),
      deliveries_from(workload.publishers, 0) {
  if (!workload.idle) latency = std::make_unique<loadgen::LatencyHistogram>();
  if (workload.check_order) order.emplace(workload.publishers);
}

ProcessSample sample_process(int pid) {
  ProcessSample sample;
  const auto status = loadgen::read_status(pid);
  sample.cpu_s = loadgen::read_cpu_seconds(pid);
  sample.thread_cpu_ns = loadgen::read_thread_cpu_ns(pid);
  sample.rss_kb = status.rss_kb;
  sample.hwm_kb = status.hwm_kb;
  return sample;
}

ServerSample sample_servers(const Options& options) {
  ServerSample sample;
  sample.client_cpu_s = loadgen::read_cpu_seconds(static_cast<int>(::getpid()));
  for (const int pid : options.server.pids) sample.servers.push_back(sample_process(pid));
  if (options.store_pid) sample.store = sample_process(*options.store_pid);
  return sample;
}

std::optional<std::uint64_t> servers_thread_cpu_ns(const std::vector<int>& pids) {
  if (pids.empty()) return std::nullopt;
  std::uint64_t total = 0;
  for (const int pid : pids) {
    const auto on_cpu_ns = loadgen::read_thread_cpu_ns(pid);
    if (!on_cpu_ns) return std::nullopt;
    total += *on_cpu_ns;
  }
  return total;
}

void create_members(Run& run, loadgen::IoPool& pool) {
  const Workload& workload = run.workload;
  run.members.reserve(workload.members());
  for (std::size_t index = 0; index < workload.members(); ++index) {
    std::optional<std::uint64_t> publisher;
    if (index >= workload.subscribers) publisher = index - workload.subscribers;
    run.members.push_back(std::make_unique<Member>(
        pool.context(index), workload, door_of(workload, index), node_of(workload, index),
        publisher, source_address_for(workload, index), run.tls));
  }
}

}  // namespace chatd::chat_bench
