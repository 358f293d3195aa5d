// In-process chatd for end-to-end tests; see test_server.hpp.
#include "support/test_server.hpp"

#include <cstdlib>

#include "base/log.hpp"
#include "net/line/line_door.hpp"
#include "net/web/web_door.hpp"

namespace chatd::test {

TestServer::TestServer(unsigned threads, net::ServerOptions options) : io_(static_cast<int>(threads)) {
  // Quiet unless CHATD_TEST_LOG is set: the server's own log helps when a test fails.
  base::set_logging(std::getenv("CHATD_TEST_LOG") != nullptr);
  std::vector<net::Door> doors;
  doors.push_back(net::line::line_door({boost::asio::ip::address_v4::loopback(), 0}));
  doors.push_back(net::web::web_door({boost::asio::ip::address_v4::loopback(), 0}, {}));
  server_ = std::make_unique<net::Server>(io_, options, std::move(doors));
  port_ = server_->local_endpoints().at(0).port();
  web_port_ = server_->local_endpoints().at(1).port();
  server_->start();
  for (unsigned i = 0; i < threads; ++i) pool_.emplace_back([this] { io_.run(); });
}

TestServer::~TestServer() { stop(); }

void TestServer::stop() {
  if (pool_.empty()) return;
  server_->stop();
  // Sessions flush for at most 2 s; anything still running after that is forced.
  if (!eventually([this] { return io_.stopped(); }, std::chrono::seconds(4))) io_.stop();
  for (auto& thread : pool_) thread.join();
  pool_.clear();
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return condition();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace chatd::test
