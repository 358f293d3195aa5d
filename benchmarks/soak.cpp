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
// descriptors; 1 otherwise (the summary says why); 2 bad flags.

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/program_options.hpp>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <deque>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace po = boost::program_options;
using asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using namespace asio::experimental::awaitable_operators;

constexpr std::size_t kRooms = 4;  // lobby and three more; one observer each
constexpr std::array<std::string_view, kRooms> kRoomNames{"lobby", "soak1", "soak2", "soak3"};
constexpr auto kConnectTimeout = 5s;
constexpr auto kCloseTimeout = 5s;  // a leaving client reads until EOF for at most this long
constexpr auto kResolveTimeout =
    5s;  // a stamp its room's observer has not seen by then, it never will
constexpr auto kObserverSetupTimeout = 10s;
constexpr auto kCommandInterval = 2s;  // a commander's commands, on top of its --rate lines
constexpr auto kSlowReadPeriod = 5s;   // the slow client reads this long between its pauses
constexpr auto kSweepInterval = 200ms;
constexpr auto kFinalCloseTimeout = 10s;
constexpr auto kDescriptorSettle = 2s;  // after the last client closed, before the final sample
constexpr auto kHardStopMargin = 120s;
constexpr auto kStragglerGrace =
    5s;  // the io_context stops at duration + drain + this, whatever happens
constexpr std::size_t kReadBufferBytes = 16 * 1024;
constexpr int kSlowReceiveBufferBytes =
    4096;  // so that the server, not our kernel, holds its backlog
constexpr std::size_t kMaxErrorsKept = 8;
constexpr long long kMinBytes = 64;  // the longest stamp fits
constexpr long long kMaxBytes = 4000;
constexpr std::uint64_t kSequenceBits = 40;
constexpr long long kDescriptorLeakSlack = 2;

// ---------------------------------------------------------------------------------------------
// Flags

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Options {
  asio::ip::address_v4 host;
  std::uint16_t port{};
  std::size_t clients{};
  double duration_s{};
  double rate{};
  double churn{};
  std::size_t commanders{};
  std::size_t bytes{};
  double slow_pause_s{};
  double drain_s{};
  double progress_s{};
  std::uint64_t seed{};
  std::optional<int> server_pid;
};

po::options_description describe_flags() {
  po::options_description flags("chat-soak: a soak test for chatd (loopback only)");
  // clang-format off
  flags.add_options()
    ("help", "print this help and exit")
    ("host", po::value<std::string>()->default_value("127.0.0.1"), "server address; must be in 127.0.0.0/8")
    ("port", po::value<long long>()->default_value(9999), "server port")
    ("clients", po::value<long long>()->default_value(200), "connections kept open: 4 observers, 1 slow client, the rest talk")
    ("duration", po::value<double>()->default_value(600), "seconds of talking and churn (then a bounded drain)")
    ("rate", po::value<double>()->default_value(2), "lines per second per talking client (flood control allows 20)")
    ("churn", po::value<double>()->default_value(20), "reconnects per second across the population")
    ("commanders", po::value<long long>()->default_value(5), "talking clients that also use /nick /who /me /join")
    ("bytes", po::value<long long>()->default_value(120), "text bytes per stamped line (64..4000)")
    ("slow-pause", po::value<double>()->default_value(300), "seconds the slow client stops reading at a time (0: no slow client)")
    ("drain", po::value<double>()->default_value(15), "seconds to wait for outstanding echoes after the talking stops")
    ("progress", po::value<double>()->default_value(60), "seconds between progress lines on stderr (0: none)")
    ("seed", po::value<unsigned long long>(), "random seed (default: random; printed in the report)")
    ("server-pid", po::value<long long>(), "server process to sample through /proc (VmRSS, VmHWM, fd count)");
  // clang-format on
  return flags;
}

template <class T>
T flag_in_range(const po::variables_map& flags, const char* name, T low, T high) {
  const T value = flags[name].as<T>();
  if (!(value >= low && value <= high)) {
    std::ostringstream message;
    message << "--" << name << " must be between " << low << " and " << high << ", got " << value;
    throw UsageError(message.str());
  }
  return value;
}

asio::ip::address_v4 loopback_host(const std::string& text) {
  error_code ec;
  const auto address = asio::ip::make_address_v4(text, ec);
  if (ec || (address.to_uint() >> 24) != 127) {
    throw UsageError("--host must be an IPv4 address in 127.0.0.0/8 (loopback only), got '" + text +
                     "'");
  }
  return address;
}

bool process_is_readable(int pid) {
  std::error_code ec;
  return std::filesystem::exists("/proc/" + std::to_string(pid) + "/status", ec);
}

std::optional<Options> parse_options(int argc, char** argv) {
  const auto description = describe_flags();
  po::variables_map flags;
  po::store(po::parse_command_line(argc, argv, description), flags);
  po::notify(flags);
  if (flags.count("help") != 0) {
    std::cout << description << '\n';
    return std::nullopt;
  }
  Options options;
  options.host = loopback_host(flags["host"].as<std::string>());
  options.port = static_cast<std::uint16_t>(flag_in_range<long long>(flags, "port", 1, 65535));
  options.clients = static_cast<std::size_t>(flag_in_range<long long>(flags, "clients", 8, 20000));
  options.duration_s = flag_in_range<double>(flags, "duration", 1, 86400);
  options.rate = flag_in_range<double>(flags, "rate", 0.05, 15);
  options.churn = flag_in_range<double>(flags, "churn", 0, 1000);
  options.commanders = static_cast<std::size_t>(flag_in_range<long long>(
      flags, "commanders", 0, static_cast<long long>(options.clients) - 6));
  options.bytes =
      static_cast<std::size_t>(flag_in_range<long long>(flags, "bytes", kMinBytes, kMaxBytes));
  options.slow_pause_s = flag_in_range<double>(flags, "slow-pause", 0, 86400);
  options.drain_s = flag_in_range<double>(flags, "drain", 1, 600);
  options.progress_s = flag_in_range<double>(flags, "progress", 0, 86400);
  if (flags.count("seed") != 0) {
    options.seed = flags["seed"].as<unsigned long long>();
  } else {
    std::random_device entropy;
    options.seed = (std::uint64_t{entropy()} << 32) | entropy();
  }
  if (flags.count("server-pid") != 0) {
    const auto pid = static_cast<int>(flag_in_range<long long>(flags, "server-pid", 1, 1 << 22));
    if (!process_is_readable(pid)) {
      throw UsageError("--server-pid " + std::to_string(pid) + ": cannot read /proc/" +
                       std::to_string(pid) + "/status");
    }
    options.server_pid = pid;
  }
  return options;
}

Clock::duration seconds(double value) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(value));
}

// ---------------------------------------------------------------------------------------------
// The server process, seen through /proc

struct ProcessSample {
  bool alive = false;
  std::optional<std::uint64_t> rss_kb;
  std::optional<std::uint64_t> hwm_kb;
  std::optional<std::uint64_t> fds;
};

// A dead child the script has not reaped yet is a zombie: /proc still has it, but it is gone.
ProcessSample sample_process(int pid) {
  ProcessSample sample;
  const std::string base = "/proc/" + std::to_string(pid);
  std::ifstream status(base + "/status");
  std::string line;
  while (std::getline(status, line)) {
    std::istringstream fields(line);
    std::string key;
    fields >> key;
    if (key == "State:") {
      std::string state;
      fields >> state;
      sample.alive = state != "Z" && state != "X";
    } else if (key == "VmRSS:" || key == "VmHWM:") {
      std::uint64_t kb = 0;
      if (fields >> kb) (key == "VmRSS:" ? sample.rss_kb : sample.hwm_kb) = kb;
    }
  }
  if (!sample.alive) return sample;
  std::error_code ec;
  std::uint64_t count = 0;
  for (std::filesystem::directory_iterator entry(base + "/fd", ec), end; !ec && entry != end;
       entry.increment(ec)) {
    ++count;
  }
  if (!ec) sample.fds = count;
  return sample;
}

struct ServerWatch {
  std::optional<ProcessSample> start;  // before the first connection
  std::optional<ProcessSample> end;    // after the last connection closed and a settle delay
  std::optional<std::uint64_t> rss_max_kb;
  std::optional<std::uint64_t> hwm_kb;
  std::optional<std::uint64_t> fds_max;
  std::optional<std::uint64_t> rss_quarter_kb;   // a quarter into the run: warmed up
  std::optional<std::uint64_t> rss_talk_end_kb;  // when the talking stopped
  std::uint64_t samples = 0;
  bool died = false;
};

void keep_max(std::optional<std::uint64_t>& into, std::optional<std::uint64_t> value) {
  if (value && (!into || *value > *into)) into = value;
}

// ---------------------------------------------------------------------------------------------
// Stamps

struct Stamp {
  std::uint64_t run = 0;
  std::uint64_t sender = 0;
  std::uint64_t seq = 0;
  std::uint64_t room = 0;
  std::uint64_t sent_us = 0;
};

std::uint64_t stamp_check(const Stamp& stamp) {
  return ((stamp.run * 0x9E3779B1u) ^ (stamp.sender * 0x85EBCA77u) ^ (stamp.seq * 0xC2B2AE3Du) ^
          (stamp.room * 0x27D4EB2Fu) ^ stamp.sent_us) %
         1000003u;
}

void append_number(std::string& out, std::uint64_t value) {
  std::array<char, 24> digits{};
  const auto result = std::to_chars(digits.data(), digits.data() + digits.size(), value);
  out.append(digits.data(), result.ptr);
}

// `~run.sender.seq.room.sent_us.check xxx...`, exactly `bytes` long, so a cut line never parses.
std::string stamp_text(const Stamp& stamp, std::size_t bytes) {
  std::string text = "~";
  for (const auto field : {stamp.run, stamp.sender, stamp.seq, stamp.room, stamp.sent_us}) {
    append_number(text, field);
    text += '.';
  }
  append_number(text, stamp_check(stamp));
  text += ' ';
  if (text.size() < bytes) text.append(bytes - text.size(), 'x');
  return text;
}

bool take_number(std::string_view& text, std::uint64_t& value, char separator) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end == text.data()) return false;
  text.remove_prefix(static_cast<std::size_t>(end - text.data()));
  if (text.empty() || text.front() != separator) return false;
  text.remove_prefix(1);
  return true;
}

std::optional<Stamp> parse_stamp(std::string_view text, std::size_t bytes) {
  if (text.size() != bytes || text.empty() || text.front() != '~') return std::nullopt;
  text.remove_prefix(1);
  Stamp stamp;
  std::uint64_t check = 0;
  if (!take_number(text, stamp.run, '.') || !take_number(text, stamp.sender, '.') ||
      !take_number(text, stamp.seq, '.') || !take_number(text, stamp.room, '.') ||
      !take_number(text, stamp.sent_us, '.') || !take_number(text, check, ' ')) {
    return std::nullopt;
  }
  if (check != stamp_check(stamp)) return std::nullopt;
  if (text.find_first_not_of('x') != std::string_view::npos) return std::nullopt;
  return stamp;
}

std::uint64_t stamp_key(std::uint64_t sender, std::uint64_t seq) {
  return (sender << kSequenceBits) | seq;
}

// The TEXT of `NAME:TEXT`. An IPv4 name `a.b.c.d:port` holds one ':', a nickname none.
std::optional<std::string_view> message_text(std::string_view line) {
  const auto first = line.find(':');
  if (first == std::string_view::npos) return std::nullopt;
  if (line.substr(0, first).find('.') == std::string_view::npos) return line.substr(first + 1);
  const auto second = line.find(':', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  return line.substr(second + 1);
}

// ---------------------------------------------------------------------------------------------
// The room logs (what each observer received) and the stays checked against them

struct RoomLog {
  std::unordered_map<std::uint64_t, std::uint32_t> index_of;     // stamp key -> position
  std::unordered_map<std::uint64_t, std::uint64_t> last_seq_of;  // sender -> last seq seen
  std::uint32_t size = 0;
};

struct PendingStamp {
  std::uint64_t key = 0;
  Clock::time_point since;
};

// One member's time in one room. `received` holds the log positions it got, relative to `first`.
struct Stay {
  explicit Stay(std::size_t room_index) : room(room_index) {}
  std::size_t room;
  std::deque<PendingStamp> pending;  // stamps the observer has not logged yet, in arrival order
  bool started = false;
  bool closed = false;
  bool waiting = false;  // listed in Soak::waiting_stays
  std::uint32_t first = 0;
  std::uint32_t last = 0;
  std::uint64_t unique = 0;
  std::vector<std::uint64_t> received;
};

struct Totals {
  std::uint64_t connections_opened = 0;
  std::uint64_t connect_failures = 0;
  std::uint64_t closed_polite = 0;
  std::uint64_t closed_reset = 0;
  std::uint64_t closed_half = 0;
  std::uint64_t closed_final = 0;
  std::uint64_t closed_by_server = 0;
  std::uint64_t churned = 0;
  std::uint64_t churn_skipped = 0;
  std::uint64_t messages_sent = 0;  // stamped lines, /me included
  std::uint64_t echoes = 0;
  std::uint64_t commands = 0;
  std::uint64_t nick = 0, join = 0, who = 0, me = 0;
  std::uint64_t who_replies = 0;
  std::uint64_t deliveries_expected = 0;
  std::uint64_t deliveries_received = 0;  // stamps received by members (observers excluded)
  std::uint64_t observer_received = 0;
  std::uint64_t lost_in_stays = 0;     // gaps in a member's stay
  std::uint64_t lost_echoes = 0;       // a sender that left gracefully never saw its own line
  std::uint64_t lost_at_observer = 0;  // echoed to its sender, never logged by its room's observer
  std::uint64_t reordered = 0;
  std::uint64_t duplicated = 0;
  std::uint64_t misrouted = 0;
  std::uint64_t unresolved = 0;  // a member got a stamp its room's observer never did
  std::uint64_t stays = 0;
  std::uint64_t evictions = 0;  // the slow client cut off by the server
  std::uint64_t too_slow_notices = 0;
  std::uint64_t slow_pauses = 0;
  std::uint64_t history_markers = 0;
  std::uint64_t notices = 0;
  std::uint64_t foreign_stamps = 0;
  std::uint64_t errors = 0;
  std::vector<std::string> first_errors;
  double latency_sum_ms = 0;
  double latency_max_ms = 0;
  std::uint64_t latency_count = 0;
};

// ---------------------------------------------------------------------------------------------
// Clients

enum class Kind { observer, talker, commander, slow };
enum class Ending { none, polite, reset, half_close, final_close };

std::string_view kind_name(Kind kind) {
  switch (kind) {
    case Kind::observer:
      return "observer";
    case Kind::talker:
      return "talker";
    case Kind::commander:
      return "commander";
    case Kind::slow:
      return "slow";
  }
  return "?";
}

// One connection. Everything runs on the single io_context thread, so nothing here is locked.
struct Client {
  Client(asio::io_context& io, std::uint64_t client_id, Kind client_kind, std::size_t client_slot,
         std::size_t start_room)
      : id(client_id),
        kind(client_kind),
        slot(client_slot),
        socket(io),
        wake(io),
        resume(io),
        room(start_room) {}

  std::uint64_t id;
  Kind kind;
  std::size_t slot;
  tcp::socket socket;
  asio::steady_timer wake;      // the driver sleeps on it; cancelled to make it look again
  asio::steady_timer resume;    // a paused reader sleeps on it
  std::size_t room;             // where its next line goes: the room of its latest /join
  std::size_t target_room = 0;  // observers: the room they watch
  std::deque<std::size_t> joins_in_flight;  // rooms joined whose first line has not arrived yet
  std::deque<std::size_t> who_in_flight;    // the room each unanswered /who should name
  std::shared_ptr<Stay> stay;
  std::vector<std::uint8_t> sent_room;  // per sequence number
  std::vector<bool> echoed;             // per sequence number
  std::uint64_t echoes = 0;
  std::uint64_t command_step = 0;
  bool connected = false;
  bool ended = false;
  bool paused = false;
  bool ready = false;  // observers: their own first line came back
  bool told_too_slow = false;
  bool read_to_eof = false;
  std::uint64_t replay_left = 0;  // stamps still to come from a `* last N messages:` replay
  Ending ending = Ending::none;

  std::uint64_t outstanding() const { return sent_room.size() - echoes; }
};

// Everything a run shares. It lives in run_soak's frame, which outlives every coroutine.
struct Soak {
  Soak(const Options& opts, asio::io_context& io_context)
      : options(opts),
        io(io_context),
        server(opts.host, opts.port),
        random(opts.seed),
        run_id(random() % 1000000000u),
        began(Clock::now()),
        conductor_timer(io_context),
        sampler_timer(io_context),
        sweeper_timer(io_context) {}

  Options options;
  asio::io_context& io;
  tcp::endpoint server;
  std::mt19937_64 random;
  std::uint64_t run_id;
  Clock::time_point began;
  Clock::time_point talk_began;
  Clock::time_point talk_ended;
  asio::steady_timer conductor_timer;
  asio::steady_timer sampler_timer;
  asio::steady_timer sweeper_timer;
  std::array<RoomLog, kRooms> logs;
  std::vector<std::shared_ptr<Client>> slots;        // slot -> its current client
  std::vector<std::shared_ptr<Client>> everyone;     // every client ever, for the final reckoning
  std::vector<std::shared_ptr<Stay>> waiting_stays;  // with pending stamps, or closed and unsettled
  std::uint64_t next_id = 1;
  bool talking = false;
  bool background_done = false;  // stops the sampler and the sweeper
  bool setup_failed = false;
  std::optional<Clock::time_point> conducted;  // when the conductor finished
  Totals totals;
  ServerWatch watch;
};

void note_error(Soak& soak, std::string what) {
  ++soak.totals.errors;
  if (soak.totals.first_errors.size() < kMaxErrorsKept) {
    const auto at = std::chrono::duration<double>(Clock::now() - soak.began).count();
    std::ostringstream line;
    line.precision(1);
    line << std::fixed << "t=" << at << "s " << what;
    soak.totals.first_errors.push_back(line.str());
  }
}

std::string client_name(const Client& client) {
  return std::string(kind_name(client.kind)) + " #" + std::to_string(client.id);
}

std::uint64_t micros_since(const Soak& soak, Clock::time_point when) {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(when - soak.began).count());
}

// ---------------------------------------------------------------------------------------------
// Checking stays against the room logs

bool test_bit(const Stay& stay, std::uint64_t offset) {
  const auto word = static_cast<std::size_t>(offset / 64);
  return word < stay.received.size() && ((stay.received[word] >> (offset % 64)) & 1u) != 0;
}

void set_bit(Stay& stay, std::uint64_t offset) {
  const auto word = static_cast<std::size_t>(offset / 64);
  if (word >= stay.received.size()) stay.received.resize(word + 1, 0);
  stay.received[word] |= std::uint64_t{1} << (offset % 64);
  ++stay.unique;
}

// A stamp at log position `index` arrived in this stay.
void place(Stay& stay, std::uint32_t index, Totals& totals) {
  ++totals.deliveries_received;
  if (!stay.started) {
    stay.started = true;
    stay.first = stay.last = index;
    set_bit(stay, 0);
    return;
  }
  if (index < stay.first) {  // before the first line it got: out of order
    ++totals.reordered;
    return;
  }
  const std::uint64_t offset = index - stay.first;
  if (index > stay.last) {
    stay.last = index;
    set_bit(stay, offset);
  } else if (test_bit(stay, offset)) {
    ++totals.duplicated;
  } else {
    set_bit(stay, offset);  // fills a gap: it came after a later line
    ++totals.reordered;
  }
}

void resolve_pending(Stay& stay, Soak& soak, Clock::time_point now, bool final_pass) {
  const RoomLog& log = soak.logs[stay.room];
  while (!stay.pending.empty()) {
    const PendingStamp& front = stay.pending.front();
    const auto found = log.index_of.find(front.key);
    if (found != log.index_of.end()) {
      place(stay, found->second, soak.totals);
    } else if (final_pass || now - front.since > kResolveTimeout) {
      ++soak.totals.unresolved;
      note_error(soak, "a member in " + std::string(kRoomNames[stay.room]) + " received sender " +
                           std::to_string(front.key >> kSequenceBits) + " seq " +
                           std::to_string(front.key & ((std::uint64_t{1} << kSequenceBits) - 1)) +
                           ", which that room's observer never received");
    } else {
      break;
    }
    stay.pending.pop_front();
  }
}

void settle(Stay& stay, Soak& soak) {
  ++soak.totals.stays;
  if (stay.started) {
    const std::uint64_t expected = std::uint64_t{stay.last} - stay.first + 1;
    soak.totals.deliveries_expected += expected;
    soak.totals.lost_in_stays += expected - stay.unique;
  }
  stay.received = {};
}

void list_waiting(const std::shared_ptr<Stay>& stay, Soak& soak) {
  if (stay->waiting) return;
  stay->waiting = true;
  soak.waiting_stays.push_back(stay);
}

void receive_in_stay(const std::shared_ptr<Stay>& stay, Soak& soak, std::uint64_t key,
                     Clock::time_point now) {
  PendingStamp pending;
  pending.key = key;
  pending.since = now;
  stay->pending.push_back(pending);
  resolve_pending(*stay, soak, now, false);
  if (!stay->pending.empty()) list_waiting(stay, soak);
}

void close_stay(const std::shared_ptr<Stay>& stay, Soak& soak) {
  if (!stay || stay->closed) return;
  stay->closed = true;
  resolve_pending(*stay, soak, Clock::now(), false);
  if (stay->pending.empty() && !stay->waiting) {
    settle(*stay, soak);
  } else {
    list_waiting(stay, soak);
  }
}

// Resolves what the observers have logged since; settles closed stays with nothing pending.
void sweep_stays(Soak& soak, bool final_pass) {
  const auto now = Clock::now();
  auto& stays = soak.waiting_stays;
  for (auto& stay : stays) {
    resolve_pending(*stay, soak, now, final_pass);
    if (final_pass) stay->closed = true;
    if (stay->pending.empty()) {
      stay->waiting = false;
      if (stay->closed) settle(*stay, soak);
    }
  }
  stays.erase(std::remove_if(stays.begin(), stays.end(),
                             [](const std::shared_ptr<Stay>& stay) { return !stay->waiting; }),
              stays.end());
}

// ---------------------------------------------------------------------------------------------
// What clients receive

void record_latency(Soak& soak, const Stamp& stamp, Clock::time_point now) {
  const auto now_us = micros_since(soak, now);
  const double ms =
      now_us > stamp.sent_us ? static_cast<double>(now_us - stamp.sent_us) / 1000.0 : 0.0;
  soak.totals.latency_sum_ms += ms;
  soak.totals.latency_max_ms = std::max(soak.totals.latency_max_ms, ms);
  ++soak.totals.latency_count;
}

void record_own_echo(Client& client, Soak& soak, const Stamp& stamp) {
  if (stamp.seq >= client.echoed.size()) {
    note_error(soak, client_name(client) + " received its own seq " + std::to_string(stamp.seq) +
                         ", which it never sent");
    return;
  }
  if (client.echoed[stamp.seq]) return;  // a duplicate: the stay check counts it
  client.echoed[stamp.seq] = true;
  ++client.echoes;
  ++soak.totals.echoes;
}

void observe_stamp(Client& observer, Soak& soak, const Stamp& stamp) {
  // Until its own first line is back it may still be in the lobby; nothing else talks then.
  if (!observer.ready && stamp.room != observer.target_room) return;
  if (stamp.room != observer.target_room) {
    ++soak.totals.misrouted;
    note_error(soak, "the " + std::string(kRoomNames[observer.target_room]) +
                         " observer received a line sender " + std::to_string(stamp.sender) +
                         " sent to " + std::string(kRoomNames[stamp.room]));
    return;
  }
  RoomLog& log = soak.logs[observer.target_room];
  ++soak.totals.observer_received;
  const auto key = stamp_key(stamp.sender, stamp.seq);
  const auto [position, inserted] = log.index_of.try_emplace(key, log.size);
  if (!inserted) {
    ++soak.totals.duplicated;
    return;
  }
  ++log.size;
  const auto [last, first_from_sender] = log.last_seq_of.try_emplace(stamp.sender, stamp.seq);
  if (!first_from_sender) {
    if (stamp.seq < last->second) ++soak.totals.reordered;
    last->second = std::max(last->second, stamp.seq);
  }
  if (stamp.sender == observer.id) {
    record_own_echo(observer, soak, stamp);
    observer.ready = true;
  }
}

// A member's stamps belong to its current stay, or start the stay of a room it has /joined.
void member_stamp(Client& client, Soak& soak, const Stamp& stamp, Clock::time_point now) {
  if (stamp.room != client.stay->room) {
    const auto joined =
        std::find(client.joins_in_flight.begin(), client.joins_in_flight.end(), stamp.room);
    if (joined == client.joins_in_flight.end()) {
      ++soak.totals.misrouted;
      note_error(soak, client_name(client) + " in " + std::string(kRoomNames[client.stay->room]) +
                           " received a line sender " + std::to_string(stamp.sender) + " sent to " +
                           std::string(kRoomNames[stamp.room]));
      return;
    }
    client.joins_in_flight.erase(client.joins_in_flight.begin(), std::next(joined));
    close_stay(client.stay, soak);
    client.stay = std::make_shared<Stay>(static_cast<std::size_t>(stamp.room));
  }
  receive_in_stay(client.stay, soak, stamp_key(stamp.sender, stamp.seq), now);
  if (stamp.sender == client.id) record_own_echo(client, soak, stamp);
}

void handle_stamp(Client& client, Soak& soak, const Stamp& stamp, Clock::time_point now) {
  if (stamp.run != soak.run_id) {
    ++soak.totals.foreign_stamps;  // an earlier run's history
    return;
  }
  if (stamp.room >= kRooms || stamp.sender == 0 || stamp.sender >= soak.next_id) {
    note_error(soak, client_name(client) + " received an impossible stamp");
    return;
  }
  // The slow client lags on purpose, and a history replay is old by design.
  if (client.replay_left > 0) {
    --client.replay_left;
  } else if (client.kind != Kind::slow) {
    record_latency(soak, stamp, now);
  }
  if (client.kind == Kind::observer) {
    observe_stamp(client, soak, stamp);
  } else {
    member_stamp(client, soak, stamp, now);
  }
}

// `* N in ROOM: names`, the reply to /who.
void handle_who_reply(Client& client, Soak& soak, std::string_view line) {
  ++soak.totals.who_replies;
  const auto in = line.find(" in ");
  const auto colon = line.find(':', in == std::string_view::npos ? 0 : in);
  if (in == std::string_view::npos || colon == std::string_view::npos) {
    note_error(soak, client_name(client) + " got a malformed /who reply: " + std::string(line));
    return;
  }
  const auto room = line.substr(in + 4, colon - in - 4);
  if (client.who_in_flight.empty()) {
    note_error(soak, client_name(client) + " got a /who reply it did not ask for");
    return;
  }
  const auto expected = kRoomNames[client.who_in_flight.front()];
  client.who_in_flight.pop_front();
  if (room != expected) {
    note_error(soak, client_name(client) + " asked /who in " + std::string(expected) +
                         " and was told " + std::string(room));
  }
}

// `* 3 in lobby: ...`; an IPv4 name starts with a digit too, but never continues `N in `.
bool is_who_reply(std::string_view line) {
  const auto digits_end = line.find_first_not_of("0123456789", 2);
  return digits_end != std::string_view::npos && digits_end > 2 &&
         line.substr(digits_end).starts_with(" in ");
}

void handle_notice(Client& client, Soak& soak, std::string_view line) {
  if (is_who_reply(line)) {
    handle_who_reply(client, soak, line);
  } else if (line.starts_with("* last ")) {
    ++soak.totals.history_markers;
    std::uint64_t replayed = 0;
    const auto digits = line.substr(7);
    std::from_chars(digits.data(), digits.data() + digits.size(), replayed);
    client.replay_left = replayed;
  } else if (line.ends_with(" left (too slow)")) {
    ++soak.totals.too_slow_notices;
  } else if (line.ends_with(" left (flooding)") || line.ends_with(" left (timed out)")) {
    note_error(soak, client_name(client) + " saw " + std::string(line));
  } else {
    ++soak.totals.notices;
  }
}

void handle_error_line(Client& client, Soak& soak, std::string_view line) {
  if (line == "! disconnected: too slow") {
    client.told_too_slow = true;
    return;
  }
  note_error(soak, client_name(client) + " got '" + std::string(line.substr(0, 120)) + "'");
}

void handle_line(Client& client, Soak& soak, std::string_view line, Clock::time_point now) {
  std::optional<std::string_view> text;
  if (line.starts_with("* ")) {
    const auto space = line.find(' ', 2);  // `* NAME ~stamp` is a /me action
    if (space != std::string_view::npos && line.substr(space + 1).starts_with('~')) {
      text = line.substr(space + 1);
    } else {
      handle_notice(client, soak, line);
      return;
    }
  } else if (line.starts_with("! ")) {
    handle_error_line(client, soak, line);
    return;
  } else {
    text = message_text(line);
  }
  const auto stamp = text ? parse_stamp(*text, soak.options.bytes) : std::nullopt;
  if (stamp) {
    handle_stamp(client, soak, *stamp, now);
  } else if (line.find("! disconnected: too slow") != std::string_view::npos) {
    client.told_too_slow = true;  // after a line the eviction cut short
  } else {
    note_error(soak, client_name(client) + " got a line it cannot parse: '" +
                         std::string(line.substr(0, 120)) + "'");
  }
}

// ---------------------------------------------------------------------------------------------
// Connection life

auto report_escaped_exception(Soak& soak, std::string what) {
  return [&soak, what](std::exception_ptr error) {
    if (!error) return;
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      note_error(soak, what + " threw: " + e.what());
    }
  };
}

void on_reader_end(Client& client, Soak& soak, error_code ec);

// Reads until the connection ends; the slow client's reader sleeps while it is paused.
asio::awaitable<void> read_lines(std::shared_ptr<Client> client, Soak& soak) {
  std::vector<char> buffer(kReadBufferBytes);
  std::size_t filled = 0;
  error_code end;
  for (;;) {
    if (client->paused) {
      client->resume.expires_at(Clock::time_point::max());
      co_await client->resume.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    const auto space = asio::buffer(buffer.data() + filled, buffer.size() - filled);
    auto [ec, received] =
        co_await client->socket.async_read_some(space, asio::as_tuple(asio::use_awaitable));
    if (ec) {
      end = ec;
      break;
    }
    filled += received;
    const auto now = Clock::now();
    const std::string_view bytes(buffer.data(), filled);
    std::size_t consumed = 0;
    for (auto newline = bytes.find('\n'); newline != std::string_view::npos;
         newline = bytes.find('\n', consumed)) {
      handle_line(*client, soak, bytes.substr(consumed, newline - consumed), now);
      consumed = newline + 1;
    }
    if (consumed == 0 && filled == buffer.size()) {
      note_error(soak, client_name(*client) + " received a line longer than its read buffer");
      end = asio::error::message_size;
      break;
    }
    std::copy(buffer.begin() + static_cast<std::ptrdiff_t>(consumed),
              buffer.begin() + static_cast<std::ptrdiff_t>(filled), buffer.begin());
    filled -= consumed;
  }
  on_reader_end(*client, soak, end);
}

void spawn_client(Soak& soak, Kind kind, std::size_t slot);

void on_reader_end(Client& client, Soak& soak, error_code ec) {
  client.ended = true;
  client.read_to_eof = ec == asio::error::eof;
  close_stay(client.stay, soak);
  client.wake.cancel();
  if (client.ending != Ending::none) return;  // we asked for it
  ++soak.totals.closed_by_server;
  const bool talking = soak.talking;
  if (client.kind == Kind::slow) {
    // A dead server closes everybody; that is not an eviction.
    const auto pid = soak.options.server_pid;
    if (client.told_too_slow || !pid || sample_process(*pid).alive) ++soak.totals.evictions;
  } else {
    if (client.told_too_slow) ++soak.totals.evictions;
    note_error(soak, "the server closed " + client_name(client) + " (" + ec.message() +
                         (client.told_too_slow ? ", told it was too slow)" : ")"));
  }
  // Keep the population up; an observer cannot be replaced without losing its room's order.
  if (talking && client.kind != Kind::observer && soak.slots[client.slot].get() == &client) {
    spawn_client(soak, client.kind, client.slot);
  }
}

asio::awaitable<void> sleep_until(Client& client, Clock::time_point when) {
  client.wake.expires_at(when);
  co_await client.wake.async_wait(asio::as_tuple(asio::use_awaitable));
}

asio::awaitable<bool> write_line(Client& client, Soak& soak, std::string line) {
  line += '\n';
  const auto bytes = asio::buffer(line);
  auto [ec, written] =
      co_await asio::async_write(client.socket, bytes, asio::as_tuple(asio::use_awaitable));
  if (ec) {
    if (!client.ended && client.ending == Ending::none) {
      note_error(soak, client_name(client) + " write failed: " + ec.message());
    }
    co_return false;
  }
  co_return true;
}

asio::awaitable<bool> connect_client(std::shared_ptr<Client> client, Soak& soak) {
  error_code ec;
  client->socket.open(tcp::v4(), ec);
  if (!ec && client->kind == Kind::slow) {
    client->socket.set_option(asio::socket_base::receive_buffer_size(kSlowReceiveBufferBytes), ec);
  }
  if (ec) {
    ++soak.totals.connect_failures;
    note_error(soak, "socket: " + ec.message());
    co_return false;
  }
  asio::steady_timer limit(soak.io, Clock::now() + kConnectTimeout);
  const tcp::endpoint server = soak.server;
  auto outcome =
      co_await (client->socket.async_connect(server, asio::as_tuple(asio::use_awaitable)) ||
                limit.async_wait(asio::as_tuple(asio::use_awaitable)));
  std::string failure;
  if (outcome.index() == 1) {
    failure = "timed out";
  } else {
    const auto [connect_ec] = std::get<0>(outcome);
    if (connect_ec) failure = connect_ec.message();
  }
  if (failure.empty()) {
    client->socket.set_option(tcp::no_delay(true), ec);
    if (ec) failure = "TCP_NODELAY: " + ec.message();
  }
  if (!failure.empty()) {
    ++soak.totals.connect_failures;
    note_error(soak, client_name(*client) + " could not connect: " + failure);
    co_return false;
  }
  client->connected = true;
  ++soak.totals.connections_opened;
  client->stay = std::make_shared<Stay>(std::size_t{0});  // everybody starts in the lobby
  co_return true;
}

bool should_stop_acting(const Client& client, const Soak& soak) {
  return client.ended || client.ending != Ending::none || !soak.talking;
}

std::string next_stamp_text(Client& client, Soak& soak) {
  Stamp stamp;
  stamp.run = soak.run_id;
  stamp.sender = client.id;
  stamp.seq = client.sent_room.size();
  stamp.room = client.room;
  stamp.sent_us = micros_since(soak, Clock::now());
  client.sent_room.push_back(static_cast<std::uint8_t>(client.room));
  client.echoed.push_back(false);
  ++soak.totals.messages_sent;
  return stamp_text(stamp, soak.options.bytes);
}

// The commander's script: a nickname, then /join soak1, /who, /me, /join soak2, ... /join lobby.
std::string next_command(Client& client, Soak& soak) {
  ++soak.totals.commands;
  const auto step = client.command_step++;
  if (step == 0) {
    ++soak.totals.nick;
    return "/nick s" + std::to_string(client.id);
  }
  const auto cycle = (step - 1) % 12;
  switch (cycle % 3) {
    case 0: {
      ++soak.totals.join;
      client.room = static_cast<std::size_t>((cycle / 3 + 1) % kRooms);
      client.joins_in_flight.push_back(client.room);
      return "/join " + std::string(kRoomNames[client.room]);
    }
    case 1:
      ++soak.totals.who;
      client.who_in_flight.push_back(client.room);
      return "/who";
    default:
      ++soak.totals.me;
      return "/me " + next_stamp_text(client, soak);
  }
}

// Talkers send --rate stamped lines a second from a random phase; commanders add a command every
// kCommandInterval. A late driver skips ahead rather than bursting.
asio::awaitable<void> talk(std::shared_ptr<Client> client, Soak& soak) {
  const auto period = seconds(1.0 / soak.options.rate);
  std::uniform_real_distribution<double> phase(0.0, 1.0);
  auto next_line = Clock::now() + seconds(phase(soak.random) / soak.options.rate);
  auto next_cmd = client->kind == Kind::commander ? Clock::now() + seconds(phase(soak.random) * 0.5)
                                                  : Clock::time_point::max();
  while (!should_stop_acting(*client, soak)) {
    const auto now = Clock::now();
    const auto due = std::min(next_line, next_cmd);
    if (now < due) {
      co_await sleep_until(*client, due);
      continue;
    }
    std::string line;
    if (next_cmd <= now) {
      line = next_command(*client, soak);
      next_cmd = std::max(next_cmd + kCommandInterval, now);
    } else {
      line = next_stamp_text(*client, soak);
      next_line = std::max(next_line + period, now - period);
    }
    const bool written = co_await write_line(*client, soak, std::move(line));
    if (!written) break;
  }
}

bool peer_has_closed(tcp::socket& socket) {
  tcp_info info{};
  socklen_t length = sizeof info;
  if (::getsockopt(socket.native_handle(), IPPROTO_TCP, TCP_INFO, &info, &length) != 0) return true;
  return info.tcpi_state != TCP_ESTABLISHED;
}

void set_paused(Client& client, bool paused) {
  client.paused = paused;
  if (!paused) client.resume.cancel();
}

// Reads for a while, then stops reading for --slow-pause seconds (or until the server hangs up),
// and again, until the talking stops or the server evicts it.
asio::awaitable<void> dawdle(std::shared_ptr<Client> client, Soak& soak) {
  const auto pause = seconds(soak.options.slow_pause_s);
  while (!should_stop_acting(*client, soak)) {
    const auto read_until = Clock::now() + kSlowReadPeriod;
    while (!should_stop_acting(*client, soak) && Clock::now() < read_until) {
      co_await sleep_until(*client, read_until);
    }
    if (should_stop_acting(*client, soak)) break;
    set_paused(*client, true);
    ++soak.totals.slow_pauses;
    const auto resume_at = Clock::now() + pause;
    while (!should_stop_acting(*client, soak) && Clock::now() < resume_at &&
           !peer_has_closed(client->socket)) {
      const auto check_at = std::min(resume_at, Clock::now() + 1s);
      co_await sleep_until(*client, check_at);
    }
    set_paused(*client, false);
    // The server may have cut it off: reading what is left shows EOF, and the reader ends it.
  }
  set_paused(*client, false);
}

// An observer moves to its room and says one line; once that comes back it is in place.
asio::awaitable<void> take_post(std::shared_ptr<Client> client, Soak& soak) {
  if (client->target_room != 0) {
    client->room = client->target_room;
    client->joins_in_flight.push_back(client->target_room);
    std::string join = "/join " + std::string(kRoomNames[client->target_room]);
    const bool joined = co_await write_line(*client, soak, std::move(join));
    if (!joined) co_return;
  }
  std::string hello = next_stamp_text(*client, soak);
  co_await write_line(*client, soak, std::move(hello));
}

asio::awaitable<void> wait_for_reader(Client& client, Clock::duration limit) {
  const auto deadline = Clock::now() + limit;
  while (!client.ended && Clock::now() < deadline) co_await sleep_until(client, deadline);
}

// Leaves the way the conductor asked, reading until the server closes (bounded), then closes.
asio::awaitable<void> leave(std::shared_ptr<Client> client, Soak& soak) {
  error_code ignored;
  switch (client->ending) {
    case Ending::none:
      break;  // the server ended it
    case Ending::reset:
      ++soak.totals.closed_reset;
      client->socket.set_option(asio::socket_base::linger(true, 0), ignored);
      client->socket.close(ignored);
      break;
    case Ending::polite: {
      ++soak.totals.closed_polite;
      std::string quit = "/quit bye";
      co_await write_line(*client, soak, std::move(quit));
      co_await wait_for_reader(*client, kCloseTimeout);
      break;
    }
    case Ending::half_close:
    case Ending::final_close:
      ++(client->ending == Ending::half_close ? soak.totals.closed_half : soak.totals.closed_final);
      client->socket.shutdown(tcp::socket::shutdown_send, ignored);
      co_await wait_for_reader(*client, kCloseTimeout);
      break;
  }
  if (client->ending != Ending::none && client->ending != Ending::reset && !client->ended) {
    note_error(soak, client_name(*client) + ": the server did not close within " +
                         std::to_string(kCloseTimeout.count()) + " s of its leaving");
  }
  client->socket.close(ignored);  // a pending read completes with operation_aborted
}

asio::awaitable<void> run_client(std::shared_ptr<Client> client, Soak& soak) {
  const bool connected = co_await connect_client(client, soak);
  if (!connected) {
    client->ended = true;
    co_return;
  }
  const auto executor = co_await asio::this_coro::executor;
  asio::co_spawn(executor, read_lines(client, soak),
                 report_escaped_exception(soak, client_name(*client) + " reader"));
  switch (client->kind) {
    case Kind::observer:
      co_await take_post(client, soak);
      break;
    case Kind::talker:
    case Kind::commander:
      co_await talk(client, soak);
      break;
    case Kind::slow:
      co_await dawdle(client, soak);
      break;
  }
  // Wait, idle, until the conductor asks it to leave or the server ends it.
  while (!client->ended && client->ending == Ending::none) {
    co_await sleep_until(*client, Clock::time_point::max());
  }
  co_await leave(client, soak);
}

void spawn_client(Soak& soak, Kind kind, std::size_t slot) {
  auto client = std::make_shared<Client>(soak.io, soak.next_id++, kind, slot, std::size_t{0});
  if (kind == Kind::observer) client->target_room = slot;
  soak.everyone.push_back(client);
  soak.slots[slot] = client;
  asio::co_spawn(soak.io, run_client(client, soak),
                 report_escaped_exception(soak, client_name(*client)));
}

void request_ending(Client& client, Ending ending) {
  if (client.ended || client.ending != Ending::none) return;
  client.ending = ending;
  client.wake.cancel();
}

// ---------------------------------------------------------------------------------------------
// Background: sampling the server, sweeping stays

void sample_server(Soak& soak) {
  if (!soak.options.server_pid) return;
  const auto sample = sample_process(*soak.options.server_pid);
  ++soak.watch.samples;
  if (!sample.alive) {
    if (!soak.watch.died) note_error(soak, "the server process is gone");
    soak.watch.died = true;
    return;
  }
  keep_max(soak.watch.rss_max_kb, sample.rss_kb);
  keep_max(soak.watch.hwm_kb, sample.hwm_kb);
  keep_max(soak.watch.fds_max, sample.fds);
  const auto quarter = soak.talk_began + seconds(soak.options.duration_s / 4);
  if (soak.talking && !soak.watch.rss_quarter_kb && Clock::now() >= quarter) {
    soak.watch.rss_quarter_kb = sample.rss_kb;
  }
}

std::string optional_number(std::optional<std::uint64_t> value) {
  return value ? std::to_string(*value) : std::string("n/a");
}

std::uint64_t live_clients(const Soak& soak) {
  return static_cast<std::uint64_t>(std::count_if(
      soak.everyone.begin(), soak.everyone.end(),
      [](const std::shared_ptr<Client>& client) { return client->connected && !client->ended; }));
}

void print_progress(Soak& soak) {
  const auto& t = soak.totals;
  std::cerr << "chat-soak: t="
            << static_cast<long long>(
                   std::chrono::duration<double>(Clock::now() - soak.began).count())
            << "s live " << live_clients(soak) << " opened " << t.connections_opened << " sent "
            << t.messages_sent << " delivered " << t.deliveries_received << " lost "
            << t.lost_in_stays << " reordered " << t.reordered << " dup " << t.duplicated
            << " evictions " << t.evictions << " errors " << t.errors;
  if (soak.options.server_pid) {
    std::cerr << " | server RSS max " << optional_number(soak.watch.rss_max_kb) << " kB, fds max "
              << optional_number(soak.watch.fds_max);
  }
  std::cerr << std::endl;
}

asio::awaitable<void> sample_every_second(Soak& soak) {
  auto next_progress = Clock::now() + seconds(soak.options.progress_s);
  auto next = Clock::now();
  while (!soak.background_done) {
    sample_server(soak);
    if (soak.options.progress_s > 0 && Clock::now() >= next_progress) {
      print_progress(soak);
      next_progress += seconds(soak.options.progress_s);
    }
    next += 1s;
    soak.sampler_timer.expires_at(next);
    co_await soak.sampler_timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

asio::awaitable<void> sweep_periodically(Soak& soak) {
  while (!soak.background_done) {
    sweep_stays(soak, false);
    soak.sweeper_timer.expires_after(kSweepInterval);
    co_await soak.sweeper_timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

// ---------------------------------------------------------------------------------------------
// The conductor: observers, population, churn, drain, close

asio::awaitable<void> pause_conductor(Soak& soak, Clock::duration length) {
  soak.conductor_timer.expires_after(length);
  co_await soak.conductor_timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

// Polls every 50 ms until done() or the deadline; true when done() held.
template <class Predicate>
asio::awaitable<bool> wait_until(Soak& soak, Predicate done, Clock::time_point deadline) {
  while (!done()) {
    if (Clock::now() >= deadline) co_return false;
    co_await pause_conductor(soak, 50ms);
  }
  co_return true;
}

bool churnable(const Client& client) {
  return (client.kind == Kind::talker || client.kind == Kind::commander) && client.connected &&
         !client.ended && client.ending == Ending::none;
}

void churn_one(Soak& soak) {
  std::uniform_int_distribution<std::size_t> pick(kRooms, soak.slots.size() - 1);
  for (int attempt = 0; attempt < 20; ++attempt) {
    const auto slot = pick(soak.random);
    Client& client = *soak.slots[slot];
    if (!churnable(client)) continue;
    std::uniform_int_distribution<int> how(0, 2);
    const int way = how(soak.random);
    const Ending ending = way == 0 ? Ending::polite : way == 1 ? Ending::reset : Ending::half_close;
    request_ending(client, ending);
    ++soak.totals.churned;
    spawn_client(soak, client.kind, slot);
    return;
  }
  ++soak.totals.churn_skipped;
}

// Churns at --churn per second (on an absolute schedule) until the duration is over.
asio::awaitable<void> churn_until(Soak& soak, Clock::time_point end) {
  const bool churning = soak.options.churn > 0;
  const auto start = Clock::now();
  std::uint64_t done = 0;
  while (Clock::now() < end && !soak.watch.died) {
    auto due = churning ? start + seconds(static_cast<double>(done + 1) / soak.options.churn)
                        : Clock::time_point::max();
    const auto now = Clock::now();
    if (churning && now >= due) {
      churn_one(soak);
      ++done;
      continue;
    }
    const auto wake_at = std::min({due, end, now + 1s});
    const auto length = wake_at - now;
    co_await pause_conductor(soak, length);
  }
}

bool settled_for_drain(const Soak& soak) {
  for (const auto& client : soak.everyone) {
    if (client->ended || !client->connected) continue;
    if (client->ending != Ending::none) return false;  // still leaving
    if (client->outstanding() > 0) return false;
  }
  return true;
}

template <class Select>
asio::awaitable<bool> close_all(Soak& soak, Select selected, Clock::duration limit) {
  for (const auto& client : soak.everyone) {
    if (selected(*client)) request_ending(*client, Ending::final_close);
  }
  auto all_ended = [&soak, &selected] {
    return std::all_of(soak.everyone.begin(), soak.everyone.end(),
                       [&selected](const std::shared_ptr<Client>& client) {
                         return !selected(*client) || client->ended || !client->connected;
                       });
  };
  const auto deadline = Clock::now() + limit;
  co_return co_await wait_until(soak, all_ended, deadline);
}

asio::awaitable<bool> place_observers(Soak& soak) {
  // Rooms other than the lobby first, so that nothing talks in the lobby while they pass through.
  for (std::size_t room = 1; room <= kRooms; ++room) {
    const std::size_t slot = room % kRooms;
    spawn_client(soak, Kind::observer, slot);
    auto placed = [&soak, slot] { return soak.slots[slot]->ready || soak.slots[slot]->ended; };
    const auto deadline = Clock::now() + kObserverSetupTimeout;
    const bool done = co_await wait_until(soak, placed, deadline);
    if (!done || !soak.slots[slot]->ready) {
      note_error(soak, "the " + std::string(kRoomNames[slot]) + " observer did not get in place");
      co_return false;
    }
  }
  co_return true;
}

void populate(Soak& soak) {
  const auto& options = soak.options;
  const bool slow = options.slow_pause_s > 0;
  soak.slots.resize(options.clients);
  std::size_t slot = kRooms;
  if (slow) spawn_client(soak, Kind::slow, slot++);
  for (std::size_t index = 0; index < options.commanders; ++index) {
    spawn_client(soak, Kind::commander, slot++);
  }
  while (slot < options.clients) spawn_client(soak, Kind::talker, slot++);
}

asio::awaitable<void> conduct(Soak& soak) {
  const auto executor = co_await asio::this_coro::executor;
  if (soak.options.server_pid) soak.watch.start = sample_process(*soak.options.server_pid);
  soak.slots.resize(soak.options.clients);
  asio::co_spawn(executor, sample_every_second(soak), report_escaped_exception(soak, "sampler"));
  asio::co_spawn(executor, sweep_periodically(soak), report_escaped_exception(soak, "sweeper"));
  soak.talking = true;  // observers' setup lines count as talk
  const bool placed = co_await place_observers(soak);
  soak.talk_began = Clock::now();
  if (placed) {
    populate(soak);
    co_await churn_until(soak, soak.talk_began + seconds(soak.options.duration_s));
  } else {
    soak.setup_failed = true;
  }
  soak.talking = false;
  soak.talk_ended = Clock::now();
  if (soak.options.server_pid) {
    soak.watch.rss_talk_end_kb = sample_process(*soak.options.server_pid).rss_kb;
  }
  for (const auto& client : soak.everyone) client->wake.cancel();  // stop talking, stop pausing

  const auto drain_deadline = Clock::now() + seconds(soak.options.drain_s);
  auto settled = [&soak] { return settled_for_drain(soak); };
  const bool drained = co_await wait_until(soak, settled, drain_deadline);
  if (!drained) note_error(soak, "the drain did not finish: some echoes never came back");
  co_await pause_conductor(soak, 500ms);  // let observers catch up with the last echoes

  auto members = [](const Client& client) { return client.kind != Kind::observer; };
  const bool members_closed = co_await close_all(soak, members, kFinalCloseTimeout);
  if (!members_closed) note_error(soak, "some members did not close in time");
  co_await pause_conductor(soak, 500ms);
  sweep_stays(soak, false);
  auto observers = [](const Client& client) { return client.kind == Kind::observer; };
  const bool observers_closed = co_await close_all(soak, observers, kFinalCloseTimeout);
  if (!observers_closed) note_error(soak, "some observers did not close in time");
  sweep_stays(soak, true);

  co_await pause_conductor(soak, kDescriptorSettle);
  if (soak.options.server_pid) {
    soak.watch.end = sample_process(*soak.options.server_pid);
    if (!soak.watch.end->alive) soak.watch.died = true;
  }
  soak.background_done = true;
  soak.sampler_timer.cancel();
  soak.sweeper_timer.cancel();
  soak.conducted = Clock::now();
}

// ---------------------------------------------------------------------------------------------
// The reckoning and the report

// Echoes a sender that left gracefully never saw, and echoed stamps no observer logged.
void reconcile_senders(Soak& soak) {
  for (const auto& client : soak.everyone) {
    const bool owed_everything = client->read_to_eof && (client->ending == Ending::polite ||
                                                         client->ending == Ending::half_close ||
                                                         client->ending == Ending::final_close);
    for (std::size_t seq = 0; seq < client->sent_room.size(); ++seq) {
      if (!client->echoed[seq]) {
        if (owed_everything) ++soak.totals.lost_echoes;
        continue;
      }
      const auto& log = soak.logs[client->sent_room[seq]];
      if (log.index_of.find(stamp_key(client->id, seq)) == log.index_of.end()) {
        ++soak.totals.lost_at_observer;
      }
    }
  }
}

struct Verdict {
  std::vector<std::string> failures;  // short keys
  std::vector<std::string> reasons;   // one sentence each
  std::vector<std::string> warnings;
  bool ok() const { return failures.empty(); }
};

std::uint64_t total_lost(const Totals& t) {
  return t.lost_in_stays + t.lost_echoes + t.lost_at_observer;
}

Verdict judge(const Soak& soak) {
  Verdict verdict;
  const auto& t = soak.totals;
  auto fail = [&verdict](std::string key, std::string reason) {
    verdict.failures.push_back(std::move(key));
    verdict.reasons.push_back(std::move(reason));
  };
  if (soak.setup_failed) fail("setup_failed", "the observers could not take their places");
  if (soak.watch.died) fail("server_died", "the server process died during the run");
  if (total_lost(t) > 0) {
    fail("lost", std::to_string(total_lost(t)) + " deliveries lost (" +
                     std::to_string(t.lost_in_stays) + " gaps in members' stays, " +
                     std::to_string(t.lost_echoes) + " own lines never echoed, " +
                     std::to_string(t.lost_at_observer) +
                     " echoed lines missing from the room's observer)");
  }
  if (t.reordered > 0) fail("reordered", std::to_string(t.reordered) + " lines out of room order");
  if (t.duplicated > 0) fail("duplicated", std::to_string(t.duplicated) + " lines received twice");
  if (t.misrouted > 0)
    fail("misrouted", std::to_string(t.misrouted) + " lines from the wrong room");
  if (t.unresolved > 0) {
    fail("unresolved",
         std::to_string(t.unresolved) + " lines a member got but its room's observer did not");
  }
  const auto& start = soak.watch.start;
  const auto& end = soak.watch.end;
  if (start && end && start->fds && end->fds &&
      static_cast<long long>(*end->fds) >
          static_cast<long long>(*start->fds) + kDescriptorLeakSlack) {
    fail("fd_leak", "the server held " + std::to_string(*end->fds) +
                        " descriptors after every client closed, " + std::to_string(*start->fds) +
                        " before the first connected");
  }
  if (t.errors > 0) {
    fail("errors", std::to_string(t.errors) + " errors (first: " +
                       (t.first_errors.empty() ? std::string("?") : t.first_errors.front()) + ")");
  }
  if (t.messages_sent == 0 && !soak.setup_failed) fail("no_traffic", "no message was sent");
  const auto quarter = soak.watch.rss_quarter_kb;
  const auto talk_end = soak.watch.rss_talk_end_kb;
  // Bounded memory is a promise: steady load after the first quarter must not keep growing it.
  if (quarter && talk_end && *talk_end > *quarter + *quarter / 2 + 10240) {
    fail("memory_growth", "server RSS grew from " + std::to_string(*quarter) +
                              " kB a quarter into the run to " + std::to_string(*talk_end) +
                              " kB when the talking stopped");
  }
  if (soak.options.slow_pause_s > 0 && t.evictions == 0) {
    verdict.warnings.push_back(
        "the slow client was never evicted (a pause shorter than the outbox takes to fill?)");
  }
  return verdict;
}

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\u00";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string fixed(double value, int decimals) {
  std::ostringstream out;
  out.precision(decimals);
  out << std::fixed << value;
  return out.str();
}

class JsonLine {
 public:
  JsonLine& raw(std::string_view key, std::string_view value) {
    body_ += body_.size() > 1 ? ",\"" : "\"";
    body_ += key;
    body_ += "\":";
    body_ += value;
    return *this;
  }
  JsonLine& text(std::string_view key, std::string_view value) {
    return raw(key, json_string(value));
  }
  JsonLine& count(std::string_view key, std::uint64_t value) {
    return raw(key, std::to_string(value));
  }
  JsonLine& maybe(std::string_view key, std::optional<std::uint64_t> value) {
    return raw(key, value ? std::to_string(*value) : std::string("null"));
  }
  JsonLine& number(std::string_view key, double value, int decimals) {
    return raw(key, fixed(value, decimals));
  }
  JsonLine& strings(std::string_view key, const std::vector<std::string>& values) {
    std::string list = "[";
    for (const auto& value : values) {
      if (list.size() > 1) list += ',';
      list += json_string(value);
    }
    return raw(key, list + "]");
  }
  std::string str() const { return body_ + "}"; }

 private:
  std::string body_ = "{";
};

std::optional<std::uint64_t> sample_field(const std::optional<ProcessSample>& sample,
                                          std::optional<std::uint64_t> ProcessSample::*field) {
  if (!sample) return std::nullopt;
  return (*sample).*field;
}

double talk_seconds(const Soak& soak) {
  return std::chrono::duration<double>(soak.talk_ended - soak.talk_began).count();
}

std::string json_report(const Soak& soak, const Verdict& verdict, double elapsed_s) {
  const auto& t = soak.totals;
  const auto& w = soak.watch;
  const double mean_latency =
      t.latency_count > 0 ? t.latency_sum_ms / static_cast<double>(t.latency_count) : 0;
  JsonLine json;
  json.text("status", verdict.ok() ? "ok" : verdict.failures.front())
      .strings("failures", verdict.failures)
      .strings("warnings", verdict.warnings)
      .count("seed", soak.options.seed)
      .count("clients", soak.options.clients)
      .number("rate", soak.options.rate, 2)
      .number("churn", soak.options.churn, 2)
      .count("bytes", soak.options.bytes)
      .number("duration_s", talk_seconds(soak), 1)
      .number("elapsed_s", elapsed_s, 1)
      .count("connections_opened", t.connections_opened)
      .count("connections_closed",
             t.closed_polite + t.closed_reset + t.closed_half + t.closed_final + t.closed_by_server)
      .count("closed_polite", t.closed_polite)
      .count("closed_reset", t.closed_reset)
      .count("closed_half", t.closed_half)
      .count("closed_at_end", t.closed_final)
      .count("closed_by_server", t.closed_by_server)
      .count("connect_failures", t.connect_failures)
      .count("messages_sent", t.messages_sent)
      .count("commands", t.commands)
      .count("deliveries_expected", t.deliveries_expected)
      .count("deliveries_received", t.deliveries_received)
      .count("observer_received", t.observer_received)
      .count("lost", total_lost(t))
      .count("lost_in_stays", t.lost_in_stays)
      .count("lost_echoes", t.lost_echoes)
      .count("lost_at_observer", t.lost_at_observer)
      .count("reordered", t.reordered)
      .count("duplicated", t.duplicated)
      .count("misrouted", t.misrouted)
      .count("unresolved", t.unresolved)
      .count("stays", t.stays)
      .count("evictions", t.evictions)
      .count("too_slow_notices", t.too_slow_notices)
      .count("slow_pauses", t.slow_pauses)
      .count("history_markers", t.history_markers)
      .number("latency_mean_ms", mean_latency, 3)
      .number("latency_max_ms", t.latency_max_ms, 3)
      .maybe("rss_start_kb", sample_field(w.start, &ProcessSample::rss_kb))
      .maybe("rss_end_kb", sample_field(w.end, &ProcessSample::rss_kb))
      .maybe("rss_max_kb", w.rss_max_kb)
      .maybe("hwm_kb", w.hwm_kb)
      .maybe("fd_start", sample_field(w.start, &ProcessSample::fds))
      .maybe("fd_max", w.fds_max)
      .maybe("fd_end", sample_field(w.end, &ProcessSample::fds))
      .raw("server_alive", soak.options.server_pid ? (w.died ? "false" : "true") : "null")
      .count("errors", t.errors)
      .strings("first_errors", t.first_errors);
  return json.str();
}

void print_summary(std::ostream& out, const Soak& soak, const Verdict& verdict, double elapsed_s) {
  const auto& t = soak.totals;
  const auto& w = soak.watch;
  const auto& o = soak.options;
  out << "chat-soak against " << soak.server << " (seed " << o.seed << "): " << o.clients
      << " clients (" << kRooms << " observers, " << (o.slow_pause_s > 0 ? 1 : 0) << " slow, "
      << o.commanders << " commanders), " << fixed(o.rate, 2) << " lines/s each, churn "
      << fixed(o.churn, 2) << "/s, " << o.bytes << " B lines\n";
  out << "  ran " << fixed(talk_seconds(soak), 1) << " s of traffic (" << fixed(elapsed_s, 1)
      << " s in all)\n";
  out << "  connections: opened " << t.connections_opened << ", closed "
      << t.closed_polite + t.closed_reset + t.closed_half + t.closed_final + t.closed_by_server
      << " (/quit " << t.closed_polite << ", RST " << t.closed_reset << ", half-close "
      << t.closed_half << ", at the end " << t.closed_final << ", by the server "
      << t.closed_by_server << "), connect failures " << t.connect_failures << '\n';
  out << "  messages sent " << t.messages_sent << " (+" << t.commands << " commands: " << t.nick
      << " /nick, " << t.join << " /join, " << t.who << " /who, " << t.me << " /me)\n";
  out << "  deliveries expected " << t.deliveries_expected << ", received " << t.deliveries_received
      << " over " << t.stays << " stays; observers logged " << t.observer_received << '\n';
  out << "  lost " << total_lost(t) << " (stays " << t.lost_in_stays << ", echoes " << t.lost_echoes
      << ", observers " << t.lost_at_observer << "), reordered " << t.reordered << ", duplicated "
      << t.duplicated << ", misrouted " << t.misrouted << ", unresolved " << t.unresolved << '\n';
  out << "  evictions seen " << t.evictions << " (slow pauses " << t.slow_pauses
      << ", 'left (too slow)' notices " << t.too_slow_notices << "); latency mean "
      << fixed(t.latency_count > 0 ? t.latency_sum_ms / static_cast<double>(t.latency_count) : 0, 2)
      << " ms, max " << fixed(t.latency_max_ms, 1) << " ms\n";
  if (o.server_pid) {
    out << "  server pid " << *o.server_pid << ": RSS start "
        << optional_number(sample_field(w.start, &ProcessSample::rss_kb)) << " kB, max "
        << optional_number(w.rss_max_kb) << " kB, end "
        << optional_number(sample_field(w.end, &ProcessSample::rss_kb)) << " kB (VmHWM "
        << optional_number(w.hwm_kb) << " kB); fds start "
        << optional_number(sample_field(w.start, &ProcessSample::fds)) << ", max "
        << optional_number(w.fds_max) << ", end "
        << optional_number(sample_field(w.end, &ProcessSample::fds)) << "; "
        << (w.died ? "DIED" : "stayed up") << '\n';
  }
  out << "  errors " << t.errors << '\n';
  for (const auto& error : t.first_errors) out << "    " << error << '\n';
  for (const auto& warning : verdict.warnings) out << "  warning: " << warning << '\n';
  if (verdict.ok()) {
    out << "  result: ok: nothing lost, reordered or duplicated; the server stayed up\n";
  } else {
    out << "  result: FAILED\n";
    for (const auto& reason : verdict.reasons) out << "    - " << reason << '\n';
  }
}

void raise_open_file_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  limit.rlim_cur = limit.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &limit);
}

int run_soak(const Options& options) {
  raise_open_file_limit();
  asio::io_context io(1);
  Soak soak(options, io);  // after the io_context: its sockets go first
  asio::co_spawn(io, conduct(soak), report_escaped_exception(soak, "conductor"));
  const auto hard_stop =
      soak.began + seconds(options.duration_s + options.drain_s) + kHardStopMargin;
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

int main(int argc, char** argv) {
  try {
    const auto options = parse_options(argc, argv);
    if (!options) return 0;
    return run_soak(*options);
  } catch (const UsageError& e) {
    std::cerr << "chat-soak: " << e.what() << "\nTry 'chat-soak --help'.\n";
    return 2;
  } catch (const po::error& e) {
    std::cerr << "chat-soak: " << e.what() << "\nTry 'chat-soak --help'.\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "chat-soak: " << e.what() << '\n';
    return 1;
  }
}
