// RedisConnection against real redis-server children: the handshake and each way it fails,
// pipelining order, loss and close with commands in flight, callbacks that close or destroy the
// connection, and four threads at once (for TSan).
#include "cluster/redis_connection.hpp"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <optional>
#include <thread>

#include "support/redis_server.hpp"

namespace chatd::cluster {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using tcp = asio::ip::tcp;

class RedisConnectionTest : public ::testing::Test {
 protected:
  // Runs the io_context until `condition` holds or `cap` passes; returns the condition.
  bool run_until(const std::function<bool()>& condition, std::chrono::milliseconds cap = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + cap;
    while (!condition()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      if (io.stopped()) io.restart();
      io.run_one_for(10ms);
    }
    return true;
  }
  // Runs the io_context for `duration`, whatever happens.
  void run_for(std::chrono::milliseconds duration) {
    run_until([] { return false; }, duration);
  }

  // Runs `task` on the strand to completion.
  template <class T>
  T run(asio::awaitable<T> task) {
    std::optional<T> result;
    std::exception_ptr failure;
    asio::co_spawn(strand, std::move(task), [&](std::exception_ptr error, T value) {
      failure = error;
      result = std::move(value);
    });
    EXPECT_TRUE(run_until([&] { return result.has_value(); })) << "the coroutine did not finish";
    if (failure) std::rethrow_exception(failure);
    return result.value_or(T{});
  }

  std::string connect(RedisConnection& connection, RedisAddress address,
                      std::chrono::milliseconds timeout = 2s) {
    return run(connection.connect(std::move(address), timeout));
  }
  RedisReply call(RedisConnection& connection, std::vector<std::string> args) {
    return run(connection.call(std::move(args)));
  }

  RedisAddress address() const { return parse_redis_url(server.url()); }

  asio::io_context io;  // first: destroyed after every connection
  asio::any_io_executor strand = asio::make_strand(io);
  test::RedisServer server;
};

// What a RawCallback saw: "nullptr", or the reply's text or integer.
std::string seen(const redisReply* reply) {
  if (reply == nullptr) return "nullptr";
  if (reply->type == REDIS_REPLY_INTEGER) return std::to_string(reply->integer);
  return std::string(reply->str, reply->len);
}

TEST_F(RedisConnectionTest, ConnectsAndAnswersPing) {
  RedisConnection connection(strand);
  EXPECT_FALSE(connection.connected());
  ASSERT_EQ(connect(connection, address()), "");
  EXPECT_TRUE(connection.connected());
  const RedisReply pong = call(connection, {"PING"});
  EXPECT_EQ(pong.kind, RedisReply::Kind::status);
  EXPECT_EQ(pong.text, "PONG");
}

TEST_F(RedisConnectionTest, PipelinesTenThousandCommandsAndRepliesComeInOrder) {
  RedisConnection connection(strand);
  ASSERT_EQ(connect(connection, address()), "");
  std::vector<long long> counts;
  const std::array<std::string_view, 2> incr{"INCR", "counter"};
  for (int i = 0; i < 10'000; ++i) {
    connection.send(incr, [&counts](const redisReply* reply) {
      counts.push_back(reply != nullptr && reply->type == REDIS_REPLY_INTEGER ? reply->integer
                                                                              : -1);
    });
  }
  EXPECT_TRUE(counts.empty()) << "send() must not wait for replies";
  ASSERT_TRUE(run_until([&] { return counts.size() == 10'000; }));
  for (std::size_t i = 0; i < counts.size(); ++i)
    ASSERT_EQ(counts[i], static_cast<long long>(i + 1)) << "at " << i;
  EXPECT_EQ(server.command({"GET", "counter"}).text, "10000");
}

TEST_F(RedisConnectionTest, CallReturnsOwnedRepliesOfEveryKind) {
  RedisConnection connection(strand);
  ASSERT_EQ(connect(connection, address()), "");
  const RedisReply set = call(connection, {"SET", "greeting", std::string("hi\0there", 8)});
  EXPECT_EQ(set.kind, RedisReply::Kind::status);
  EXPECT_EQ(set.text, "OK");
  const RedisReply get = call(connection, {"GET", "greeting"});
  EXPECT_EQ(get.kind, RedisReply::Kind::string);
  EXPECT_EQ(get.text, std::string("hi\0there", 8));
  EXPECT_EQ(call(connection, {"GET", "nothing"}).kind, RedisReply::Kind::nil);
  const RedisReply pushed = call(connection, {"RPUSH", "list", "a", "b"});
  EXPECT_EQ(pushed.kind, RedisReply::Kind::integer);
  EXPECT_EQ(pushed.integer, 2);
  const RedisReply range = call(connection, {"LRANGE", "list", "0", "-1"});
  ASSERT_EQ(range.kind, RedisReply::Kind::array);
  ASSERT_EQ(range.elements.size(), 2u);
  EXPECT_EQ(range.elements[1].text, "b");
  const RedisReply wrong = call(connection, {"INCR", "greeting"});
  EXPECT_TRUE(wrong.is_error());
  EXPECT_EQ(wrong.text, "ERR value is not an integer or out of range");
}

TEST_F(RedisConnectionTest, ConnectsWithThePasswordAndSelectsTheDb) {
  test::RedisServer guarded({.append_only = false, .password = "correct horse"});
  RedisConnection connection(strand);
  RedisAddress target = parse_redis_url(guarded.url() + "/3");
  ASSERT_EQ(target.password, "correct horse");
  ASSERT_EQ(connect(connection, target), "");
  const RedisReply info = call(connection, {"CLIENT", "INFO"});
  EXPECT_NE(info.text.find(" db=3 "), std::string::npos) << info.text;
}

TEST_F(RedisConnectionTest, WrongPasswordIsSaidWithoutThePassword) {
  test::RedisServer guarded({.append_only = false, .password = "correct horse"});
  RedisConnection connection(strand);
  RedisAddress target = parse_redis_url(guarded.url());
  target.password = "battery staple";
  const std::string reason = connect(connection, target);
  EXPECT_EQ(reason, "wrong password");
  EXPECT_FALSE(connection.connected());
  target.password = "";
  EXPECT_EQ(connect(connection, target), "wrong password (the server requires one)");
}

TEST_F(RedisConnectionTest, ADbOutOfRangeIsSaidByTheServer) {
  RedisConnection connection(strand);
  RedisAddress target = address();
  target.db = 99;
  EXPECT_EQ(connect(connection, target), "SELECT failed: ERR DB index is out of range");
  EXPECT_FALSE(connection.connected());
}

TEST_F(RedisConnectionTest, AFullServerRefusesInTheHandshake) {
  ASSERT_EQ(server.command({"CONFIG", "SET", "maxclients", "1"}).text, "OK");
  RedisConnection first(strand);
  ASSERT_EQ(connect(first, address()), "");
  RedisConnection second(strand);
  EXPECT_EQ(connect(second, address()), "PING failed: ERR max number of clients reached");
  EXPECT_FALSE(second.connected());
  EXPECT_TRUE(first.connected());
}

TEST_F(RedisConnectionTest, APortWithNothingListeningIsRefused) {
  RedisAddress target = address();
  server.stop_kill();
  RedisConnection connection(strand);
  EXPECT_EQ(connect(connection, target), "connection refused");
  EXPECT_FALSE(connection.connected());
}

// Reads the client's first bytes, answers like a web server and closes.
asio::awaitable<void> answer_like_http(tcp::acceptor* acceptor) {
  auto [accepted, socket] = co_await acceptor->async_accept(asio::as_tuple(asio::use_awaitable));
  if (accepted) co_return;
  std::array<char, 1024> request;
  const auto into = asio::buffer(request);
  co_await socket.async_read_some(into, asio::as_tuple(asio::use_awaitable));
  const std::string_view response = "HTTP/1.1 400 Bad Request\r\n\r\n";
  const auto out = asio::buffer(response);
  co_await asio::async_write(socket, out, asio::as_tuple(asio::use_awaitable));
  boost::system::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_send, ignored);
}

TEST_F(RedisConnectionTest, AServerThatIsNotRedisIsSaidToBeNone) {
  tcp::acceptor web(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  asio::co_spawn(io, answer_like_http(&web), asio::detached);
  RedisAddress target = address();
  target.port = web.local_endpoint().port();
  RedisConnection connection(strand);
  EXPECT_EQ(connect(connection, target), "not a Redis server");
  EXPECT_FALSE(connection.connected());
}

TEST_F(RedisConnectionTest, APausedServerTimesOutWithinTheTimeout) {
  server.pause();
  RedisConnection connection(strand);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(connect(connection, address(), 300ms), "timed out");
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 2s);
  EXPECT_FALSE(connection.connected());
  server.resume();
  EXPECT_EQ(connect(connection, address()), "") << "the same connection connects again";
}

TEST_F(RedisConnectionTest, AKilledServerFailsPendingCommandsThenReportsTheLossOnce) {
  RedisConnection connection(strand);
  ASSERT_EQ(connect(connection, address()), "");
  std::vector<std::string> losses;
  connection.on_lost([&losses](std::string reason) { losses.push_back(std::move(reason)); });
  // Paused, the server never reads the commands: killed, its kernel answers them with a reset.
  server.pause();
  std::vector<std::string> replies;
  const std::array<std::string_view, 1> ping{"PING"};
  for (int i = 0; i < 3; ++i)
    connection.send(ping, [&](const redisReply* reply) {
      replies.push_back(seen(reply));
      EXPECT_TRUE(losses.empty()) << "callbacks fail before the loss is reported";
    });
  run_until([&] { return connection.unsent_bytes() == 0; });
  run_for(50ms);
  server.stop_kill();
  ASSERT_TRUE(run_until([&] { return !losses.empty(); }));
  EXPECT_EQ(replies, (std::vector<std::string>{"nullptr", "nullptr", "nullptr"}));
  EXPECT_EQ(losses, std::vector<std::string>{"connection reset by peer"});
  EXPECT_FALSE(connection.connected());
  run_for(100ms);
  EXPECT_EQ(losses.size(), 1u);
}

TEST_F(RedisConnectionTest, AnIdleConnectionToAKilledServerSaysTheServerClosedIt) {
  RedisConnection connection(strand);
  ASSERT_EQ(connect(connection, address()), "");
  std::vector<std::string> losses;
  connection.on_lost([&losses](std::string reason) { losses.push_back(std::move(reason)); });
  server.stop_kill();
  ASSERT_TRUE(run_until([&] { return !losses.empty(); }));
  EXPECT_EQ(losses, std::vector<std::string>{"server closed the connection"});
  // It comes back on the same port; the same object connects again.
  server.restart();
  ASSERT_EQ(connect(connection, address()), "");
  EXPECT_EQ(call(connection, {"PING"}).text, "PONG");
}

TEST_F(RedisConnectionTest, AnOnLostHandlerMayDestroyTheConnection) {
  auto connection = std::make_unique<RedisConnection>(strand);
  ASSERT_EQ(connect(*connection, address()), "");
  std::string reason;
  connection->on_lost([&](std::string why) {
    reason = std::move(why);
    connection.reset();
  });
  server.stop_kill();
  ASSERT_TRUE(run_until([&] { return connection == nullptr; }));
  EXPECT_EQ(reason, "server closed the connection");
}

TEST_F(RedisConnectionTest, CloseFailsPendingCommandsAtOnceAndReportsNoLoss) {
  RedisConnection connection(strand);
  ASSERT_EQ(connect(connection, address()), "");
  bool lost = false;
  connection.on_lost([&lost](std::string) { lost = true; });
  server.pause();
  std::vector<std::string> replies;
  const std::array<std::string_view, 1> ping{"PING"};
  for (int i = 0; i < 5; ++i)
    connection.send(ping, [&replies](const redisReply* reply) { replies.push_back(seen(reply)); });
  run_for(50ms);
  connection.close();
  EXPECT_EQ(replies, std::vector<std::string>(5, "nullptr"));
  EXPECT_FALSE(connection.connected());
  connection.close();
  run_for(100ms);
  EXPECT_FALSE(lost);
  EXPECT_EQ(replies.size(), 5u);
  server.resume();
}

TEST_F(RedisConnectionTest, SendWhileNotConnectedGivesNullptrLaterNotInline) {
  RedisConnection connection(strand);
  std::vector<std::string> replies;
  const std::array<std::string_view, 1> ping{"PING"};
  connection.send(ping, [&replies](const redisReply* reply) { replies.push_back(seen(reply)); });
  EXPECT_TRUE(replies.empty());
  ASSERT_TRUE(run_until([&] { return !replies.empty(); }));
  EXPECT_EQ(replies, std::vector<std::string>{"nullptr"});
  EXPECT_EQ(call(connection, {"PING"}).text, "connection lost");
}

TEST_F(RedisConnectionTest, AReplyCallbackMayCloseTheConnection) {
  RedisConnection connection(strand);
  ASSERT_EQ(connect(connection, address()), "");
  std::vector<std::string> replies;
  const std::array<std::string_view, 1> ping{"PING"};
  connection.send(ping, [&](const redisReply* reply) {
    replies.push_back(seen(reply));
    connection.close();
    EXPECT_FALSE(connection.connected());
  });
  for (int i = 0; i < 2; ++i)
    connection.send(ping, [&](const redisReply* reply) { replies.push_back(seen(reply)); });
  ASSERT_TRUE(run_until([&] { return replies.size() == 3; }));
  EXPECT_EQ(replies, (std::vector<std::string>{"PONG", "nullptr", "nullptr"}));
}

TEST_F(RedisConnectionTest, AReplyCallbackMayDestroyTheConnection) {
  auto connection = std::make_unique<RedisConnection>(strand);
  ASSERT_EQ(connect(*connection, address()), "");
  std::vector<std::string> replies;
  const std::array<std::string_view, 1> ping{"PING"};
  connection->send(ping, [&](const redisReply* reply) {
    replies.push_back(seen(reply));
    connection.reset();
  });
  connection->send(ping, [&](const redisReply* reply) { replies.push_back(seen(reply)); });
  ASSERT_TRUE(run_until([&] { return replies.size() == 2; }));
  EXPECT_EQ(replies, (std::vector<std::string>{"PONG", "nullptr"}));
  run_for(50ms);
}

TEST_F(RedisConnectionTest, AReplyCallbackMaySendTheNextCommand) {
  RedisConnection connection(strand);
  ASSERT_EQ(connect(connection, address()), "");
  std::vector<std::string> replies;
  const std::array<std::string_view, 2> incr{"INCR", "chain"};
  std::function<void(const redisReply*)> next = [&](const redisReply* reply) {
    replies.push_back(seen(reply));
    if (replies.size() < 100) connection.send(incr, next);
  };
  connection.send(incr, next);
  ASSERT_TRUE(run_until([&] { return replies.size() == 100; }));
  EXPECT_EQ(replies.front(), "1");
  EXPECT_EQ(replies.back(), "100");
}

TEST_F(RedisConnectionTest, UnsentBytesCountWhatTheSocketHasNotTakenYet) {
  RedisConnection connection(strand);
  ASSERT_EQ(connect(connection, address()), "");
  const std::array<std::string_view, 1> ping{"PING"};
  int answered = 0;
  connection.send(ping, [&answered](const redisReply*) { ++answered; });
  EXPECT_EQ(connection.unsent_bytes(), std::string_view("*1\r\n$4\r\nPING\r\n").size());
  ASSERT_TRUE(run_until([&] { return answered == 1; }));
  EXPECT_EQ(connection.unsent_bytes(), 0u);

  // 20 MB to a paused server: more than the kernel's socket buffers hold.
  server.pause();
  const std::string value(1024, 'v');
  const std::array<std::string_view, 3> set{"SET", "big", value};
  for (int i = 0; i < 20'000; ++i)
    connection.send(set, [&answered](const redisReply* reply) { answered += reply != nullptr; });
  run_for(200ms);
  EXPECT_GT(connection.unsent_bytes(), 0u);
  server.resume();
  ASSERT_TRUE(run_until([&] { return answered == 20'001; }, 60s));
  EXPECT_EQ(connection.unsent_bytes(), 0u);
}

TEST_F(RedisConnectionTest, CommandsThatAnswerMoreThanOnceAreRefused) {
  RedisConnection connection(strand);
  ASSERT_EQ(connect(connection, address()), "");
  const std::array<std::string_view, 2> subscribe{"subscribe", "room"};
  EXPECT_THROW(connection.send(subscribe, [](const redisReply*) {}), std::invalid_argument);
  const std::array<std::string_view, 1> monitor{"MONITOR"};
  EXPECT_THROW(connection.send(monitor, [](const redisReply*) {}), std::invalid_argument);
  EXPECT_THROW(connection.send({}, [](const redisReply*) {}), std::invalid_argument);
  EXPECT_EQ(call(connection, {"PING"}).text, "PONG");
}

// One connection's work for the four-thread test: a pipelined counter, then the loss.
asio::awaitable<std::string> count_to(RedisConnection* connection, RedisAddress address,
                                      std::string key, std::vector<long long>* counts) {
  const auto timeout = std::chrono::milliseconds(2000);
  const std::string failure = co_await connection->connect(std::move(address), timeout);
  if (!failure.empty()) co_return failure;
  const std::array<std::string_view, 2> incr{"INCR", key};
  const RedisConnection::RawCallback count = [counts](const redisReply* reply) {
    counts->push_back(reply != nullptr ? reply->integer : -1);
  };
  for (int i = 0; i < 2000; ++i) connection->send(incr, count);
  std::vector<std::string> get{"GET", key};
  const RedisReply total = co_await connection->call(std::move(get));
  co_return total.text;
}

// Runs an io_context on `threads` threads until destroyed; then stops it and joins them.
class ThreadPool {
 public:
  ThreadPool(asio::io_context& io, int threads) : io_(io), work_(asio::make_work_guard(io)) {
    for (int i = 0; i < threads; ++i) threads_.emplace_back([&io] { io.run(); });
  }
  ~ThreadPool() {
    work_.reset();
    io_.stop();
    for (auto& thread : threads_) thread.join();
  }

 private:
  asio::io_context& io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::vector<std::thread> threads_;
};

TEST(RedisConnectionThreads, FourConnectionsOnFourThreadsEachKeepTheirOrder) {
  constexpr int connections = 4;
  test::RedisServer server;
  asio::io_context io;
  std::vector<std::vector<long long>> counts(connections);
  std::vector<std::future<std::string>> totals;
  std::atomic<int> losses = 0;
  std::vector<std::unique_ptr<RedisConnection>> links;  // after what their callbacks touch
  for (int i = 0; i < connections; ++i) {
    const asio::any_io_executor strand = asio::make_strand(io);
    links.push_back(std::make_unique<RedisConnection>(strand));
    links.back()->on_lost([&losses](std::string) { ++losses; });
    auto task = count_to(links.back().get(), parse_redis_url(server.url()),
                         "key" + std::to_string(i), &counts[static_cast<std::size_t>(i)]);
    totals.push_back(asio::co_spawn(strand, std::move(task), asio::use_future));
  }
  // Declared after the connections, so they die after the pool has stopped: nothing runs on
  // their strands then.
  ThreadPool pool(io, 4);
  for (auto& total : totals) {
    ASSERT_EQ(total.wait_for(30s), std::future_status::ready);
    EXPECT_EQ(total.get(), "2000");
  }
  for (const auto& seen_counts : counts) {
    ASSERT_EQ(seen_counts.size(), 2000u);
    for (std::size_t i = 0; i < seen_counts.size(); ++i)
      ASSERT_EQ(seen_counts[i], static_cast<long long>(i + 1));
  }
  // Every connection loses the server at once, each on its own strand.
  server.stop_kill();
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (losses < connections && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  EXPECT_EQ(losses, connections);
}

}  // namespace
}  // namespace chatd::cluster
