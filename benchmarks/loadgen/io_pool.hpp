// IoPool: one io_context per thread. Spreading a load generator's connections over several
// contexts lets each thread wait on its own epoll set and run its own queue, so thousands of
// sockets becoming readable at once are read in parallel instead of through one scheduler.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <memory>
#include <vector>

#include "loadgen/timing.hpp"

namespace chatd::loadgen {

class IoPool {
 public:
  explicit IoPool(unsigned threads);

  std::size_t size() const noexcept { return contexts_.size(); }
  // Any thread.
  boost::asio::io_context& context(std::size_t index) { return *contexts_[index % size()]; }

  // Runs every context, each on a thread of its own (the caller's runs the first), until all of
  // them have run out of work after release(), or until hard_stop. Main thread only.
  void run_until(Clock::time_point hard_stop);

  // Lets every context stop once its work is done: until then a context whose connections have
  // nothing pending yet stays up. Call once, from any thread.
  void release();

  bool stopped() const;
  void stop();

 private:
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  std::vector<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guards_;
};

}  // namespace chatd::loadgen
