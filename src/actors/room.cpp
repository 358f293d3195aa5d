// Room: the single owner of membership; see room.hpp.
#include "actors/room.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <vector>

namespace chatd::actors {

namespace asio = boost::asio;

namespace {
const boost::system::error_code no_error;

// Events handled between two delivery passes. Large enough to amortise the pass over all
// members, small enough that the first message of a batch is not held back noticeably.
constexpr std::size_t max_batch = 256;

// /who names at most this many members, so the reply stays one reasonable line.
constexpr std::size_t max_names_listed = 1000;
}  // namespace

Room::Room(asio::any_io_executor executor, RoomLimits limits, std::string name)
    : name_(std::move(name)), limits_(limits), inbox_(std::move(executor), limits.inbox_capacity) {
  // Only a room that keeps history pins the log; without one, the chunks would never be freed.
  if (limits_.history > 0) history_pin_ = log_.end_cursor();
}

asio::awaitable<bool> Room::send(RoomEvent event) {
  auto [ec] =
      co_await inbox_.async_send(no_error, std::move(event), asio::as_tuple(asio::use_awaitable));
  co_return !ec;
}

asio::awaitable<void> Room::run() {
  while (!stopping_) {
    auto [ec, first] = co_await inbox_.async_receive(asio::as_tuple(asio::use_awaitable));
    if (ec) break;
    handle(std::move(first));
    for (std::size_t handled = 1; handled < max_batch && !stopping_; ++handled) {
      const bool got = inbox_.try_receive(
          [this](boost::system::error_code, RoomEvent event) { handle(std::move(event)); });
      if (!got) break;
    }
    deliver();
  }
  log_.publish();
  for (auto& [id, member] : members_) member.outbox->close(Farewell::shutdown, log_.end_position());
  members_.clear();
  counters_.members.store(0);
  // Late senders get channel_closed instead of waiting on a room that no longer reads.
  inbox_.close();
}

void Room::handle(RoomEvent event) {
  std::visit([this](auto& e) { on(e); }, event);
}

void Room::on(Join& join) {
  auto [start, replayed] = history_for_newcomer();
  if (replayed > 0) {
    join.outbox->push_direct("* last " + std::to_string(replayed) +
                             (replayed == 1 ? " message:\n" : " messages:\n"));
  }
  join.outbox->attach(std::move(start));
  const auto [it, inserted] =
      members_.insert_or_assign(join.id, Member{std::move(join.name), std::move(join.outbox)});
  counters_.members.store(members_.size());
  announce_membership(it->second.name, "joined");
}

void Room::on(Leave& leave) {
  const auto it = members_.find(leave.id);
  if (it == members_.end()) return;  // already evicted
  // Publish first: the writer may look the moment it is told, and must find everything up to
  // the flush point already visible, or it would stop short of it.
  log_.publish();
  it->second.outbox->close(Farewell::left, log_.end_position());
  // Announced while still counted, so a room at the notice limit announces leaves like joins.
  announce_membership(
      it->second.name,
      "left (" + (leave.reason.empty() ? std::string("closed") : leave.reason) + ")");
  members_.erase(it);
  counters_.members.store(members_.size());
}

void Room::on(Say& say) {
  const auto it = members_.find(say.id);
  if (it == members_.end()) return;  // evicted while its last lines were in flight
  const std::string_view name = it->second.name;
  if (say.kind == SayKind::action) {
    remember_message(log_.end_position());
    log_.append({"* ", name, " ", say.text, "\n"});
    counters_.messages.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  std::string_view rest = say.text;
  std::uint64_t said = 0;
  for (;;) {
    const std::size_t end = rest.find('\n');
    remember_message(log_.end_position());
    log_.append({name, ":", rest.substr(0, end), "\n"});
    ++said;
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  counters_.messages.fetch_add(said, std::memory_order_relaxed);
}

void Room::on(Rename& rename) {
  const auto it = members_.find(rename.id);
  if (it == members_.end()) return;
  log_.append({"* ", it->second.name, " is now known as ", rename.name, "\n"});
  it->second.name = std::move(rename.name);
}

void Room::on(Who& who) {
  const auto it = members_.find(who.id);
  if (it == members_.end()) return;
  std::vector<std::string_view> names;
  names.reserve(members_.size());
  for (const auto& [id, member] : members_) names.push_back(member.name);
  std::sort(names.begin(), names.end());
  std::string reply = "* " + std::to_string(names.size()) + " in " + name_ + ":";
  for (std::size_t i = 0; i < names.size() && i < max_names_listed; ++i) {
    reply += ' ';
    reply += names[i];
  }
  if (names.size() > max_names_listed)
    reply += " (and " + std::to_string(names.size() - max_names_listed) + " more)";
  reply += '\n';
  it->second.outbox->push_direct(std::move(reply));
}

void Room::on(Stop&) {
  stopping_ = true;
}

void Room::deliver() {
  log_.publish();
  const std::uint64_t end = log_.end_position();
  forget_unreplayable_history(end);
  std::vector<MemberId> laggards;
  for (auto& [id, member] : members_) {
    if (end - member.outbox->delivered() > limits_.outbox_bytes) {
      laggards.push_back(id);
    } else {
      member.outbox->notify();
    }
  }
  if (laggards.empty()) return;
  for (MemberId id : laggards) evict_slow_consumer(id);
  // The eviction notices are traffic too: make them visible to everyone left.
  log_.publish();
  for (auto& [id, member] : members_) member.outbox->notify();
}

void Room::evict_slow_consumer(MemberId id) {
  const auto it = members_.find(id);
  it->second.outbox->evict(Farewell::too_slow);
  announce_membership(it->second.name, "left (too slow)");
  members_.erase(it);
  counters_.members.store(members_.size());
  counters_.evicted_slow.fetch_add(1, std::memory_order_relaxed);
}

void Room::announce_membership(std::string_view name, std::string_view what) {
  if (members_.size() > limits_.notice_limit) return;
  log_.append({"* ", name, " ", what, "\n"});
}

void Room::remember_message(std::uint64_t start) {
  if (limits_.history == 0) return;
  history_.push_back(start);
  // The pin follows once per batch, in forget_unreplayable_history: not per message.
  if (history_.size() > limits_.history) history_.pop_front();
}

// Lets go of log chunks that only messages too old to replay still needed.
void Room::forget_unreplayable_history(std::uint64_t end) {
  if (limits_.history == 0) return;
  // A newcomer is never replayed more than half an outbox, so nothing older is worth keeping —
  // not even the notices that pile up after the last message.
  const std::uint64_t keep_from =
      end > limits_.outbox_bytes / 2 ? end - limits_.outbox_bytes / 2 : 0;
  while (!history_.empty() && history_.front() < keep_from) history_.pop_front();
  history_pin_ = log_.cursor_at(history_.empty() ? end : history_.front(), history_pin_);
}

std::pair<LogCursor, std::size_t> Room::history_for_newcomer() const {
  const std::uint64_t end = log_.end_position();
  // Never replay so much that the newcomer starts out half-way to being too slow.
  const std::uint64_t budget = limits_.outbox_bytes / 2;
  std::size_t replayed = 0;
  for (auto it = history_.rbegin(); it != history_.rend() && end - *it <= budget; ++it) ++replayed;
  if (replayed == 0) return {log_.end_cursor(), 0};
  return {log_.cursor_at(history_[history_.size() - replayed], history_pin_), replayed};
}

}  // namespace chatd::actors
