// The real chatd server, in-process on an ephemeral loopback port, run by its own thread pool
// for the duration of one test.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

#include "net/server.hpp"

namespace chatd::test {

class TestServer {
 public:
  explicit TestServer(unsigned threads, net::ServerOptions options = {});
  ~TestServer();  // stops the server and joins the threads

  // The line door's port, and the web door's.
  std::uint16_t port() const { return port_; }
  std::uint16_t web_port() const { return web_port_; }
  net::Server& server() { return *server_; }
  // Graceful stop, then waits (bounded) for the pool to finish.
  void stop();

 private:
  boost::asio::io_context io_;
  std::unique_ptr<net::Server> server_;
  std::uint16_t port_ = 0;
  std::uint16_t web_port_ = 0;
  std::vector<std::thread> pool_;
};

// Polls `condition` until it holds or `timeout` passes; returns its last value.
bool eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace chatd::test
