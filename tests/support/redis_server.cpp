// A redis-server child for tests; see redis_server.hpp.
#include "support/redis_server.hpp"

#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cctype>
#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace chatd::test {
namespace {

namespace asio = boost::asio;
using cluster::RedisReply;

constexpr const char* redis_binary = "/usr/bin/redis-server";
constexpr int start_attempts = 5;
constexpr auto ping_deadline = std::chrono::seconds(5);

// A port nothing listens on right now: bound, read, closed. Another process may take it before
// redis-server binds it, hence the retries in the constructor.
std::uint16_t free_loopback_port() {
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.open(asio::ip::tcp::v4());
  socket.bind(asio::ip::tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  return socket.local_endpoint().port();
}

// A redis.conf string: double quotes, with \ and " escaped.
std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string percent_encoded(const std::string& text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += hex[byte >> 4];
      out += hex[byte & 0xF];
    }
  }
  return out;
}

std::string file_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

RedisReply error_reply(std::string text) {
  RedisReply reply;
  reply.kind = RedisReply::Kind::error;
  reply.text = std::move(text);
  return reply;
}

}  // namespace

RedisServer::RedisServer(RedisServerOptions options) : options_(std::move(options)) {
  std::string pattern = (std::filesystem::temp_directory_path() / "chatd-redis-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  try {
    for (int attempt = 0; attempt < start_attempts; ++attempt)
      if (start_on(free_loopback_port())) return;
    throw std::runtime_error("redis-server exited at start " + std::to_string(start_attempts) +
                             " times; its last log:\n" + log());
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
    throw;
  }
}

RedisServer::~RedisServer() {
  stop_kill();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string RedisServer::url() const {
  std::string userinfo;
  if (!options_.password.empty()) userinfo = ":" + percent_encoded(options_.password) + "@";
  return "redis://" + userinfo + "127.0.0.1:" + std::to_string(port_);
}

bool RedisServer::start_on(std::uint16_t port) {
  port_ = port;
  {
    std::ofstream config(dir_ / "redis.conf", std::ios::trunc);
    config << "bind 127.0.0.1\n"
           << "port " << port << "\n"
           << "dir " << quoted(dir_.string()) << "\n"
           << "logfile " << quoted((dir_ / "redis.log").string()) << "\n"
           << "daemonize no\n"
           << "save \"\"\n"
           << "appendonly " << (options_.append_only ? "yes" : "no") << "\n"
           << "appendfsync always\n";
    if (!options_.password.empty()) config << "requirepass " << quoted(options_.password) << "\n";
  }
  // Everything the child needs is made before fork: the test process may have threads.
  const std::string config_path = (dir_ / "redis.conf").string();
  std::vector<char*> argv{const_cast<char*>(redis_binary), const_cast<char*>(config_path.c_str()),
                          nullptr};
  // A config error goes to stdout/stderr, not the log file.
  const int output =
      ::open((dir_ / "redis.out").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    // Die with the test: a crashed test must not leave a server behind.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(126);
    ::dup2(output, STDOUT_FILENO);
    ::dup2(output, STDERR_FILENO);
    ::execv(redis_binary, argv.data());
    ::_exit(127);
  }
  ::close(output);

  const auto deadline = std::chrono::steady_clock::now() + ping_deadline;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    if (answers_ping()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stop_kill();
  throw std::runtime_error("redis-server did not answer PING within 5 s; its log:\n" + log());
}

void RedisServer::stop_kill() {
  if (pid_ == -1) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

void RedisServer::restart() {
  if (pid_ != -1) throw std::logic_error("RedisServer::restart: it is still running");
  if (!start_on(port_))
    throw std::runtime_error("redis-server did not start again on port " + std::to_string(port_) +
                             "; its log:\n" + log());
}

void RedisServer::pause() {
  if (pid_ != -1) ::kill(pid_, SIGSTOP);
}

void RedisServer::resume() {
  if (pid_ != -1) ::kill(pid_, SIGCONT);
}

bool RedisServer::answers_ping() const {
  const RedisReply reply = command({"PING"});
  return reply.kind == RedisReply::Kind::status && reply.text == "PONG";
}

std::string RedisServer::log() const {
  return file_text(dir_ / "redis.out") + file_text(dir_ / "redis.log");
}

RedisReply RedisServer::command(std::vector<std::string> args) const {
  // Bounded, so a paused server fails the test instead of hanging it.
  const timeval timeout{1, 0};
  const std::unique_ptr<redisContext, decltype(&redisFree)> context(
      redisConnectWithTimeout("127.0.0.1", port_, timeout), &redisFree);
  if (!context) return error_reply("out of memory");
  if (context->err != 0) return error_reply(context->errstr);
  redisSetTimeout(context.get(), timeout);

  const auto run = [&context](const std::vector<std::string>& words) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    for (const auto& word : words) {
      argv.push_back(word.c_str());
      lengths.push_back(word.size());
    }
    void* raw = redisCommandArgv(context.get(), static_cast<int>(words.size()), argv.data(),
                                 lengths.data());
    if (raw == nullptr) return error_reply(context->errstr);
    const std::unique_ptr<redisReply, decltype(&freeReplyObject)> reply(
        static_cast<redisReply*>(raw), &freeReplyObject);
    return cluster::copy_reply(*reply);
  };
  if (!options_.password.empty()) {
    const RedisReply auth = run({"AUTH", options_.password});
    if (auth.is_error()) return auth;
  }
  return run(args);
}

}  // namespace chatd::test
