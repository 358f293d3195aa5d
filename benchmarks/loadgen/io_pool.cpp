// IoPool; see io_pool.hpp.
#include "loadgen/io_pool.hpp"

#include <algorithm>
#include <thread>

namespace chatd::loadgen {

namespace asio = boost::asio;

IoPool::IoPool(unsigned threads) {
  for (unsigned index = 0; index < std::max(threads, 1u); ++index) {
    contexts_.push_back(std::make_unique<asio::io_context>(1));
    guards_.push_back(asio::make_work_guard(*contexts_.back()));
  }
}

void IoPool::run_until(Clock::time_point hard_stop) {
  std::vector<std::jthread> helpers;
  for (std::size_t index = 1; index < contexts_.size(); ++index) {
    helpers.emplace_back([this, index, hard_stop] { contexts_[index]->run_until(hard_stop); });
  }
  contexts_.front()->run_until(hard_stop);
}

void IoPool::release() {
  for (auto& guard : guards_) guard.reset();  // outstanding-work counts are atomic
}

bool IoPool::stopped() const {
  return std::all_of(contexts_.begin(), contexts_.end(),
                     [](const auto& context) { return context->stopped(); });
}

void IoPool::stop() {
  for (auto& context : contexts_) context->stop();
}

}  // namespace chatd::loadgen
