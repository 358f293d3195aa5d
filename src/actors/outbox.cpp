// Outbox: a participant's feeds and its writer's doorbell; see outbox.hpp.
#include "actors/outbox.hpp"

#include <algorithm>

namespace chatd::actors {

namespace asio = boost::asio;

Outbox::Outbox(asio::any_io_executor writer_executor)
    : bell_(std::make_shared<Doorbell>(std::move(writer_executor))) {}

std::shared_ptr<Subscription> Outbox::subscribe(bool after_previous) {
  feeds_.push_back(std::make_shared<Subscription>(bell_, after_previous));
  return feeds_.back();
}

void Outbox::drop(const std::shared_ptr<Subscription>& feed) {
  std::erase(feeds_, feed);
  bell_->wake_from_writer_strand();
}

void Outbox::finish() {
  finishing_ = true;
  bell_->wake_from_writer_strand();
}

bool Outbox::has_output() const noexcept {
  if (finishing_ && feeds_.empty()) return true;
  for (std::size_t i = 0; i < feeds_.size(); ++i) {
    if (i > 0 && feeds_[i]->after_previous()) break;  // not drained before the ones ahead
    if (feeds_[i]->has_output()) return true;
  }
  return false;
}

asio::awaitable<void> Outbox::wait_for_output() {
  return bell_->sleep_unless([this] { return has_output(); });
}

void Outbox::forget_finished() {
  std::erase_if(feeds_, [this](const std::shared_ptr<Subscription>& feed) {
    if (!feed->finished()) return false;
    // A feed ends the whole outbox when its room evicted the member or is shutting down.
    const Farewell why = feed->farewell();
    if (why == Farewell::too_slow) ended_ = OutboxEnd::too_slow;
    if (why == Farewell::shutdown && ended_ == OutboxEnd::none) ended_ = OutboxEnd::shutdown;
    return true;
  });
  if (ended_ == OutboxEnd::none && finishing_ && feeds_.empty()) ended_ = OutboxEnd::done;
}

std::size_t Outbox::gather(std::vector<asio::const_buffer>& out, std::size_t max_bytes) {
  forget_finished();
  if (ended_ != OutboxEnd::none) return 0;
  std::size_t total = 0;
  for (std::size_t i = 0; i < feeds_.size() && total < max_bytes; ++i) {
    Subscription& feed = *feeds_[i];
    if (i > 0 && feed.after_previous()) break;  // it waits for the feeds before it to finish
    const std::size_t n = feed.gather(out, max_bytes - total);
    if (n > 0) gathered_.push_back(&feed);
    total += n;
  }
  return total;
}

void Outbox::commit_gathered() {
  for (Subscription* feed : gathered_) feed->commit_gathered();
  gathered_.clear();
}

OutboxEnd Outbox::end() const noexcept {
  return ended_;
}

bool Outbox::draining() const noexcept {
  return finishing_ || std::any_of(feeds_.begin(), feeds_.end(), [](const auto& feed) {
           return feed->farewell() == Farewell::shutdown;
         });
}

}  // namespace chatd::actors
