// chat-bench: a load generator for chatd and for the Go tutorial server it replaces. A black-box
// client: it links no chatd code.
//
// Every client is a room member: it reads every relayed line `<ip:port>:<text>` (line door),
// `{"type":"message",...,"from":"<ip:port>","text":"<text>"}` frame (web door, --door web or
// mixed) or `:<nick>!<nick>@chatd PRIVMSG #lobby :<text>` line (IRC door, --door irc; with
// --tls the line and IRC doors are reached over TLS) and parses the text as a stamp `p<publisher> s<sequence> t<send ns> xxx...`; other
// records are ignored.
//   fanout   P publishers send M stamped lines each, as fast as a window of W unechoed lines
//            allows; S subscribers and the publishers receive everything. Measures throughput.
//   latency  the same, paced at --rate lines/s per publisher. Measures delivery latency.
//   idle     N silent members and one announcer that sends a single line. Measures what opening
//            the connections costs, server memory per connection, and when the one broadcast
//            reaches each member (read by us, and queued by the kernel).
// Members are spread over --threads io_contexts, one thread each, and round-robin over the nodes
// of a cluster (--ports), whose rooms are one room. With --door web or mixed (or --check-order)
// every member also digests the sequence of lines it received, and all must agree, on every
// node. Prints one JSON line on stdout and a summary on stderr. Exit status: 0 the run completed
// without loss, 1 connection failure / timeout / stall / loss / reordering / differing orders,
// 2 bad flags.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/strand.hpp>
#include <iostream>

#include "chat_bench/conduct.hpp"
#include "chat_bench/report.hpp"
#include "loadgen/command_line.hpp"
#include "loadgen/open_file_limit.hpp"

namespace chatd::chat_bench {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

constexpr auto kShutdownGrace = 5s;  // time the coroutines get to unwind after the limit
constexpr std::size_t kSpareDescriptors = 64;

void require_descriptors(std::size_t members) {
  const auto limit = loadgen::raise_open_file_limit();
  const auto needed = members + kSpareDescriptors;
  if (limit != RLIM_INFINITY && limit < needed) {
    throw loadgen::UsageError(
        std::to_string(members) + " connections need about " + std::to_string(needed) +
        " file descriptors, but RLIMIT_NOFILE's hard limit is " + std::to_string(limit));
  }
}

std::vector<boost::asio::ip::tcp::endpoint> endpoints(const Options& options,
                                                      const std::vector<std::uint16_t>& ports) {
  std::vector<boost::asio::ip::tcp::endpoint> doors;
  for (const auto port : ports) doors.emplace_back(options.server.host, port);
  return doors;
}

int run_benchmark(const Options& options) {
  const auto workload = workload_for(options);
  require_descriptors(workload.members());
  const auto began = Clock::now();
  const auto limit = loadgen::to_duration(options.duration_limit_s);
  // Before the pool and the run: every TLS stream holds the context. No certificate check: the
  // server is ours, on loopback, and the run measures its cost of TLS, not a CA's.
  std::optional<asio::ssl::context> tls;
  if (options.tls) {
    tls.emplace(asio::ssl::context::tls_client);
    tls->set_verify_mode(asio::ssl::verify_none);
  }
  loadgen::IoPool pool(options.threads);
  // Declared after the pool so that its sockets are destroyed first.
  Run run{options,
          workload,
          endpoints(options, options.line_ports),
          endpoints(options, options.web_ports),
          endpoints(options, options.irc_ports),
          tls ? &*tls : nullptr,
          began + limit,
          {},
          {},
          {}};
  create_members(run, pool);
  const auto conductor = asio::make_strand(pool.context(0));
  asio::co_spawn(conductor, conduct(run, pool), [&run, &pool](std::exception_ptr error) {
    pool.release();
    if (!error) return;
    run.timeline.setup_status = "error";
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      run.timeline.setup_detail = e.what();
    }
  });
  pool.run_until(run.deadline + kShutdownGrace);
  if (!pool.stopped()) {
    pool.stop();
    std::cerr << "chat-bench: coroutines did not unwind within the shutdown grace period\n";
  }
  const auto totals = add_up(run);
  const auto verdict = judge(run, totals);
  const auto figures = compute_figures(run, totals);
  std::cout << json_report(run, totals, figures, verdict) << std::endl;
  print_summary(std::cerr, run, totals, figures, verdict);
  return verdict.status == "ok" ? 0 : 1;
}

}  // namespace
}  // namespace chatd::chat_bench

int main(int argc, char** argv) {
  return chatd::loadgen::run_main("chat-bench", argc, argv, chatd::chat_bench::parse_options,
                                  chatd::chat_bench::run_benchmark);
}
