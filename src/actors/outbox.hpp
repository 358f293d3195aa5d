// Outbox: everything one participant's writer drains — its feeds from the rooms it is in, oldest
// first — and the one doorbell the writer sleeps on between writes, whatever the number of rooms.
//
// Threading contract: every method is for the participant's strand (its door's reader and
// writer run there). Rooms reach the participant only through its Subscriptions.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <cstddef>
#include <memory>
#include <vector>

#include "actors/doorbell.hpp"
#include "actors/subscription.hpp"

namespace chatd::actors {

// Why a writer stops: it goes on while `none`.
enum class OutboxEnd : std::uint8_t { none, done, too_slow, shutdown };

class Outbox {
 public:
  explicit Outbox(boost::asio::any_io_executor writer_executor);

  // A new feed, to hand to a room in a Join. `after_previous`: see Subscription.
  std::shared_ptr<Subscription> subscribe(bool after_previous);
  // Forgets a feed no room will ever attach (its Join was refused).
  void drop(const std::shared_ptr<Subscription>& feed);
  // No feed will be added any more: the writer ends once the last one is flushed.
  void finish();

  // writer: something to gather, or a reason to stop.
  bool has_output() const noexcept;
  // writer: completes when gather() may have something or the writer should stop — possibly
  // without either, so the caller looks again. Not a coroutine: an idle writer keeps no frame
  // for it.
  boost::asio::awaitable<void> wait_for_output();
  // writer: appends buffers for what is pending in every feed that may be drained now, at most
  // about `max_bytes` of room traffic, and returns their total size. The buffers stay valid until
  // commit_gathered(), which must follow a successful write of all of them.
  std::size_t gather(std::vector<boost::asio::const_buffer>& out, std::size_t max_bytes);
  void commit_gathered();
  // writer: whether to stop, and why.
  OutboxEnd end() const noexcept;
  // writer: the participant is leaving or the server is stopping, so what is left should be
  // flushed within a deadline rather than waited on forever.
  bool draining() const noexcept;

  Doorbell& bell() noexcept { return *bell_; }

 private:
  // Drops finished feeds from the front and from among the side-by-side ones.
  void forget_finished();

  std::shared_ptr<Doorbell> bell_;
  std::vector<std::shared_ptr<Subscription>> feeds_;  // oldest first
  std::vector<Subscription*> gathered_;
  bool finishing_ = false;
  OutboxEnd ended_ = OutboxEnd::none;
};

}  // namespace chatd::actors
