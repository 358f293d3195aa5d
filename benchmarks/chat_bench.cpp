// chat-bench: a load generator for chatd and for the Go tutorial server it replaces.
//
// Every client is a room member: it reads every relayed line `<ip:port>:<text>` and parses the
// text as a stamp `p<publisher> s<sequence> t<send ns> xxx...`; other lines are ignored.
//   fanout   P publishers send M stamped lines each, as fast as a window of W unechoed lines
//            allows; S subscribers and the publishers receive everything. Measures throughput.
//   latency  the same, paced at --rate lines/s per publisher. Measures delivery latency.
//   idle     N silent members and one announcer that sends a single line. Measures server memory
//            per connection and how long one broadcast takes to reach everybody.
// Prints one JSON line on stdout and a summary on stderr. Exit status: 0 the run completed
// without loss, 1 connection failure / timeout / stall / loss / reordering, 2 bad flags.

#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/program_options.hpp>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <exception>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace po = boost::program_options;
using asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using namespace asio::experimental::awaitable_operators;

constexpr auto kWarmupInterval = 250ms;  // how often a publisher repeats its warm-up line
constexpr auto kPollInterval = 1ms;      // how often the conductor looks at the shared counters
constexpr auto kMinQuietPeriod = 2s;     // no delivery for this long ends a measured run early
constexpr auto kShutdownGrace = 5s;      // time the coroutines get to unwind after the limit
// More handshakes in flight than this overflow the server's accept backlog and cost SYN retries.
constexpr std::size_t kMaxConnectsInFlight = 256;
// Linux gives ~28k ephemeral ports per source address (32768-60999); stay below that.
constexpr std::size_t kConnectionsPerSourceAddress = 25000;
constexpr std::size_t kReadBufferBytes = 64 * 1024;
constexpr std::size_t kMinPayloadBytes = 48;    // the longest possible stamp fits
constexpr std::size_t kMaxPayloadBytes = 4000;  // chatd refuses lines over 4096 bytes
constexpr std::size_t kSpareDescriptors = 64;

// ---------------------------------------------------------------------------------------------
// The server process, seen through /proc

std::string read_whole_file(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// utime + stime of the whole process (every thread), in seconds.
std::optional<double> read_cpu_seconds(int pid) {
  const auto stat = read_whole_file("/proc/" + std::to_string(pid) + "/stat");
  // The command name in field 2 may hold spaces and parentheses; fields resume after the last ')'.
  const auto name_end = stat.rfind(')');
  if (name_end == std::string::npos) return std::nullopt;
  std::istringstream fields(stat.substr(name_end + 1));
  std::string skipped;
  for (int field = 3; field < 14; ++field) fields >> skipped;  // state .. cmajflt
  unsigned long long user_ticks = 0;
  unsigned long long system_ticks = 0;
  if (!(fields >> user_ticks >> system_ticks)) return std::nullopt;
  const auto ticks_per_second = static_cast<double>(::sysconf(_SC_CLK_TCK));
  return static_cast<double>(user_ticks + system_ticks) / ticks_per_second;
}

// A `Key:   1234 kB` line of /proc/PID/status, such as VmRSS or VmHWM.
std::optional<std::uint64_t> read_status_kb(int pid, std::string_view key) {
  std::istringstream status(read_whole_file("/proc/" + std::to_string(pid) + "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (line.size() > key.size() && line.starts_with(key) && line[key.size()] == ':') {
      std::istringstream value(line.substr(key.size() + 1));
      std::uint64_t kb = 0;
      if (value >> kb) return kb;
    }
  }
  return std::nullopt;
}

bool process_is_readable(int pid) {
  return read_cpu_seconds(pid).has_value();
}

struct ServerSample {
  std::optional<double> cpu_s;
  std::optional<std::uint64_t> rss_kb;
  std::optional<std::uint64_t> hwm_kb;
};

ServerSample sample_server(std::optional<int> pid) {
  if (!pid) return {};
  return ServerSample{read_cpu_seconds(*pid), read_status_kb(*pid, "VmRSS"),
                      read_status_kb(*pid, "VmHWM")};
}

// ---------------------------------------------------------------------------------------------
// Flags

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class Mode { fanout, latency, idle };

std::string_view mode_name(Mode mode) {
  switch (mode) {
    case Mode::fanout:
      return "fanout";
    case Mode::latency:
      return "latency";
    case Mode::idle:
      return "idle";
  }
  return "?";
}

// Validated flags; parse_options fills every field, and describe_flags holds the defaults.
struct Options {
  asio::ip::address_v4 host;
  std::uint16_t port{};
  Mode mode{};
  std::size_t subscribers{};
  std::size_t publishers{};
  std::uint64_t messages{};
  std::size_t bytes{};
  double rate{};  // lines per second per publisher; 0 = as fast as the window allows
  std::uint64_t window{};
  double duration_limit_s{};
  std::size_t connections{};
  unsigned threads{};
  std::optional<int> server_pid;
};

po::options_description describe_flags() {
  po::options_description flags("chat-bench: load generator for chatd and the Go tutorial server");
  // clang-format off
  flags.add_options()
    ("help", "print this help and exit")
    ("host", po::value<std::string>()->default_value("127.0.0.1"), "server address; must be in 127.0.0.0/8")
    ("port", po::value<long long>()->default_value(9999), "server port")
    ("mode", po::value<std::string>()->default_value("fanout"), "fanout | latency | idle")
    ("subscribers", po::value<long long>()->default_value(100), "fanout/latency: members that only receive")
    ("publishers", po::value<long long>()->default_value(10), "fanout/latency: members that send and receive")
    ("messages", po::value<long long>(), "fanout/latency: lines per publisher (default 20000; latency: 1000)")
    ("bytes", po::value<long long>()->default_value(64), "payload bytes per line (48..4000)")
    ("rate", po::value<double>(), "lines/s per publisher, 0 = as fast as the window allows (default 0; latency: 100)")
    ("window", po::value<long long>()->default_value(64), "most lines a publisher has sent but not yet seen echoed")
    ("duration-limit", po::value<double>()->default_value(120), "hard stop for the whole run, seconds")
    ("connections", po::value<long long>()->default_value(1000), "idle: number of idle members")
    ("threads", po::value<long long>()->default_value(1), "threads running the client io_context")
    ("server-pid", po::value<long long>(), "server process to sample for CPU time and RSS via /proc");
  // clang-format on
  return flags;
}

template <class T>
T flag_in_range(const po::variables_map& flags, const char* name, T fallback, T low, T high) {
  const T value = flags.count(name) != 0 ? flags[name].as<T>() : fallback;
  if (!(value >= low && value <= high)) {
    std::ostringstream message;
    message << "--" << name << " must be between " << low << " and " << high << ", got " << value;
    throw UsageError(message.str());
  }
  return value;
}

std::size_t size_flag(const po::variables_map& flags, const char* name, long long low,
                      long long high) {
  return static_cast<std::size_t>(flag_in_range<long long>(flags, name, low, low, high));
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

Mode mode_from(const std::string& text) {
  if (text == "fanout") return Mode::fanout;
  if (text == "latency") return Mode::latency;
  if (text == "idle") return Mode::idle;
  throw UsageError("--mode must be fanout, latency or idle, got '" + text + "'");
}

// Returns nothing when --help was asked for. Throws UsageError or po::error on bad flags.
std::optional<Options> parse_options(int argc, char** argv) {
  const auto flags_description = describe_flags();
  po::variables_map flags;
  po::store(po::parse_command_line(argc, argv, flags_description), flags);
  po::notify(flags);
  if (flags.count("help") != 0) {
    std::cout << flags_description << '\n';
    return std::nullopt;
  }
  Options options;
  options.host = loopback_host(flags["host"].as<std::string>());
  options.port = static_cast<std::uint16_t>(flag_in_range<long long>(flags, "port", 0, 1, 65535));
  options.mode = mode_from(flags["mode"].as<std::string>());
  const bool latency = options.mode == Mode::latency;
  options.subscribers = size_flag(flags, "subscribers", 0, 100000);
  options.publishers = size_flag(flags, "publishers", 1, 10000);
  options.messages = static_cast<std::uint64_t>(
      flag_in_range<long long>(flags, "messages", latency ? 1000 : 20000, 1, 1000000000));
  options.bytes = size_flag(flags, "bytes", kMinPayloadBytes, kMaxPayloadBytes);
  options.rate = flag_in_range<double>(flags, "rate", latency ? 100.0 : 0.0, 0.0, 1e7);
  if (latency && options.rate <= 0) throw UsageError("--mode latency needs --rate > 0");
  options.window =
      static_cast<std::uint64_t>(flag_in_range<long long>(flags, "window", 0, 1, 1000000));
  options.duration_limit_s = flag_in_range<double>(flags, "duration-limit", 0, 0.1, 86400);
  options.connections = size_flag(flags, "connections", 1, 1000000);
  options.threads = static_cast<unsigned>(flag_in_range<long long>(flags, "threads", 1, 1, 64));
  if (flags.count("server-pid") != 0) {
    const auto pid = static_cast<int>(flag_in_range<long long>(flags, "server-pid", 0, 1, 1 << 22));
    if (!process_is_readable(pid)) {
      throw UsageError("--server-pid " + std::to_string(pid) + ": cannot read /proc/" +
                       std::to_string(pid) + "/stat");
    }
    options.server_pid = pid;
  }
  return options;
}

// ---------------------------------------------------------------------------------------------
// Latency histogram

// Log-linear microsecond histogram: exact below 32 us, then 32 buckets per power of two (each
// about 3 % wide) up to 2^64, so no value is ever clamped and merging is a plain sum.
class LatencyHistogram {
 public:
  void record(std::uint64_t micros) noexcept {
    ++counts_[bucket_of(micros)];
    ++count_;
    max_ = std::max(max_, micros);
  }

  void merge(const LatencyHistogram& other) noexcept {
    for (std::size_t bucket = 0; bucket < kBucketCount; ++bucket)
      counts_[bucket] += other.counts_[bucket];
    count_ += other.count_;
    max_ = std::max(max_, other.max_);
  }

  std::uint64_t count() const noexcept { return count_; }
  std::uint64_t max() const noexcept { return max_; }

  // Upper edge of the bucket holding the q-quantile, capped at the largest value recorded.
  std::uint64_t quantile(double q) const noexcept {
    if (count_ == 0) return 0;
    const auto rank = std::max<std::uint64_t>(
        1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_))));
    std::uint64_t seen = 0;
    for (std::size_t bucket = 0; bucket < kBucketCount; ++bucket) {
      seen += counts_[bucket];
      if (seen >= rank) return std::min(upper_edge(bucket), max_);
    }
    return max_;
  }

 private:
  static constexpr unsigned kSubBucketBits = 5;
  static constexpr std::uint64_t kSubBuckets = std::uint64_t{1} << kSubBucketBits;
  static constexpr std::size_t kBucketCount = (64 - kSubBucketBits + 1) * kSubBuckets;

  static std::size_t bucket_of(std::uint64_t micros) noexcept {
    if (micros < kSubBuckets) return static_cast<std::size_t>(micros);
    const auto shift = static_cast<unsigned>(std::bit_width(micros)) - 1 - kSubBucketBits;
    return static_cast<std::size_t>(((std::uint64_t{shift} + 1) << kSubBucketBits) +
                                    ((micros >> shift) - kSubBuckets));
  }

  static std::uint64_t upper_edge(std::size_t bucket) noexcept {
    if (bucket < kSubBuckets) return bucket;
    const auto shift = static_cast<unsigned>(bucket >> kSubBucketBits) - 1;
    const auto mantissa = (bucket & (kSubBuckets - 1)) + kSubBuckets;
    // Unsigned wrap-around makes the top bucket's edge UINT64_MAX, which is what it is.
    return ((std::uint64_t{mantissa} + 1) << shift) - 1;
  }

  std::array<std::uint64_t, kBucketCount> counts_{};
  std::uint64_t count_ = 0;
  std::uint64_t max_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Stamps: the text of every measured line

struct Stamp {
  std::uint64_t publisher = 0;
  std::uint64_t sequence = 0;
  std::uint64_t sent_ns = 0;
};

std::uint64_t now_ns() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
          .count());
}

void append_number(std::string& out, std::uint64_t value) {
  std::array<char, 24> digits{};
  const auto result = std::to_chars(digits.data(), digits.data() + digits.size(), value);
  out.append(digits.data(), result.ptr);
}

// Appends `p<publisher> s<sequence> t<sent_ns> xxx...\n` with the text padded to payload_bytes.
void append_stamp_line(std::string& out, const Stamp& stamp, std::size_t payload_bytes) {
  const auto begin = out.size();
  out += 'p';
  append_number(out, stamp.publisher);
  out += " s";
  append_number(out, stamp.sequence);
  out += " t";
  append_number(out, stamp.sent_ns);
  out += ' ';
  const auto written = out.size() - begin;
  if (written < payload_bytes) out.append(payload_bytes - written, 'x');
  out += '\n';
}

// The warm-up line `w<publisher>` proves the server relays that publisher to every member.
void append_warmup_line(std::string& out, std::uint64_t publisher) {
  out += 'w';
  append_number(out, publisher);
  out += '\n';
}

// Reads `<tag><digits>` at the front of text, and the single space after it if there is one.
bool take_field(std::string_view& text, char tag, std::uint64_t& value) {
  if (text.empty() || text.front() != tag) return false;
  const char* first = text.data() + 1;
  const auto [end, ec] = std::from_chars(first, text.data() + text.size(), value);
  if (ec != std::errc() || end == first) return false;
  text.remove_prefix(static_cast<std::size_t>(end - text.data()));
  if (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  return true;
}

std::optional<Stamp> parse_stamp(std::string_view text) {
  Stamp stamp;
  if (take_field(text, 'p', stamp.publisher) && take_field(text, 's', stamp.sequence) &&
      take_field(text, 't', stamp.sent_ns)) {
    return stamp;
  }
  return std::nullopt;
}

std::optional<std::uint64_t> parse_warmup(std::string_view text) {
  std::uint64_t publisher = 0;
  if (take_field(text, 'w', publisher) && text.empty()) return publisher;
  return std::nullopt;
}

// Strips the `<ip:port>:` the server puts before every relayed line. The sender's name is an
// IPv4 ip:port, so the text starts after the second ':'.
std::optional<std::string_view> relayed_text(std::string_view line) {
  const auto first = line.find(':');
  if (first == std::string_view::npos) return std::nullopt;
  const auto second = line.find(':', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  return line.substr(second + 1);
}

// ---------------------------------------------------------------------------------------------
// The run: its shape, its members and the counters they share

// What every member does, derived once from the flags.
struct Workload {
  std::size_t subscribers = 0;
  std::size_t publishers = 0;
  std::uint64_t messages = 0;
  std::size_t bytes = 0;
  double rate = 0;
  std::uint64_t window = 0;
  bool keep_histograms = true;  // idle runs keep one latency per member instead
  std::size_t read_buffer_bytes = kReadBufferBytes;
  bool spread_source_addresses = false;

  std::size_t members() const { return subscribers + publishers; }
  std::uint64_t expected_deliveries() const { return members() * publishers * messages; }
};

Workload workload_for(const Options& options) {
  Workload workload;
  workload.bytes = options.bytes;
  if (options.mode == Mode::idle) {
    // Idle is a fan-out of one line from one announcer to N silent members.
    workload.subscribers = options.connections;
    workload.publishers = 1;
    workload.messages = 1;
    workload.window = 1;
    workload.keep_histograms = false;
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

// Counters the members update from their own strands and the conductor polls.
struct Progress {
  std::atomic<std::size_t> warmed_up{0};  // members that have seen every publisher's warm-up line
  std::atomic<std::size_t> finished{0};   // members that have seen every publisher's last line
  std::atomic<std::size_t> publishers_done{0};
  std::atomic<std::uint64_t> last_read_ns{0};
  std::atomic<std::uint64_t> finished_ns{0};  // when the last member finished
};

using Strand = asio::strand<asio::io_context::executor_type>;

// One client connection. All fields except the atomic are touched only on the member's strand,
// or by the main thread once the io_context has stopped.
struct Member {
  Member(asio::io_context& ioc, const Workload& workload,
         std::optional<std::uint64_t> publisher_index,
         std::optional<asio::ip::address_v4> source_address)
      : strand(asio::make_strand(ioc)),
        socket(strand),
        wake(strand),
        publisher(publisher_index),
        source(source_address),
        next_sequence(workload.publishers, 0),
        warmup_seen(workload.publishers, false) {
    if (workload.keep_histograms) latency = std::make_unique<LatencyHistogram>();
  }

  Strand strand;
  tcp::socket socket;
  asio::steady_timer wake;  // the publisher loop sleeps on it: start, window opened, stop
  std::optional<std::uint64_t> publisher;
  std::optional<asio::ip::address_v4> source;
  bool closed = false;  // no more traffic: stopped by us or ended by the server
  std::string failure;  // why the server side ended it, if it did

  // Receiving
  std::vector<std::uint64_t> next_sequence;  // per publisher
  std::vector<bool> warmup_seen;             // per publisher
  std::size_t warmups_seen = 0;
  std::size_t publishers_complete = 0;
  std::uint64_t deliveries = 0;
  std::uint64_t lost = 0;
  std::uint64_t reordered = 0;
  std::uint64_t ignored_lines = 0;
  std::unique_ptr<LatencyHistogram> latency;
  std::uint64_t last_latency_us = 0;
  std::atomic<bool> own_warmup_echoed{false};

  // Publishing
  std::uint64_t sent = 0;
  bool start_requested = false;
  bool waiting_for_window = false;
  Clock::time_point start_time;
};

enum class RunEnd { not_started, finished, quiet, deadline };

// What the conductor saw; read by the main thread after the io_context has stopped.
struct Timeline {
  std::string setup_status;  // empty when connecting and warming up worked
  std::string setup_detail;
  RunEnd end = RunEnd::not_started;
  std::uint64_t start_ns = 0;
  std::uint64_t end_ns = 0;
  ServerSample before_connect;
  ServerSample after_warmup;
  ServerSample after_run;
};

// Everything a run shares. It lives in run_benchmark's frame, which outlives every coroutine,
// so coroutines hold references to it.
struct Run {
  Options options;
  Workload workload;
  tcp::endpoint server;
  Clock::time_point deadline;
  Progress progress;
  std::vector<std::unique_ptr<Member>> members;  // subscribers first, then publishers
  Timeline timeline;

  Member& publisher(std::size_t index) { return *members[workload.subscribers + index]; }
};

std::optional<asio::ip::address_v4> source_address_for(const Workload& workload,
                                                       std::size_t member) {
  if (!workload.spread_source_addresses) return std::nullopt;
  const auto offset = static_cast<std::uint32_t>(member / kConnectionsPerSourceAddress);
  return asio::ip::address_v4(asio::ip::address_v4::loopback().to_uint() + 1 + offset);
}

void create_members(Run& run, asio::io_context& ioc) {
  const Workload& workload = run.workload;
  run.members.reserve(workload.members());
  for (std::size_t index = 0; index < workload.members(); ++index) {
    std::optional<std::uint64_t> publisher;
    if (index >= workload.subscribers) publisher = index - workload.subscribers;
    run.members.push_back(
        std::make_unique<Member>(ioc, workload, publisher, source_address_for(workload, index)));
  }
}

// ---------------------------------------------------------------------------------------------
// Receiving

void note_member_finished(Run& run, std::uint64_t received_ns) {
  if (run.progress.finished.fetch_add(1) + 1 == run.workload.members()) {
    run.progress.finished_ns.store(received_ns);
  }
}

// Advances the member's view of one publisher's stream: a jump forward is a gap (lost lines),
// a step back is a late line that fills a gap (reordered, and so no longer lost).
void track_sequence(Member& member, Run& run, const Stamp& stamp, std::uint64_t received_ns) {
  auto& next = member.next_sequence[stamp.publisher];
  if (stamp.sequence < next) {
    ++member.reordered;
    if (member.lost > 0) --member.lost;
    return;
  }
  member.lost += stamp.sequence - next;
  next = stamp.sequence + 1;
  if (next == run.workload.messages && ++member.publishers_complete == run.workload.publishers) {
    note_member_finished(run, received_ns);
  }
}

void wake_publisher_waiting_for_window(Member& member) {
  if (!member.waiting_for_window) return;
  member.waiting_for_window = false;
  member.wake.cancel();
}

void record_stamp(Member& member, Run& run, const Stamp& stamp, std::uint64_t received_ns) {
  const Workload& workload = run.workload;
  if (stamp.publisher >= workload.publishers || stamp.sequence >= workload.messages) {
    ++member.ignored_lines;
    return;
  }
  ++member.deliveries;
  member.last_latency_us = received_ns > stamp.sent_ns ? (received_ns - stamp.sent_ns) / 1000 : 0;
  if (member.latency) member.latency->record(member.last_latency_us);
  track_sequence(member, run, stamp, received_ns);
  if (member.publisher == stamp.publisher) wake_publisher_waiting_for_window(member);
}

void record_warmup(Member& member, Run& run, std::uint64_t publisher) {
  if (publisher >= run.workload.publishers || member.warmup_seen[publisher]) return;
  member.warmup_seen[publisher] = true;
  if (member.publisher == publisher) member.own_warmup_echoed.store(true);
  if (++member.warmups_seen == run.workload.publishers) run.progress.warmed_up.fetch_add(1);
}

void handle_line(Member& member, Run& run, std::string_view line, std::uint64_t received_ns) {
  const auto text = relayed_text(line);
  if (!text) {
    ++member.ignored_lines;
  } else if (const auto stamp = parse_stamp(*text)) {
    record_stamp(member, run, *stamp, received_ns);
  } else if (const auto publisher = parse_warmup(*text)) {
    record_warmup(member, run, *publisher);
  } else {
    ++member.ignored_lines;  // a notice, an error, or a line of someone else's
  }
}

// Handles every complete line in bytes; returns how many bytes they took.
std::size_t handle_lines(Member& member, Run& run, std::string_view bytes,
                         std::uint64_t received_ns) {
  std::size_t consumed = 0;
  for (auto newline = bytes.find('\n'); newline != std::string_view::npos;
       newline = bytes.find('\n', consumed)) {
    handle_line(member, run, bytes.substr(consumed, newline - consumed), received_ns);
    consumed = newline + 1;
  }
  return consumed;
}

// The connection ended without us closing it: the server evicted or dropped the member.
void note_connection_lost(Member& member, std::string why) {
  if (member.closed) return;
  member.closed = true;
  member.failure = std::move(why);
  member.wake.cancel();  // a publisher waiting for its own echo would otherwise wait forever
}

// Reads until the socket closes. Reads take up to a whole buffer and lines are split by hand,
// so a burst of relayed lines costs one system call; all lines of one read share a receive time.
asio::awaitable<void> receive_lines(Member& member, Run& run) {
  std::vector<char> buffer(run.workload.read_buffer_bytes);
  std::size_t filled = 0;
  while (!member.closed) {
    const auto free_space = asio::buffer(buffer.data() + filled, buffer.size() - filled);
    auto [ec, received] =
        co_await member.socket.async_read_some(free_space, asio::as_tuple(asio::use_awaitable));
    if (ec) {
      note_connection_lost(member, "read: " + ec.message());
      co_return;
    }
    filled += received;
    const auto received_ns = now_ns();
    run.progress.last_read_ns.store(received_ns, std::memory_order_relaxed);
    const auto consumed =
        handle_lines(member, run, std::string_view(buffer.data(), filled), received_ns);
    if (consumed == 0 && filled == buffer.size()) {
      note_connection_lost(member, "received a line longer than the read buffer");
      co_return;
    }
    std::memmove(buffer.data(), buffer.data() + consumed, filled - consumed);
    filled -= consumed;
  }
}

// ---------------------------------------------------------------------------------------------
// Publishing

asio::awaitable<void> sleep_until(Member& member, Clock::time_point when) {
  member.wake.expires_at(when);
  co_await member.wake.async_wait(asio::as_tuple(asio::use_awaitable));
}

// Sleeps until the reader sees one of this publisher's own lines come back (or until stop).
asio::awaitable<void> wait_for_window(Member& member) {
  member.waiting_for_window = true;
  member.wake.expires_at(Clock::time_point::max());
  co_await member.wake.async_wait(asio::as_tuple(asio::use_awaitable));
  member.waiting_for_window = false;
}

std::uint64_t in_flight(const Member& member) {
  const auto echoed = member.next_sequence[*member.publisher];
  return member.sent > echoed ? member.sent - echoed : 0;
}

// Paced publishers are offset from each other so that together they send at an even rate.
Clock::time_point scheduled_send_time(const Member& member, const Workload& workload) {
  const double slot =
      static_cast<double>(*member.publisher) / static_cast<double>(workload.publishers);
  const double seconds = (static_cast<double>(member.sent) + slot) / workload.rate;
  return member.start_time +
         std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

// Paced publishers send one line per write; unpaced ones fill the open window in one write.
std::uint64_t lines_to_send_now(const Member& member, const Workload& workload) {
  if (workload.rate > 0) return 1;
  return std::min(workload.window - in_flight(member), workload.messages - member.sent);
}

// Repeats `w<publisher>` until the conductor says start; false if the member closed first.
asio::awaitable<bool> repeat_warmup_until_started(Member& member, Run& run) {
  std::string line;
  append_warmup_line(line, *member.publisher);
  const auto attempts =
      static_cast<std::uint64_t>(run.options.duration_limit_s /
                                 std::chrono::duration<double>(kWarmupInterval).count()) +
      2;
  for (std::uint64_t attempt = 0; attempt < attempts && !member.start_requested && !member.closed;
       ++attempt) {
    auto [ec, written] = co_await asio::async_write(member.socket, asio::buffer(line),
                                                    asio::as_tuple(asio::use_awaitable));
    if (ec) {
      note_connection_lost(member, "write: " + ec.message());
      co_return false;
    }
    if (member.start_requested || member.closed) break;  // a start during the write must not wait
    co_await sleep_until(member, Clock::now() + kWarmupInterval);
  }
  co_return member.start_requested && !member.closed;
}

// Sends the measured lines. Each pass either writes at least one line or sleeps until a wake-up
// (an echo, the pacing clock, or stop), so the loop is bounded by messages and by the deadline.
asio::awaitable<void> send_stamped_lines(Member& member, Run& run) {
  const Workload& workload = run.workload;
  std::string batch;
  batch.reserve((workload.rate > 0 ? 1 : workload.window) * (workload.bytes + 1));
  while (member.sent < workload.messages && !member.closed) {
    if (in_flight(member) >= workload.window) {
      co_await wait_for_window(member);
      continue;
    }
    if (workload.rate > 0) {
      const auto due = scheduled_send_time(member, workload);
      if (Clock::now() < due) {
        co_await sleep_until(member, due);
        continue;
      }
    }
    const auto count = lines_to_send_now(member, workload);
    const auto sent_ns = now_ns();
    batch.clear();
    for (std::uint64_t line = 0; line < count; ++line) {
      const Stamp stamp{*member.publisher, member.sent + line, sent_ns};
      append_stamp_line(batch, stamp, workload.bytes);
    }
    member.sent += count;  // before the write: echoes may arrive while it is in progress
    auto [ec, written] = co_await asio::async_write(member.socket, asio::buffer(batch),
                                                    asio::as_tuple(asio::use_awaitable));
    if (ec) {
      note_connection_lost(member, "write: " + ec.message());
      co_return;
    }
  }
  if (member.sent == workload.messages) run.progress.publishers_done.fetch_add(1);
}

asio::awaitable<void> publish(Member& member, Run& run) {
  const bool started = co_await repeat_warmup_until_started(member, run);
  if (started) co_await send_stamped_lines(member, run);
}

// ---------------------------------------------------------------------------------------------
// Conducting: connect, warm up, measure, stop

// Completion handler for member coroutines. They report failures through their state, so an
// exception is a bug: say so rather than lose it.
auto report_escaped_exception(std::string_view what) {
  return [what](std::exception_ptr error) {
    if (!error) return;
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      std::cerr << "chat-bench: " << what << " failed: " << e.what() << '\n';
    }
  };
}

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
  const auto executor = co_await asio::this_coro::executor;
  asio::steady_timer limit(executor, run.deadline);
  auto outcome =
      co_await (member.socket.async_connect(run.server, asio::as_tuple(asio::use_awaitable)) ||
                limit.async_wait(asio::as_tuple(asio::use_awaitable)));
  if (outcome.index() == 1) co_return "connect: timed out at the duration limit";
  if (const auto [connect_ec] = std::get<0>(outcome); connect_ec)
    co_return "connect: " + connect_ec.message();
  member.socket.set_option(tcp::no_delay(true), ec);
  if (ec) co_return "TCP_NODELAY: " + ec.message();
  co_return std::nullopt;
}

// Members [next, last) still to connect; shared by the connect workers on the conductor strand.
struct ConnectQueue {
  std::size_t next = 0;
  std::size_t last = 0;
  std::string first_failure;
};

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
    asio::co_spawn(member.strand, receive_lines(member, run), report_escaped_exception("reader"));
  }
}

// Connects members [first, last) with at most kMaxConnectsInFlight handshakes at a time.
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

// Polls `done` every millisecond until it holds or the deadline passes. The members report
// through atomics, so polling keeps every cross-strand wake-up out of the hot path.
template <class Predicate>
asio::awaitable<bool> poll_until(Predicate done, Clock::time_point deadline) {
  const auto executor = co_await asio::this_coro::executor;
  asio::steady_timer tick(executor);
  while (!done()) {
    if (Clock::now() >= deadline) co_return false;
    tick.expires_after(kPollInterval);
    co_await tick.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  co_return true;
}

void spawn_publisher(Member& member, Run& run) {
  asio::co_spawn(member.strand, publish(member, run), report_escaped_exception("publisher"));
}

// The last publisher connected last, so once its own warm-up line comes back, a server that
// registers members in accept order (the Go tutorial) has registered everyone, and the other
// publishers can broadcast without racing its accept loop (its member map has no lock). Then
// all publishers repeat their warm-up line until every member has seen every publisher's.
asio::awaitable<bool> warm_up(Run& run) {
  Member& last_publisher = run.publisher(run.workload.publishers - 1);
  spawn_publisher(last_publisher, run);
  auto last_publisher_echoed = [&last_publisher] {
    return last_publisher.own_warmup_echoed.load();
  };
  const bool registered = co_await poll_until(last_publisher_echoed, run.deadline);
  if (!registered) co_return false;
  for (std::size_t index = 0; index + 1 < run.workload.publishers; ++index) {
    spawn_publisher(run.publisher(index), run);
  }
  auto everyone_warm = [&run] { return run.progress.warmed_up.load() == run.workload.members(); };
  co_return co_await poll_until(everyone_warm, run.deadline);
}

void start_publishers(Run& run, Clock::time_point start) {
  for (std::size_t index = 0; index < run.workload.publishers; ++index) {
    Member& member = run.publisher(index);
    asio::post(member.strand, [&member, start] {
      member.start_time = start;
      member.start_requested = true;
      member.wake.cancel();
    });
  }
}

// A paced run may legitimately be quiet for a few send intervals.
Clock::duration quiet_period(const Workload& workload) {
  if (workload.rate <= 0) return kMinQuietPeriod;
  const auto intervals = std::chrono::duration<double>(5.0 / workload.rate);
  return std::max<Clock::duration>(kMinQuietPeriod,
                                   std::chrono::duration_cast<Clock::duration>(intervals));
}

asio::awaitable<RunEnd> wait_for_deliveries(Run& run) {
  const auto executor = co_await asio::this_coro::executor;
  asio::steady_timer tick(executor);
  const auto quiet_ns = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(quiet_period(run.workload)).count());
  while (Clock::now() < run.deadline) {
    if (run.progress.finished.load() == run.workload.members()) co_return RunEnd::finished;
    // Load before reading the clock: a reader on another thread may store a later time.
    const auto last_read_ns = run.progress.last_read_ns.load();
    const auto now = now_ns();
    if (now > last_read_ns && now - last_read_ns > quiet_ns) co_return RunEnd::quiet;
    tick.expires_after(kPollInterval);
    co_await tick.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  co_return RunEnd::deadline;
}

// Closes every member on its own strand; once all coroutines have unwound the io_context runs
// out of work and run() returns.
void stop_members(Run& run) {
  for (auto& member_pointer : run.members) {
    Member& member = *member_pointer;
    asio::post(member.strand, [&member] {
      member.closed = true;
      error_code ignored;
      member.socket.close(ignored);
      member.wake.cancel();
    });
  }
}

asio::awaitable<void> measure(Run& run) {
  Timeline& timeline = run.timeline;
  timeline.after_warmup = sample_server(run.options.server_pid);
  const auto start = Clock::now();
  timeline.start_ns = now_ns();
  run.progress.last_read_ns.store(timeline.start_ns);
  start_publishers(run, start);
  timeline.end = co_await wait_for_deliveries(run);
  timeline.end_ns = timeline.end == RunEnd::finished ? run.progress.finished_ns.load() : now_ns();
  timeline.after_run = sample_server(run.options.server_pid);
}

// Connects subscribers, then publishers, then warms up; records why it failed, if it did.
asio::awaitable<bool> set_up(Run& run) {
  Timeline& timeline = run.timeline;
  const auto subscribers = run.workload.subscribers;
  auto failure = co_await connect_members(run, 0, subscribers);
  if (!failure) failure = co_await connect_members(run, subscribers, run.workload.members());
  if (failure) {
    timeline.setup_status = "connect_failed";
    timeline.setup_detail = *failure;
    co_return false;
  }
  const bool warm = co_await warm_up(run);
  if (!warm) {
    timeline.setup_status = "timeout";
    timeline.setup_detail =
        "warm-up: not every member saw every publisher's warm-up line within the duration limit";
  }
  co_return warm;
}

// GCC 12 miscompiles a co_await inside an if condition (the coroutine crashes), so every
// awaited result lands in a named local before it is tested.
asio::awaitable<void> conduct(Run& run) {
  run.timeline.before_connect = sample_server(run.options.server_pid);
  const bool ready = co_await set_up(run);
  if (ready) co_await measure(run);
  stop_members(run);
}

// ---------------------------------------------------------------------------------------------
// Results

struct Totals {
  std::uint64_t deliveries = 0;
  std::uint64_t lost = 0;
  std::uint64_t reordered = 0;
  std::uint64_t ignored_lines = 0;
  std::uint64_t disconnected = 0;
  std::string first_disconnect;
  LatencyHistogram latency;
};

void add_member(Totals& totals, const Member& member, const Workload& workload) {
  totals.deliveries += member.deliveries;
  totals.lost += member.lost;
  for (const auto next : member.next_sequence)
    totals.lost += workload.messages - next;  // never came
  totals.reordered += member.reordered;
  totals.ignored_lines += member.ignored_lines;
  if (!member.failure.empty()) {
    ++totals.disconnected;
    if (totals.first_disconnect.empty()) totals.first_disconnect = member.failure;
  }
  if (member.latency) {
    totals.latency.merge(*member.latency);
  } else if (member.deliveries > 0) {
    totals.latency.record(member.last_latency_us);
  }
}

Totals add_up(const Run& run) {
  Totals totals;
  for (const auto& member : run.members) add_member(totals, *member, run.workload);
  return totals;
}

struct Verdict {
  std::string status;
  std::string detail;
};

Verdict judge(const Run& run, const Totals& totals) {
  const Timeline& timeline = run.timeline;
  if (!timeline.setup_status.empty()) return {timeline.setup_status, timeline.setup_detail};
  if (timeline.end == RunEnd::deadline) {
    return {"timeout", "the duration limit passed before every member had every line"};
  }
  if (totals.disconnected > 0) {
    return {"loss", std::to_string(totals.disconnected) +
                        " member(s) lost their connection (first: " + totals.first_disconnect +
                        ")"};
  }
  if (timeline.end == RunEnd::quiet &&
      run.progress.publishers_done.load() < run.workload.publishers) {
    return {"stalled",
            "no delivery for " +
                std::to_string(std::chrono::duration<double>(quiet_period(run.workload)).count()) +
                " s while publishers still had lines to send"};
  }
  if (totals.lost > 0 || timeline.end == RunEnd::quiet) {
    return {"loss", std::to_string(totals.lost) + " of " +
                        std::to_string(run.workload.expected_deliveries()) +
                        " deliveries never arrived"};
  }
  if (totals.reordered > 0)
    return {"reordered", std::to_string(totals.reordered) + " lines arrived out of order"};
  return {"ok", "every member received every line"};
}

std::string fixed(double value, int decimals) {
  if (!std::isfinite(value)) return "null";
  std::array<char, 64> text{};
  const auto result = std::to_chars(text.data(), text.data() + text.size(), value,
                                    std::chars_format::fixed, decimals);
  if (result.ec != std::errc()) return "null";
  return std::string(text.data(), result.ptr);
}

// Builds one JSON object on one line; optional values print as null.
class JsonLine {
 public:
  JsonLine& text(std::string_view key, std::string_view value) {
    start(key);
    body_ += '"';
    body_ += value;  // callers pass fixed identifiers, nothing that needs escaping
    body_ += '"';
    return *this;
  }
  JsonLine& count(std::string_view key, std::uint64_t value) {
    start(key);
    append_number(body_, value);
    return *this;
  }
  JsonLine& number(std::string_view key, std::optional<double> value, int decimals) {
    start(key);
    body_ += value ? fixed(*value, decimals) : "null";
    return *this;
  }
  std::string str() const { return body_ + "}"; }

 private:
  void start(std::string_view key) {
    body_ += body_.size() > 1 ? ",\"" : "\"";
    body_ += key;
    body_ += "\":";
  }
  std::string body_ = "{";
};

// The figures both outputs print, computed once.
struct Figures {
  double elapsed_s = 0;
  std::optional<double> deliveries_per_s;
  std::optional<double> server_cpu_s;
  std::optional<double> server_cpu_s_per_million;
  std::optional<double> server_rss_kb;
  std::optional<double> server_hwm_kb;
  std::optional<double> rss_per_conn_kb;
};

std::optional<double> difference(std::optional<double> after, std::optional<double> before) {
  if (!after || !before) return std::nullopt;
  return *after - *before;
}

std::optional<double> as_double(std::optional<std::uint64_t> value) {
  if (!value) return std::nullopt;
  return static_cast<double>(*value);
}

Figures compute_figures(const Run& run, const Totals& totals) {
  const Timeline& timeline = run.timeline;
  Figures figures;
  if (timeline.end == RunEnd::not_started) return figures;
  figures.elapsed_s = static_cast<double>(timeline.end_ns - timeline.start_ns) / 1e9;
  const auto deliveries = static_cast<double>(totals.deliveries);
  if (figures.elapsed_s > 0) figures.deliveries_per_s = deliveries / figures.elapsed_s;
  figures.server_cpu_s = difference(timeline.after_run.cpu_s, timeline.after_warmup.cpu_s);
  if (figures.server_cpu_s && totals.deliveries > 0) {
    figures.server_cpu_s_per_million = *figures.server_cpu_s / deliveries * 1e6;
  }
  figures.server_rss_kb = as_double(timeline.after_run.rss_kb);
  figures.server_hwm_kb = as_double(timeline.after_run.hwm_kb);
  if (run.options.mode == Mode::idle) {
    const auto growth = difference(as_double(timeline.after_warmup.rss_kb),
                                   as_double(timeline.before_connect.rss_kb));
    if (growth) figures.rss_per_conn_kb = *growth / static_cast<double>(run.options.connections);
  }
  return figures;
}

std::optional<double> latency_figure(const Totals& totals, double quantile) {
  if (totals.latency.count() == 0) return std::nullopt;
  return static_cast<double>(quantile >= 1 ? totals.latency.max()
                                           : totals.latency.quantile(quantile));
}

std::string json_report(const Run& run, const Totals& totals, const Figures& figures,
                        const Verdict& verdict) {
  const Workload& workload = run.workload;
  const bool idle = run.options.mode == Mode::idle;
  std::optional<double> broadcast_ms;
  if (idle && run.timeline.end == RunEnd::finished) broadcast_ms = figures.elapsed_s * 1000;
  JsonLine json;
  json.text("mode", mode_name(run.options.mode))
      .text("status", verdict.status)
      .count("subscribers", workload.subscribers)
      .count("publishers", workload.publishers)
      .count("messages", workload.messages)
      .count("bytes", workload.bytes)
      .number("rate", workload.rate, 1)
      .count("window", workload.window)
      .count("connections", idle ? run.options.connections : workload.members())
      .count("threads", run.options.threads)
      .count("deliveries", totals.deliveries)
      .count("expected_deliveries", workload.expected_deliveries())
      .count("lost", totals.lost)
      .count("reordered", totals.reordered)
      .count("disconnected", totals.disconnected)
      .number("elapsed_s", figures.elapsed_s, 6)
      .number("deliveries_per_s", figures.deliveries_per_s, 0)
      .number("p50_us", latency_figure(totals, 0.50), 0)
      .number("p99_us", latency_figure(totals, 0.99), 0)
      .number("p999_us", latency_figure(totals, 0.999), 0)
      .number("max_us", latency_figure(totals, 1.0), 0)
      .number("server_cpu_s", figures.server_cpu_s, 3)
      .number("server_cpu_s_per_million", figures.server_cpu_s_per_million, 4)
      .number("server_rss_kb", figures.server_rss_kb, 0)
      .number("server_hwm_kb", figures.server_hwm_kb, 0)
      .number("rss_per_conn_kb", figures.rss_per_conn_kb, 2)
      .number("broadcast_ms", broadcast_ms, 3);
  return json.str();
}

std::string optional_text(std::optional<double> value, int decimals, std::string_view unit) {
  if (!value) return "n/a";
  return fixed(*value, decimals) + std::string(unit);
}

void print_workload(std::ostream& out, const Run& run) {
  const Workload& workload = run.workload;
  out << "chat-bench " << mode_name(run.options.mode) << " against " << run.server << ": ";
  if (run.options.mode == Mode::idle) {
    out << workload.subscribers << " idle members and 1 announcer sending one " << workload.bytes
        << " B line\n";
    return;
  }
  out << workload.members() << " members (" << workload.subscribers << " subscribers + "
      << workload.publishers << " publishers), " << workload.messages << " lines x "
      << workload.bytes << " B per publisher, "
      << (workload.rate > 0 ? fixed(workload.rate, 1) + " lines/s each" : std::string("unpaced"))
      << ", window " << workload.window << '\n';
}

void print_server(std::ostream& out, const Run& run, const Figures& figures) {
  out << "  server pid " << *run.options.server_pid << ": "
      << optional_text(figures.server_cpu_s, 3, " CPU-s") << " ("
      << optional_text(figures.server_cpu_s_per_million, 4, " CPU-s per million deliveries")
      << "), RSS " << optional_text(figures.server_rss_kb, 0, " kB") << " (peak "
      << optional_text(figures.server_hwm_kb, 0, " kB") << ")";
  if (run.options.mode == Mode::idle) {
    out << ", " << optional_text(figures.rss_per_conn_kb, 2, " kB per connection");
  }
  out << '\n';
}

void print_summary(std::ostream& out, const Run& run, const Totals& totals, const Figures& figures,
                   const Verdict& verdict) {
  print_workload(out, run);
  out << "  delivered " << totals.deliveries << " of " << run.workload.expected_deliveries()
      << " in " << fixed(figures.elapsed_s, 3)
      << " s = " << optional_text(figures.deliveries_per_s, 0, " deliveries/s") << "; lost "
      << totals.lost << ", reordered " << totals.reordered << ", disconnected "
      << totals.disconnected << ", ignored lines " << totals.ignored_lines << '\n';
  out << "  latency: p50 " << optional_text(latency_figure(totals, 0.5), 0, " us") << ", p99 "
      << optional_text(latency_figure(totals, 0.99), 0, " us") << ", p99.9 "
      << optional_text(latency_figure(totals, 0.999), 0, " us") << ", max "
      << optional_text(latency_figure(totals, 1.0), 0, " us") << '\n';
  if (run.options.server_pid) print_server(out, run, figures);
  out << "  result: " << verdict.status << ": " << verdict.detail << '\n';
}

// ---------------------------------------------------------------------------------------------
// Process set-up and main

// Idle runs hold thousands of sockets, and the soft limit is often far below the hard one.
rlim_t raise_open_file_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  const rlim_t soft = limit.rlim_cur;
  limit.rlim_cur = limit.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) return soft;
  return limit.rlim_cur;
}

void require_descriptors(std::size_t members) {
  const auto limit = raise_open_file_limit();
  const auto needed = members + kSpareDescriptors;
  if (limit != RLIM_INFINITY && limit < needed) {
    throw UsageError(std::to_string(members) + " connections need about " + std::to_string(needed) +
                     " file descriptors, but RLIMIT_NOFILE's hard limit is " +
                     std::to_string(limit));
  }
}

void run_io(asio::io_context& ioc, unsigned threads, Clock::time_point hard_stop) {
  std::vector<std::jthread> helpers;
  for (unsigned thread = 1; thread < threads; ++thread) {
    helpers.emplace_back([&ioc, hard_stop] { ioc.run_until(hard_stop); });
  }
  ioc.run_until(hard_stop);
}

int run_benchmark(const Options& options) {
  const auto workload = workload_for(options);
  require_descriptors(workload.members());
  const auto began = Clock::now();
  const auto limit = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(options.duration_limit_s));
  asio::io_context ioc(static_cast<int>(options.threads));
  // Declared after the io_context so that its sockets are destroyed first.
  Run run{options, workload, tcp::endpoint(options.host, options.port), began + limit, {}, {}, {}};
  create_members(run, ioc);
  const auto conductor = asio::make_strand(ioc);
  asio::co_spawn(conductor, conduct(run), [&run](std::exception_ptr error) {
    if (!error) return;
    run.timeline.setup_status = "error";
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      run.timeline.setup_detail = e.what();
    }
  });
  run_io(ioc, options.threads, run.deadline + kShutdownGrace);
  if (!ioc.stopped()) {
    ioc.stop();
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

int main(int argc, char** argv) {
  std::optional<Options> options;
  try {
    options = parse_options(argc, argv);
    if (!options) return 0;
    return run_benchmark(*options);
  } catch (const UsageError& e) {
    std::cerr << "chat-bench: " << e.what() << "\nTry 'chat-bench --help'.\n";
    return 2;
  } catch (const po::error& e) {
    std::cerr << "chat-bench: " << e.what() << "\nTry 'chat-bench --help'.\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "chat-bench: " << e.what() << '\n';
    return 1;
  }
}
