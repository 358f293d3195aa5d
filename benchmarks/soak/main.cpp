// chat-soak: a long-running soak test for chatd. A black-box client: it links no chatd code.
//
// A steady population of --clients connections talks at --rate lines/s each while --churn of
// them per second leave (politely with `/quit bye`, abruptly with an RST, or by half-closing)
// and are replaced. A few "commanders" also use /nick, /who, /me and /join (lobby -> soak1 ->
// soak2 -> soak3 -> lobby); one deliberately slow client stops reading for long stretches and
// should be evicted. The server's RSS, peak RSS and descriptor count are sampled every second.
//
// How delivery is verified. Every message carries a stamp `~run.sender.seq.room.sent_us.check`
// (sender = a connection id never reused; room = the room its sender believes it is in). One
// *observer* per room joins before anybody talks and stays to the end; the order in which it
// receives the room's stamps is the room's order (the protocol promises every member the same
// order). Every other member's time in a room is a *stay*: the stay's stamps, looked up in the
// observer's log, must be consecutive positions of it — a jump is loss, a step back is
// reordering, a repeat is a duplicate. Where a stay starts and ends is taken from the first and
// last stamp it received, so it needs no join/leave notices (a room above --notice-limit sends
// none) and it works with history replay too (the replay is the part of the room's order just
// before the join). On top of that: a sender must see the echo of everything it sent unless it
// reset the connection or was cut off, and every echoed stamp must be in its room's observer log.
//
// Prints one JSON line on stdout and a human summary on stderr. Exit status: 0 nothing was lost,
// reordered, duplicated or misrouted, no protocol errors, the server stayed up and gave back its

#include <boost/asio/co_spawn.hpp>
#include <iostream>

#include "loadgen/command_line.hpp"
#include "loadgen/open_file_limit.hpp"
#include "soak/conduct.hpp"
#include "soak/report.hpp"
#include "soak/stay_check.hpp"

namespace chatd::soak {
namespace {

namespace asio = boost::asio;
using loadgen::to_duration;
using namespace std::chrono_literals;

constexpr auto kHardStopMargin = 120s;
// Once the conductor is done, stragglers get this long before the io_context is stopped.
constexpr auto kStragglerGrace = 5s;

int run_soak(const Options& options) {
  loadgen::raise_open_file_limit();
  asio::io_context io(1);
  Soak soak(options, io);  // after the io_context: its sockets go first
  asio::co_spawn(io, conduct(soak), log_escaped_exception(soak, "conductor"));
  const auto hard_stop =
      soak.began + to_duration(options.duration_s + options.drain_s) + kHardStopMargin;
  // Every coroutine is bounded; this only guards against a bug in that: once the conductor is
  // done, stragglers get a few seconds, and nothing runs past the hard stop.
  while (!io.stopped() && Clock::now() < hard_stop &&
         !(soak.conducted && Clock::now() > *soak.conducted + kStragglerGrace)) {
    io.run_for(100ms);
  }
  if (!io.stopped()) {
    io.stop();
    note_error(soak, "the run did not wind down before its hard stop");
    sweep_stays(soak, true);
  }
  reconcile_senders(soak);
  const double elapsed_s = std::chrono::duration<double>(Clock::now() - soak.began).count();
  const auto verdict = judge(soak);
  std::cout << json_report(soak, verdict, elapsed_s) << std::endl;
  print_summary(std::cerr, soak, verdict, elapsed_s);
  return verdict.ok() ? 0 : 1;
}

}  // namespace
}  // namespace chatd::soak

int main(int argc, char** argv) {
  return chatd::loadgen::run_main("chat-soak", argc, argv, chatd::soak::parse_options,
                                  chatd::soak::run_soak);
}
