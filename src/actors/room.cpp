// Room: the single owner of membership; see room.hpp.
#include "actors/room.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <utility>

#include "base/log.hpp"

namespace chatd::actors {

namespace asio = boost::asio;

namespace {
const boost::system::error_code no_error;

// Events handled between two delivery passes. Large enough to amortise the pass over all
// members, small enough that the first message of a batch is not held back noticeably.
constexpr std::size_t max_batch = 256;

// /who names at most this many members, so the reply stays one reasonable line.
constexpr std::size_t max_names_listed = 1000;

// How long a room new to this node waits for the cluster's history before its first event.
constexpr auto bootstrap_timeout = std::chrono::seconds(1);

bool is_spoken(const Record& record) {
  return std::holds_alternative<record::Message>(record) ||
         std::holds_alternative<record::Action>(record);
}
}  // namespace

Room::Room(asio::any_io_executor executor, RoomLimits limits, std::string name,
           std::shared_ptr<ChatCounters> chat, std::shared_ptr<RoomRelay> relay)
    : name_(std::move(name)),
      limits_(limits),
      inbox_(executor, limits.inbox_capacity),
      chat_(chat ? std::move(chat) : std::make_shared<ChatCounters>()),
      relay_(std::move(relay)),
      bootstrap_wait_(std::move(executor), bootstrap_timeout) {
  if (relay_) proposal_.start(relay_->origin(), next_seq_);
}

asio::awaitable<bool> Room::send(RoomEvent event) {
  auto [ec] =
      co_await inbox_.async_send(no_error, std::move(event), asio::as_tuple(asio::use_awaitable));
  co_return !ec;
}

asio::awaitable<void> Room::run() {
  std::exception_ptr failure;
  try {
    if (relay_) {
      using namespace asio::experimental::awaitable_operators;
      co_await (take_events() && follow_cluster());
    } else {
      co_await take_events();
    }
  } catch (...) {
    // A bug, reported by whoever spawned the room; its members must still be let go.
    failure = std::current_exception();
  }
  close_every_feed();
  if (failure) std::rethrow_exception(failure);
}

asio::awaitable<void> Room::take_events() {
  if (relay_ && !bootstrapped_) {
    co_await bootstrap_wait_.async_wait(asio::as_tuple(asio::use_awaitable));
    bootstrapped_ = true;
  }
  while (!stopping_) {
    // The relay's queue is full: take no new events (their senders wait) until it has room.
    while (!send_unsent()) co_await relay_->wait_for_space();
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
  if (relay_) {
    // The members' last leaves go to the other nodes if the queue takes them now.
    if (!send_unsent())
      base::log_line("room " + name_ + ": " + std::to_string(unsent_.size()) +
                     " batches not sent to the cluster at shutdown (its queue is full)");
    relay_->close_room_side();
  }
}

asio::awaitable<void> Room::follow_cluster() {
  const auto executor = inbox_.get_executor();
  while (co_await relay_->wait_for_deliveries()) {
    RoomRelay::Delivery delivery;
    while (relay_->take_delivery(delivery)) {
      std::visit([this](const auto& d) { on(d); }, delivery);
      // Each batch is another node's room pass: delivered, and the writers given their turn,
      // before the next, as this node's own passes are. A backlog applied in one pass would put
      // every member more than --outbox behind at once.
      deliver();
      co_await asio::post(executor, asio::use_awaitable);
    }
  }
}

void Room::close_every_feed() {
  for (auto& [id, member] : members_) let_go(member, Farewell::shutdown);
  members_.clear();
  logs_.clear();
  counters_.members.store(0);
  // Late senders get channel_closed instead of waiting on a room that no longer reads.
  inbox_.close();
}

void Room::let_go(Member& member, Farewell why) {
  // Publish first: the writer may look the moment it is told, and must find everything up to
  // the flush point already visible, or it would stop short of it. Replies the lane has no room
  // for go with the farewell, after those in it: nothing owed is lost.
  member.log->log.publish();
  member.feed->close(why, member.log->log.end_position(), std::move(member.held));
}

void Room::handle(RoomEvent event) {
  std::visit([this](auto& e) { on(e); }, event);
}

void Room::on(Join& join) {
  if (const auto old = members_.find(join.id); old != members_.end()) {
    // The same member again: its earlier feed ends quietly, where the room is now.
    let_go(old->second, Farewell::left);
    remove(old);
  }
  FormatLog& log = log_for(*join.format);
  auto [start, replayed] = history_for_newcomer(log);
  std::string greeting;
  if (replayed > 0) render(log.format, record::HistoryMarker{replayed}, greeting);
  join.feed->attach(std::move(start), std::move(greeting), log.probe);
  if (join.feed->notify()) counters_.wakeups.fetch_add(1, std::memory_order_relaxed);
  log.readers.emplace_back(join.id, join.feed.get());
  const auto [it, inserted] = members_.emplace(
      join.id,
      Member{
          join.id, std::move(join.name), std::move(join.feed), &log, log.readers.size() - 1, {}});
  counters_.members.store(members_.size());
  // The topic, for the newcomer alone, after its history.
  if (!topic_.empty() && join.format->tells_topic_on_join())
    tell(it->second, record::Topic{topic_, topic_by_, it->second.name});
  if (proposing()) {
    proposal_.joined(join.id, it->second.name);
    proposal_presence_ = true;
  } else {
    announce(record::Joined{it->second.name});
  }
}

void Room::on(Leave& leave) {
  const auto it = members_.find(leave.id);
  if (it == members_.end()) return;  // already evicted
  Member& member = it->second;
  let_go(member, Farewell::left);
  if (proposing()) {
    proposal_.left(leave.id, member.name, leave.reason, leave.detail);
    proposal_presence_ = true;
  } else {
    // Announced while still counted, so a room at the notice limit announces leaves like joins.
    announce(record::Left{member.name, leave.reason, leave.detail});
  }
  remove(it);
}

void Room::on(Say& say) {
  const auto it = members_.find(say.id);
  if (it == members_.end()) return;  // evicted while its last lines were in flight
  const std::string_view from = it->second.name;
  for (std::size_t i = 0; i < say.lines.size(); ++i) {
    if (proposing())
      proposal_.message(from, say.lines[i]);
    else
      apply(record::Message{from, say.lines[i]});
  }
  chat_->messages_in.add(say.lines.size());
}

void Room::on(Act& act) {
  const auto it = members_.find(act.id);
  if (it == members_.end()) return;
  if (proposing())
    proposal_.action(it->second.name, act.text.view());
  else
    apply(record::Action{it->second.name, act.text.view()});
  chat_->messages_in.add(1);
}

void Room::on(Rename& rename) {
  const auto it = members_.find(rename.id);
  if (it == members_.end()) return;
  if (proposing()) {
    proposal_.renamed(rename.id, it->second.name, rename.name);
    proposal_presence_ = true;
  } else {
    apply(record::Renamed{it->second.name, rename.name});
  }
  it->second.name = std::move(rename.name);
}

void Room::on(Who& who) {
  const auto it = members_.find(who.id);
  if (it == members_.end()) return;
  std::vector<std::string_view> names;
  if (who.names) {
    names.assign(who.names->begin(), who.names->end());
  } else {
    names.reserve(members_.size());
    for (const auto& [id, member] : members_) names.push_back(member.name);
  }
  std::sort(names.begin(), names.end());
  const std::size_t listed = std::min(names.size(), max_names_listed);
  tell(it->second, record::Members{names.size(), std::span(names).first(listed),
                                   it->second.name, who.listing});
}

void Room::on(SetTopic& set) {
  const auto it = members_.find(set.id);
  if (it == members_.end()) return;
  if (proposing()) {
    proposal_.topic(it->second.name, set.text.view());
    proposal_presence_ = true;  // the store keeps the topic beside the stream
  } else {
    apply(record::TopicChanged{it->second.name, set.text.view()});
  }
}

void Room::on(AskTopic& ask) {
  const auto it = members_.find(ask.id);
  if (it == members_.end()) return;
  tell(it->second, record::Topic{topic_, topic_by_, it->second.name});
}

void Room::on(Private& message) {
  const auto it = members_.find(message.reader);
  if (it == members_.end()) return;  // gone (or moved on) since it was looked up
  tell(it->second, record::PrivateMessage{message.from, message.to, message.text.view()});
}

void Room::on(Tell& told) {
  const auto it = members_.find(told.id);
  if (it == members_.end()) return;
  tell(it->second, std::move(told.bytes));
}

void Room::on(Stop&) {
  stopping_ = true;
  // The other nodes see this node's members leave now, not when they are missed.
  if (!proposing()) return;
  for (const auto& [id, member] : members_)
    proposal_.left(id, member.name, LeaveReason::shutdown, {});
  proposal_presence_ = true;
}

void Room::on(const RoomRelay::Sequenced& sequenced) {
  if (sequenced.history) {
    if (!bootstrapped_) apply_history(*sequenced.batch);
    return;
  }
  BatchReader reader(*sequenced.batch);
  const auto origin = reader.origin();
  if (!origin) {
    base::log_line("room " + name_ + ": skipped a cluster batch without a header");
    return;
  }
  // This node's members are here whatever the store took it for; they register again.
  if (origin->reaped() == relay_->node()) return;
  const bool own = origin->origin == relay_->origin();
  if (own) {
    // Delivered in the order proposed: everything up to this one has been delivered too.
    while (!unechoed_.empty() && unechoed_.front().first <= origin->seq) unechoed_.pop_front();
    if (origin->seq <= applied_own_through_) return;
  }
  apply_batch(*sequenced.batch, own);
}

void Room::on(const RoomRelay::Linked& linked) {
  bootstrapped_ = true;
  bootstrap_wait_.cancel();
  linked_ = true;
  if (members_.empty()) return;
  const LinkState state = [&] {
    switch (linked.change) {
      case RoomRelay::LinkChange::first:
        return LinkState::up;
      case RoomRelay::LinkChange::back:
        return LinkState::back;
      case RoomRelay::LinkChange::store_lost:
        return LinkState::store_lost;
    }
    return LinkState::back;
  }();
  apply(record::LinkChanged{state, {}, 0});
  // Whatever the store still knows of them, it knows them again now (a member it knew already
  // is not announced again).
  rejoin_everyone();
}

void Room::on(const RoomRelay::Unlinked& unlinked) {
  bootstrapped_ = true;
  bootstrap_wait_.cancel();
  const bool was_linked = std::exchange(linked_, false);
  // What this node's members said that has not come back is theirs to see: applied here now,
  // and not again if the store delivers it after all.
  std::size_t records = 0;
  for (const auto& [seq, batch] : unechoed_) {
    records += apply_batch(*batch, true);
    applied_own_through_ = seq;
  }
  unechoed_.clear();
  unsent_.clear();
  if (!was_linked || members_.empty()) return;
  apply(record::LinkChanged{LinkState::lost, unlinked.why, records});
}

void Room::on(const RoomRelay::TopicKnown& known) {
  // The store's word on the topic when the room is (re)read: state, not news, so nothing is
  // rendered; the record that set it was rendered when it was applied, if it was here.
  topic_ = known.topic;
  topic_by_ = known.topic.empty() ? std::string() : known.set_by;
}

void Room::apply(const Record& record) {
  if (const auto* changed = std::get_if<record::TopicChanged>(&record)) {
    topic_ = changed->topic;
    topic_by_ = changed->topic.empty() ? std::string_view() : changed->by;
  }
  const bool spoken = is_spoken(record);
  if (spoken) ++messages_pending_;
  for (const auto& log : logs_) {
    if (!render(log->format, record, scratch_)) continue;
    if (spoken && limits_.history > 0) {
      log->history.push_back(log->log.end_position());
      // The pin follows once per batch, in forget_unreplayable_history: not per message.
      if (log->history.size() > limits_.history) log->history.pop_front();
    }
    log->log.append({scratch_});
    // Every reader now has it ahead of its cursor (a newcomer's cursor starts at the end), so
    // this counts deliveries without a loop over members. (A leaver is still a reader while its
    // own leave notice is appended, which it never reads: one too many per announced leave.)
    deliveries_pending_ += log->readers.size();
    // One message timed at a time per log, one in latency_sample at most; the clock is read
    // only when a probe starts.
    if (spoken && ++log->untimed >= limits_.latency_sample && !log->readers.empty() &&
        !log->probe->in_flight()) {
      log->untimed = 0;
      log->probe->start(log->log.end_position(), DeliveryProbe::Clock::now(), log->readers.size());
    }
  }
  if (spoken) remember_spoken(record);
}

void Room::remember_spoken(const Record& record) {
  if (limits_.history == 0) return;
  const auto remember = [this](std::string_view from, std::string_view text, bool action) {
    spoken_.push_back(Spoken{std::string(from), std::string(text), action});
    spoken_bytes_ += from.size() + text.size();
  };
  if (const auto* message = std::get_if<record::Message>(&record))
    remember(message->from, message->text, false);
  else if (const auto* action = std::get_if<record::Action>(&record))
    remember(action->from, action->text, true);
  // Never more than a newcomer could be replayed: see history_for_newcomer.
  while (spoken_.size() > limits_.history ||
         (spoken_.size() > 1 && spoken_bytes_ > limits_.outbox_bytes / 2)) {
    spoken_bytes_ -= spoken_.front().from.size() + spoken_.front().text.size();
    spoken_.pop_front();
  }
}

bool Room::render(const WireFormat& format, const Record& record, std::string& out) {
  out.clear();
  try {
    format.render(record, name_, out);
  } catch (const std::exception& e) {
    base::log_line("room " + name_ + ": a wire format failed to render a record: " + e.what());
    out.clear();
    return false;
  }
  // Writers cut between units at '\n': anything else would let one record run into the next.
  if (!out.empty() && out.back() == '\n') return true;
  if (!out.empty()) base::log_line("room " + name_ + ": a wire format rendered an unfinished unit");
  out.clear();
  return false;
}

void Room::tell(Member& member, const Record& record) {
  std::string bytes;
  if (render(member.log->format, record, bytes)) tell(member, std::move(bytes));
}

void Room::tell(Member& member, std::string bytes) {
  const std::uint64_t after = member.log->log.end_position();
  // Behind held replies a new one waits too, or it would overtake them.
  if (!member.held.empty() || member.feed->push_reply(after, bytes) == PushResult::full) {
    member.held_bytes += bytes.size();
    member.held.push_back(Subscription::Reply{after, std::move(bytes)});
  }
  told_.push_back(member.id);
}

bool Room::release_held(Member& member) {
  std::size_t released = 0;
  while (released < member.held.size()) {
    Subscription::Reply& reply = member.held[released];
    const std::size_t size = reply.bytes.size();  // push_reply takes the bytes when it accepts
    if (member.feed->push_reply(reply.after, reply.bytes) == PushResult::full) break;
    member.held_bytes -= size;
    ++released;
  }
  member.held.erase(member.held.begin(),
                    member.held.begin() + static_cast<std::ptrdiff_t>(released));
  // Owed more than the outbox bound in replies alone: as slow as a reader that far behind.
  return member.held_bytes <= limits_.outbox_bytes;
}

void Room::deliver() {
  std::vector<MemberId> laggards;
  publish(laggards);
  std::vector<MemberId> still_holding;
  for (const MemberId id : told_) {
    const auto it = members_.find(id);
    if (it == members_.end()) continue;
    if (!release_held(it->second)) {
      laggards.push_back(id);
      continue;
    }
    if (it->second.feed->notify()) counters_.wakeups.fetch_add(1, std::memory_order_relaxed);
    if (!it->second.held.empty()) still_holding.push_back(id);  // looked at again next pass
  }
  told_ = std::move(still_holding);
  while (!laggards.empty()) {
    for (const MemberId id : laggards) {
      if (members_.contains(id)) evict_slow_consumer(id);
    }
    laggards.clear();
    // The eviction notices are traffic too: publish them to everyone left.
    publish(laggards);
  }
  if (deliveries_pending_ > 0) chat_->deliveries.add(std::exchange(deliveries_pending_, 0));
  if (messages_pending_ > 0)
    counters_.messages.fetch_add(std::exchange(messages_pending_, 0), std::memory_order_relaxed);
  flush_proposal();
}

void Room::flush_proposal() {
  if (proposal_.records() == 0) return;
  const std::uint64_t seq = next_seq_++;
  auto batch = std::make_shared<const std::string>(proposal_.take());
  unechoed_.emplace_back(seq, batch);
  unsent_.push_back(
      RoomRelay::Proposal{std::move(batch), std::exchange(proposal_presence_, false)});
  proposal_.start(relay_->origin(), next_seq_);
  send_unsent();
}

bool Room::send_unsent() {
  while (!unsent_.empty()) {
    if (!relay_->propose(unsent_.front())) return false;
    unsent_.pop_front();
  }
  return true;
}

void Room::rejoin_everyone() {
  flush_proposal();
  for (const auto& [id, member] : members_) proposal_.joined(id, member.name, true);
  if (proposal_.records() == 0) return;
  const std::uint64_t seq = next_seq_++;
  auto batch = std::make_shared<const std::string>(proposal_.take());
  unechoed_.emplace_back(seq, batch);
  unsent_.push_back(RoomRelay::Proposal{std::move(batch), true, true});
  proposal_.start(relay_->origin(), next_seq_);
  send_unsent();
}

std::size_t Room::apply_batch(std::string_view batch, bool own) {
  BatchReader reader(batch);
  reader.origin();
  std::size_t records = 0;
  while (const auto next = reader.next()) {
    ++records;
    // A member re-registering after a lost link is news to the other nodes only.
    if (next->rejoin && own) continue;
    if (std::holds_alternative<record::Joined>(next->record) ||
        std::holds_alternative<record::Left>(next->record))
      announce(next->record);
    else
      apply(next->record);
  }
  if (reader.malformed()) base::log_line("room " + name_ + ": skipped a malformed cluster record");
  return records;
}

void Room::apply_history(std::string_view batch) {
  BatchReader reader(batch);
  reader.origin();
  while (const auto next = reader.next()) {
    if (is_spoken(next->record)) remember_spoken(next->record);
  }
}

void Room::publish(std::vector<MemberId>& laggards) {
  for (const auto& log : logs_) {
    log->log.publish();
    forget_unreplayable_history(*log);
    const std::uint64_t end = log->log.end_position();
    // Nothing new in this format: none of its readers has anything to be woken for.
    if (end == log->notified_end) continue;
    log->notified_end = end;
    for (const auto& [id, feed] : log->readers) {
      if (end - feed->delivered() > limits_.outbox_bytes) {
        laggards.push_back(id);
      } else if (feed->notify()) {
        counters_.wakeups.fetch_add(1, std::memory_order_relaxed);
      }
    }
  }
}

void Room::evict_slow_consumer(MemberId id) {
  const auto it = members_.find(id);
  it->second.feed->evict(Farewell::too_slow);
  if (proposing()) {
    proposal_.left(id, it->second.name, LeaveReason::too_slow, {});
    proposal_presence_ = true;
  } else {
    announce(record::Left{it->second.name, LeaveReason::too_slow, {}});
  }
  remove(it);
  counters_.evicted_slow.fetch_add(1, std::memory_order_relaxed);
  chat_->evicted_too_slow.add(1);
}

void Room::announce(const Record& record) {
  if (members_.size() > limits_.notice_limit) return;
  apply(record);
}

void Room::remove(Members::iterator it) {
  FormatLog* log = it->second.log;
  const std::size_t slot = it->second.slot;
  // Whether or not its writer still flushes, the log's probe no longer waits for it.
  it->second.feed->leave_probe();
  if (slot + 1 != log->readers.size()) {
    log->readers[slot] = log->readers.back();
    members_.find(log->readers[slot].first)->second.slot = slot;
  }
  log->readers.pop_back();
  members_.erase(it);
  counters_.members.store(members_.size());
  if (log->readers.empty()) {
    // Nobody reads this format here any more: stop rendering it. Feeds still flushing keep the
    // chunks they read alive on their own.
    std::erase_if(logs_, [log](const auto& owned) { return owned.get() == log; });
  }
}

Room::FormatLog& Room::log_for(const WireFormat& format) {
  for (const auto& log : logs_) {
    if (&log->format == &format) return *log;
  }
  auto& log = *logs_.emplace_back(std::make_unique<FormatLog>(
      format, std::shared_ptr<base::LatencyHistogram>(chat_, &chat_->delivery_latency)));
  // Only a log that keeps history pins its chunks; without one, they would never be freed.
  if (limits_.history == 0) return log;
  log.history_pin = log.log.end_cursor();
  for (const Spoken& spoken : spoken_) {
    const Record record = spoken.action ? Record(record::Action{spoken.from, spoken.text})
                                        : Record(record::Message{spoken.from, spoken.text});
    if (!render(format, record, scratch_)) continue;
    log.history.push_back(log.log.end_position());
    log.log.append({scratch_});
  }
  return log;
}

// Lets go of log chunks that only messages too old to replay still needed.
void Room::forget_unreplayable_history(FormatLog& log) {
  if (limits_.history == 0) return;
  const std::uint64_t end = log.log.end_position();
  // A newcomer is never replayed more than half an outbox, so nothing older is worth keeping —
  // not even the notices that pile up after the last message.
  const std::uint64_t keep_from =
      end > limits_.outbox_bytes / 2 ? end - limits_.outbox_bytes / 2 : 0;
  while (!log.history.empty() && log.history.front() < keep_from) log.history.pop_front();
  log.history_pin =
      log.log.cursor_at(log.history.empty() ? end : log.history.front(), log.history_pin);
}

std::pair<LogCursor, std::size_t> Room::history_for_newcomer(const FormatLog& log) const {
  const std::uint64_t end = log.log.end_position();
  // Never replay so much that the newcomer starts out half-way to being too slow.
  const std::uint64_t budget = limits_.outbox_bytes / 2;
  std::size_t replayed = 0;
  for (auto it = log.history.rbegin(); it != log.history.rend() && end - *it <= budget; ++it)
    ++replayed;
  if (replayed == 0) return {log.log.end_cursor(), 0};
  return {log.log.cursor_at(log.history[log.history.size() - replayed], log.history_pin), replayed};
}

}  // namespace chatd::actors
