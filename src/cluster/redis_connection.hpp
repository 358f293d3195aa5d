// One connection to Redis: hiredis's async context, driven by Asio on the connection's strand.
// hiredis parses and formats; Asio waits for the socket. Commands are pipelined: send() queues and
// returns, replies come back in order through callbacks.
#pragma once

#include <hiredis/hiredis.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/redis_address.hpp"

namespace chatd::cluster {

// One reply, owned: copied out of hiredis's redisReply so that it outlives the callback.
struct RedisReply {
  enum class Kind : std::uint8_t { string, status, error, integer, nil, array };
  Kind kind = Kind::nil;
  std::string text;  // string, status, error
  long long integer = 0;
  std::vector<RedisReply> elements;  // array
  bool is_error() const noexcept { return kind == Kind::error; }
};

RedisReply copy_reply(const redisReply& reply);

// Every member runs on the strand given to the constructor, and connect() and call() must be
// awaited by a coroutine running on it. Destroy the connection before its io_context, and keep
// it alive while connect() or call() is suspended.
class RedisConnection {
 public:
  // Called with a reply valid only during the call (the hot path copies nothing), or with nullptr
  // if the connection failed or was closed before the reply came. It must not throw.
  using RawCallback = std::function<void(const redisReply*)>;

  explicit RedisConnection(boost::asio::any_io_executor strand);
  ~RedisConnection();  // close()
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Connects over TCP, then AUTH if there is a password, SELECT if db is not 0 and a PING to
  // check it is Redis, all within `timeout`. Returns "" on success, else why not ("connection
  // refused", "wrong password", "not a Redis server", "timed out", ...), never the password.
  // May be called again once the connection is lost or closed; while connected it throws
  // std::logic_error.
  // hiredis resolves a host name synchronously: give an IP address where that matters.
  boost::asio::awaitable<std::string> connect(RedisAddress address,
                                              std::chrono::milliseconds timeout);
  bool connected() const noexcept;

  // Queues one command (pipelined) and returns at once; `done` runs later, on the strand, with
  // the reply. Not connected: `done` gets nullptr (posted). Pub/sub and MONITOR, which answer
  // more than once, need a connection of their own: they throw std::invalid_argument, as do
  // empty `args`.
  void send(std::span<const std::string_view> args, RawCallback done);

  // One command's reply as a RedisReply; a lost or closed connection gives Kind::error,
  // "connection lost".
  boost::asio::awaitable<RedisReply> call(std::vector<std::string> args);

  // `handler` runs once, posted to the strand, when an established connection is lost, with why
  // ("connection reset by peer", "server closed the connection", ...); never after close().
  void on_lost(std::function<void(std::string)> handler);

  // Drops the connection now; pending callbacks get nullptr (before close() returns, or right
  // after the callback that called it). Safe to call twice.
  void close();

  // Bytes of queued commands not yet written to the socket, to bound what callers pipeline.
  std::size_t unsent_bytes() const noexcept;

 private:
  struct Link;
  void queue(Link& link, std::span<const std::string_view> args, RawCallback done);

  boost::asio::any_io_executor strand_;
  std::shared_ptr<Link> link_;  // the current hiredis context, if any
  std::function<void(std::string)> lost_handler_;
  std::vector<const char*> argv_;  // reused by every send(): no allocation per command
  std::vector<std::size_t> argv_lengths_;
};

}  // namespace chatd::cluster
