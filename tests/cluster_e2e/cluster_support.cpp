// The cluster suite's node process and reading helpers; see cluster_support.hpp.
#include "cluster_e2e/cluster_support.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <exception>
#include <stdexcept>

#include "support/free_port.hpp"
#include "support/http_exchange.hpp"
#include "support/proc_stats.hpp"

namespace chatd::test {

using namespace std::chrono_literals;

namespace {

constexpr int start_attempts = 5;

bool healthy(std::uint16_t web_port) {
  try {
    return http_get(web_port, "/healthz").status_line == "HTTP/1.1 200 OK";
  } catch (const std::exception&) {
    return false;  // not listening yet
  }
}

}  // namespace


// --- ChatdNode ---

ChatdNode::ChatdNode(std::string redis_url, std::string node_id, std::vector<std::string> flags,
                     Link link)
    : id_(std::move(node_id)) {
  for (int attempt = 0; attempt < start_attempts; ++attempt) {
    port_ = free_port();
    web_port_ = free_port();
    std::vector<std::string> args = {"--port",    std::to_string(port_),
                                     "--web",     "127.0.0.1:" + std::to_string(web_port_),
                                     "--irc",     "off",
                                     "--threads", "4",
                                     "--redis",   redis_url,
                                     "--node-id", id_};
    args.insert(args.end(), flags.begin(), flags.end());
    if (start(args, link)) return;
  }
  throw std::runtime_error("node " + id_ + " did not start in " + std::to_string(start_attempts) +
                           " attempts; its last log:\n" + log());
}

bool ChatdNode::start(const std::vector<std::string>& args, Link link) {
  drainer_ = {};  // joins the previous attempt's drainer
  {
    std::lock_guard lock(mutex_);
    process_ = std::make_unique<ChildProcess>(CHATD_BINARY, args);
  }
  exited_ = false;
  drainer_ = std::jthread([this](std::stop_token stop) {
    while (!stop.stop_requested()) {
      drain();
      std::this_thread::sleep_for(20ms);
    }
  });
  const auto deadline = Clock::now() + scaled(10s);
  bool serving = false;
  while (Clock::now() < deadline && is_running(pid())) {
    serving = serving || healthy(web_port_);
    if (serving && (link == Link::not_expected || log_count("cluster: linked") > 0)) return true;
    std::this_thread::sleep_for(20ms);
  }
  if (is_running(pid())) {
    kill();
    throw std::runtime_error("node " + id_ +
                             (serving ? " serves but never linked" : " never served") +
                             "; its log:\n" + log());
  }
  const auto status = wait_for_exit(5s);
  if (status == 1 && log().find("Address already in use") != std::string::npos) return false;
  throw std::runtime_error("node " + id_ + " exited at start (status " +
                           (status ? std::to_string(*status) : "none") + "); its log:\n" + log());
}

ChatdNode::~ChatdNode() {
  if (running()) {
    const auto status = stop();
    EXPECT_EQ(status, 0) << "node " << id_ << " did not stop cleanly at the end; its log:\n"
                         << log();
  }
  drainer_ = {};
  expect_no_sanitizer_report();
}

void ChatdNode::drain() {
  std::lock_guard lock(mutex_);
  process_->error_output();
}

std::string ChatdNode::log() const {
  std::lock_guard lock(mutex_);
  return process_->error_output();
}

std::size_t ChatdNode::log_count(std::string_view text) const {
  const std::string everything = log();
  std::size_t count = 0;
  for (auto at = everything.find(text); at != std::string::npos;
       at = everything.find(text, at + text.size()))
    ++count;
  return count;
}

bool ChatdNode::wait_for_log(std::string_view text, std::chrono::milliseconds timeout,
                             std::size_t times) const {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (log_count(text) >= times) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
}

std::optional<int> ChatdNode::wait_for_exit(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      // wait_exit() drains stderr while it waits, and reaps the child.
      if (const auto status = process_->wait_exit(20ms)) {
        exited_ = true;
        return status;
      }
    }
    if (!is_running(pid())) {
      std::lock_guard lock(mutex_);
      const auto status = process_->wait_exit(20ms);  // reaps a child killed by a signal
      exited_ = true;
      return status;
    }
    if (Clock::now() >= deadline) return std::nullopt;
  }
}

std::optional<int> ChatdNode::stop(std::chrono::milliseconds within) {
  process_->signal(SIGCONT);  // a paused node could not act on SIGTERM
  process_->signal(SIGTERM);
  const auto status = wait_for_exit(within);
  if (!status && running()) kill();
  return status;
}

void ChatdNode::kill() {
  process_->signal(SIGKILL);
  wait_for_exit(scaled(10s));
}

void ChatdNode::pause() const {
  process_->signal(SIGSTOP);
}

void ChatdNode::resume() const {
  process_->signal(SIGCONT);
}

void ChatdNode::expect_no_sanitizer_report() const {
  const std::string everything = log();
  for (const char* report :
       {"ERROR: AddressSanitizer", "runtime error:", "WARNING: ThreadSanitizer", "LeakSanitizer"}) {
    EXPECT_EQ(everything.find(report), std::string::npos)
        << "node " << id_ << " reported '" << report << "'; its log:\n"
        << everything;
  }
}

AliceAndBob::AliceAndBob(const std::string& redis_url, const std::vector<std::string>& flags)
    : node_a(redis_url, "node-a", flags),
      node_b(redis_url, "node-b", flags),
      alice(node_a.connect()),
      bob(node_b.connect()) {
  if (const auto named = set_nick(*alice, "alice"); !named)
    throw std::runtime_error(std::string("alice: ") + named.message());
  if (const auto named = set_nick(*bob, "bob"); !named)
    throw std::runtime_error(std::string("bob: ") + named.message());
  const std::string both = "* 2 in lobby: alice bob";
  const std::string who =
      ask_who_until(*alice, [&](const std::string& reply) { return reply == both; });
  if (who != both) throw std::runtime_error("alice's /who never listed both: " + who);
}

Refusal run_chatd_until_exit(const std::vector<std::string>& args,
                             std::chrono::milliseconds timeout) {
  ChildProcess chatd(CHATD_BINARY, args);
  Refusal refusal;
  const auto deadline = Clock::now() + timeout;
  while (!refusal.status && Clock::now() < deadline) {
    const bool exited = !is_running(chatd.pid());  // before the wait, which then reaps it
    refusal.status = chatd.wait_exit(20ms);
    if (exited) break;  // by a signal, when there is no status
  }
  refusal.error_output = chatd.error_output();
  return refusal;  // ~ChildProcess kills it if it still runs
}

// --- reading ---

bool is_who_reply(std::string_view line) {
  if (!line.starts_with("* ")) return false;
  line.remove_prefix(2);
  const auto digits = line.find_first_not_of("0123456789");
  return digits != 0 && digits != std::string_view::npos && line.substr(digits).starts_with(" in ");
}

bool is_message(std::string_view line) {
  return !line.starts_with("* ") && !line.starts_with("! ");
}

std::optional<std::string> read_until(LineClient& client,
                                      const std::function<bool(const std::string&)>& wanted,
                                      std::chrono::milliseconds timeout, Lines* seen) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return std::nullopt;
    auto line = client.read_line(left);
    if (!line) return std::nullopt;
    if (seen) seen->push_back(*line);
    if (wanted(*line)) return line;
  }
}

::testing::AssertionResult reads_line(LineClient& client, const std::string& expected,
                                      std::chrono::milliseconds timeout, Lines* seen) {
  Lines lines;
  const bool found =
      read_until(
          client, [&](const std::string& line) { return line == expected; }, timeout, &lines)
          .has_value();
  if (seen) seen->insert(seen->end(), lines.begin(), lines.end());
  if (found) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "never got '" << expected << "'; got instead:\n"
                                       << joined(lines);
}

Lines read_messages(LineClient& client, std::size_t count, std::chrono::milliseconds timeout,
                    Lines* others) {
  Lines messages;
  messages.reserve(count);
  const auto deadline = Clock::now() + timeout;
  while (messages.size() < count) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) break;
    auto line = client.read_line(left);
    if (!line) break;
    if (is_message(*line))
      messages.push_back(std::move(*line));
    else if (others)
      others->push_back(std::move(*line));
  }
  return messages;
}

Lines read_for(LineClient& client, std::chrono::milliseconds period) {
  Lines lines;
  const auto deadline = Clock::now() + period;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return lines;
    auto line = client.read_line(left);
    if (!line) return lines;
    lines.push_back(std::move(*line));
  }
}

::testing::AssertionResult set_nick(LineClient& client, const std::string& nickname) {
  if (!client.send("/nick " + nickname + "\n"))
    return ::testing::AssertionFailure() << "cannot send /nick " << nickname;
  Lines seen;
  const std::string notice_end = " is now known as " + nickname;
  const auto reply = read_until(
      client,
      [&](const std::string& line) {
        return line.starts_with("! ") || (line.starts_with("* ") && line.ends_with(notice_end));
      },
      read_timeout, &seen);
  if (!reply)
    return ::testing::AssertionFailure() << "no rename notice for " << nickname << "; got:\n"
                                         << joined(seen);
  if (reply->starts_with("! ")) return ::testing::AssertionFailure() << *reply;
  return ::testing::AssertionSuccess();
}

std::string ask_who_until(LineClient& asker, const std::function<bool(const std::string&)>& wanted,
                          std::chrono::milliseconds timeout) {
  std::string last;
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (!asker.send("/who\n")) return last;
    const auto reply = read_until(asker, is_who_reply);
    if (!reply) return last;
    last = *reply;
    if (wanted(*reply)) return last;
    std::this_thread::sleep_for(100ms);
  }
  return last;
}

Lines starting_with(const Lines& lines, std::string_view prefix) {
  Lines matching;
  for (const auto& each : lines)
    if (each.starts_with(prefix)) matching.push_back(each);
  return matching;
}

std::size_t count_lines(const Lines& lines, std::string_view line) {
  std::size_t count = 0;
  for (const auto& each : lines)
    if (each == line) ++count;
  return count;
}

std::size_t count_prefixed(const Lines& lines, std::string_view prefix) {
  std::size_t count = 0;
  for (const auto& each : lines)
    if (each.starts_with(prefix)) ++count;
  return count;
}

std::string joined(const Lines& lines, std::size_t limit) {
  std::string text;
  for (std::size_t i = 0; i < lines.size() && i < limit; ++i) text += "  " + lines[i] + "\n";
  if (lines.size() > limit) text += "  (" + std::to_string(lines.size() - limit) + " more)\n";
  return text;
}

}  // namespace chatd::test
