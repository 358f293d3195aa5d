// The run: its shape (Workload), its members, the counters they share and what the conductor
// saw. Everything here lives in run_benchmark's frame, which outlives every coroutine, so
// coroutines hold references to it.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "chat_bench/connection.hpp"
#include "chat_bench/options.hpp"
#include "chat_bench/received_order.hpp"
#include "loadgen/io_pool.hpp"
#include "loadgen/latency_histogram.hpp"
#include "loadgen/timing.hpp"

namespace chatd::chat_bench {

using loadgen::Clock;

// What every member does, derived once from the flags.
struct Workload {
  std::size_t subscribers = 0;
  std::size_t publishers = 0;
  std::uint64_t messages = 0;
  std::size_t bytes = 0;
  double rate = 0;
  std::uint64_t window = 0;
  // Idle runs keep one latency per member instead of a histogram each, take the kernel's
  // receive time too, and let the server go quiet before the one measured line.
  bool idle = false;
  std::size_t read_buffer_bytes = 0;
  bool spread_source_addresses = false;
  Doors doors = Doors::line;
  WebFrames web_frames = WebFrames::line;
  WebReader web_reader = WebReader::frames;
  bool check_order = false;  // every member digests what it received; all must agree
  bool tls = false;          // every connection is TLS (line and IRC doors)
  std::size_t nodes = 1;     // servers the members are spread over (one cluster)

  std::size_t members() const { return subscribers + publishers; }
  std::uint64_t expected_deliveries() const { return members() * publishers * messages; }
};

Workload workload_for(const Options& options);

// A paced run may legitimately be quiet for a few send intervals.
Clock::duration quiet_period(const Workload& workload);

// Counters the members update from their own strands and the conductor polls.
struct Progress {
  std::atomic<std::size_t> warmed_up{0};  // members that have seen every publisher's warm-up line
  std::atomic<std::size_t> finished{0};   // members that have seen every publisher's last line
  std::atomic<std::size_t> publishers_done{0};
  std::atomic<std::uint64_t> last_read_ns{0};
  std::atomic<std::uint64_t> finished_ns{0};  // when the last member finished
};

// Member `index`'s door: --door's, or for mixed, line for even indices and web for odd ones.
Door door_of(const Workload& workload, std::size_t index);

// Member `index`'s node: subscribers and publishers are each dealt round-robin over the nodes,
// so every node has publishers (traffic enters everywhere) and subscribers. For mixed, two
// neighbours (one per door) share a node, so every node serves both doors.
std::size_t node_of(const Workload& workload, std::size_t index);

// One client connection. All fields except the atomic are touched only on the member's strand,
// or by the main thread once the io_contexts have stopped.
struct Member {
  Member(boost::asio::io_context& ioc, const Workload& workload, Door door, std::size_t node_index,
         std::optional<std::uint64_t> publisher_index,
         std::optional<boost::asio::ip::address_v4> source_address,
         boost::asio::ssl::context* tls);

  Strand strand;
  Connection connection;
  std::size_t node = 0;            // which of the servers it is connected to
  boost::asio::steady_timer wake;  // the publisher loop sleeps on it: start, window opened, stop
  std::optional<std::uint64_t> publisher;
  std::optional<boost::asio::ip::address_v4> source;
  bool closed = false;  // no more traffic: stopped by us or ended by the server
  std::string failure;  // why the server side ended it, if it did

  // Receiving
  std::vector<std::uint64_t> next_sequence;  // per publisher
  std::vector<bool> warmup_seen;             // per publisher
  std::size_t warmups_seen = 0;
  std::size_t publishers_complete = 0;
  std::uint64_t deliveries = 0;
  std::vector<std::uint64_t> deliveries_from;  // per publisher: its lines this member received
  std::uint64_t lost = 0;
  std::uint64_t reordered = 0;
  std::uint64_t ignored_lines = 0;
  std::unique_ptr<loadgen::LatencyHistogram> latency;
  std::uint64_t last_latency_us = 0;
  std::optional<std::uint64_t> last_kernel_latency_us;  // idle: send to the kernel's receive
  std::atomic<bool> own_warmup_echoed{false};
  std::optional<ReceivedOrder> order;  // with workload.check_order

  // Web and IRC doors: a publisher's batch write may be in progress when a ping comes in; the
  // answer waits in owed_pongs until the write is done, so that frames and lines never
  // interleave.
  bool writing = false;
  std::string owed_pongs;

  // Publishing
  std::uint64_t sent = 0;
  bool warmup_over = false;  // stop repeating the warm-up line and wait for the start
  bool start_requested = false;
  bool waiting_for_window = false;
  Clock::time_point start_time;
};

enum class RunEnd { not_started, finished, quiet, deadline };

// One process watched through /proc at one moment.
struct ProcessSample {
  std::optional<double> cpu_s;
  std::optional<std::uint64_t> thread_cpu_ns;
  std::optional<std::uint64_t> rss_kb;
  std::optional<std::uint64_t> hwm_kb;
};

ProcessSample sample_process(int pid);

// Every watched process at one moment.
struct ServerSample {
  std::vector<ProcessSample> servers;  // one per --server-pid, in order
  std::optional<ProcessSample> store;  // --store-pid
  std::optional<double> client_cpu_s;  // ours at the same moment: whether we kept up
};

ServerSample sample_servers(const Options& options);

// The servers' on-CPU time summed over their threads; nothing when no server is watched or one
// could not be read.
std::optional<std::uint64_t> servers_thread_cpu_ns(const std::vector<int>& pids);

// What the conductor saw; read by the main thread after the io_contexts have stopped.
struct Timeline {
  std::string setup_status;  // empty when connecting and warming up worked
  std::string setup_detail;
  RunEnd end = RunEnd::not_started;
  std::uint64_t connect_began_ns = 0;
  std::uint64_t connect_ended_ns = 0;   // when the last member's connect completed
  std::uint64_t server_settled_ns = 0;  // when the server's CPU time stopped growing after that
  std::uint64_t start_ns = 0;
  std::uint64_t end_ns = 0;
  ServerSample before_connect;
  ServerSample after_connect;  // once the server's CPU time stopped growing
  ServerSample after_warmup;
  ServerSample after_run;
};

struct Run {
  Options options;
  Workload workload;
  std::vector<boost::asio::ip::tcp::endpoint> line_servers;  // the line doors, one per node
  std::vector<boost::asio::ip::tcp::endpoint> web_servers;   // the web doors, one per node
  std::vector<boost::asio::ip::tcp::endpoint> irc_servers;   // the IRC doors, one per node
  boost::asio::ssl::context* tls;  // the client context with --tls (run_benchmark's), else null
  Clock::time_point deadline;
  Progress progress;
  std::vector<std::unique_ptr<Member>> members;  // subscribers first, then publishers
  Timeline timeline;

  Member& publisher(std::size_t index) { return *members[workload.subscribers + index]; }
  const boost::asio::ip::tcp::endpoint& endpoint_for(Door door, std::size_t node) const {
    switch (door) {
      case Door::web:
        return web_servers[node];
      case Door::irc:
        return irc_servers[node];
      case Door::line:
        break;
    }
    return line_servers[node];
  }
};

// Member i runs on the pool's context i (round robin), on a strand of its own.
void create_members(Run& run, loadgen::IoPool& pool);

}  // namespace chatd::chat_bench
