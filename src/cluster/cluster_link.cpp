// The node's link to the cluster's store; see cluster_link.hpp.
#include "cluster/cluster_link.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <deque>
#include <random>

#include "actors/cluster_batch.hpp"
#include "base/ascii.hpp"
#include "base/log.hpp"
#include "cluster/store_functions.hpp"
#include "cluster/store_keys.hpp"

namespace chatd::cluster {

namespace asio = boost::asio;
using actors::RoomRelay;
using namespace std::chrono_literals;

namespace {
// Proposals sent and not yet answered, and bytes not yet written, before the link stops taking
// more (the rooms' queues then fill, and their senders wait).
constexpr std::size_t max_in_flight = 512;
constexpr std::size_t max_unsent_bytes = 8 << 20;
// Entries per stream per XREAD: an entry is one room pass of another node (up to 256 events),
// and the room lets its writers run after each, so a backlog arrives in pieces the writers keep
// up with, not in one pass that puts every member over --outbox at once.
constexpr std::size_t read_count = 32;
constexpr auto read_block = 1000ms;
// Private messages a node's inbox keeps (MAXLEN ~): a node reads its inbox as it reads its
// rooms, so this only bounds what waits for a node that stopped reading.
constexpr std::size_t inbox_length = 1000;
constexpr auto first_backoff = 100ms;
constexpr auto max_backoff = 5000ms;

std::string random_hex() {
  std::random_device device;
  const std::uint64_t value = (std::uint64_t{device()} << 32) | device();
  static constexpr char digits[] = "0123456789abcdef";
  std::string text(16, '0');
  for (std::size_t i = 0; i < text.size(); ++i) text[i] = digits[(value >> (4 * i)) & 0xf];
  return text;
}

// A delay between half and one and a half `base`, so nodes that lost Redis together do not
// come back in lockstep.
std::chrono::milliseconds jittered(std::chrono::milliseconds base) {
  static thread_local std::minstd_rand generator(std::random_device{}());
  std::uniform_int_distribution<long> spread(base.count() / 2, base.count() * 3 / 2);
  return std::chrono::milliseconds(spread(generator));
}

bool is_fatal(std::string_view error) {
  return error.starts_with("wrong password") || error.starts_with("not a Redis") ||
         error.starts_with("cannot load");
}

std::string seconds(std::chrono::milliseconds duration) {
  if (duration < 1000ms) return std::to_string(duration.count()) + " ms";
  const auto tenths = duration.count() / 100;
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " s";
}

// A stream entry's batch: the value of its field "b".
RedisReply* batch_field(RedisReply& fields) {
  for (std::size_t i = 0; i + 1 < fields.elements.size(); i += 2)
    if (fields.elements[i].text == "b") return &fields.elements[i + 1];
  return nullptr;
}
}  // namespace

struct ClusterLink::Stream {
  explicit Stream(std::shared_ptr<RoomRelay> room_relay)
      : relay(std::move(room_relay)),
        folded(base::folded(relay->room())),
        log_key(keys::room_log(folded)),
        members_key(keys::room_members(folded)),
        topic_key(keys::room_topic(folded)),
        node_rooms_key() {}

  std::shared_ptr<RoomRelay> relay;
  std::string folded;
  std::string log_key;
  std::string members_key;
  std::string topic_key;
  std::string node_rooms_key;
  std::string last_id;                      // the last entry delivered; empty: never read yet
  bool reading = false;                     // resumed on the current connection
  bool bootstrapping = false;               // a coroutine holds a pointer to it
  bool told = false;                        // the room has heard whether it is linked
  std::deque<RoomRelay::Delivery> pending;  // what the relay had no room for yet
};

ClusterLink::ClusterLink(asio::io_context::executor_type pool, ClusterOptions options)
    : strand_(asio::make_strand(pool)),
      options_(std::move(options)),
      instance_(options_.node_id + "." + random_hex()),
      stream_length_(std::to_string(options_.stream_length)),
      inbox_key_(keys::node_inbox(options_.node_id)),
      lost_signal_(strand_),
      reader_idle_(strand_) {}

ClusterLink::~ClusterLink() = default;

// --- connecting ---

asio::awaitable<std::string> ClusterLink::connect_once(bool* fatal) {
  *fatal = false;
  // The same two objects for every connection: a coroutine may still be suspended in one from
  // the connection before.
  if (!writer_) writer_ = std::make_unique<RedisConnection>(strand_);
  if (!reader_) reader_ = std::make_unique<RedisConnection>(strand_);
  for (RedisConnection* connection : {writer_.get(), reader_.get()}) {
    connection->close();
    std::string error = co_await connection->connect(options_.address, options_.connect_timeout);
    if (!error.empty()) {
      *fatal = is_fatal(error);
      co_return error;
    }
  }
  std::vector<std::string> client_id{"CLIENT", "ID"};
  const RedisReply id = co_await reader_->call(std::move(client_id));
  if (id.kind != RedisReply::Kind::integer) co_return "CLIENT ID failed: " + id.text;
  reader_id_ = std::to_string(id.integer);
  std::vector<std::string> load_functions{"FUNCTION", "LOAD", "REPLACE",
                                          std::string(store_functions)};
  const RedisReply loaded = co_await writer_->call(std::move(load_functions));
  if (loaded.is_error()) {
    *fatal = true;
    co_return "cannot load chatd's functions (Redis 7 or later is needed): " + loaded.text;
  }
  std::vector<std::string> set_epoch{"SET", std::string(keys::epoch), random_hex(), "NX"};
  const RedisReply set = co_await writer_->call(std::move(set_epoch));
  std::vector<std::string> get_epoch{"GET", std::string(keys::epoch)};
  const RedisReply epoch = co_await writer_->call(std::move(get_epoch));
  if (set.is_error() || epoch.kind != RedisReply::Kind::string)
    co_return "cannot read the store's epoch: " + epoch.text;
  const std::weak_ptr<ClusterLink> weak = weak_from_this();
  for (auto* connection : {writer_.get(), reader_.get()}) {
    connection->on_lost([weak](std::string why) {
      if (auto self = weak.lock()) self->lost(std::move(why));
    });
  }
  // Compared by keep_linked(): the first epoch seen is the one that counts.
  lost_why_.clear();
  if (epoch_.empty()) epoch_ = epoch.text;
  if (epoch.text != epoch_) {
    epoch_ = epoch.text;
    co_return std::string("epoch changed");
  }
  co_return std::string();
}

asio::awaitable<ClusterLink::FirstContact> ClusterLink::contact() {
  auto attempt = asio::co_spawn(strand_, contact_here(shared_from_this()), asio::use_awaitable);
  FirstContact result = co_await std::move(attempt);
  co_return result;
}

asio::awaitable<ClusterLink::FirstContact> ClusterLink::contact_here(
    std::shared_ptr<ClusterLink> self) {
  FirstContact result;
  result.error = co_await self->connect_once(&result.fatal);
  if (!result.error.empty()) {
    self->tried_ = true;
    self->lost_why_ = result.error;
  }
  co_return result;
}

std::function<void(std::exception_ptr)> ClusterLink::keep_alive() {
  return [self = shared_from_this()](std::exception_ptr error) {
    base::log_escape("cluster link")(error);
  };
}

void ClusterLink::start() {
  asio::co_spawn(strand_, keep_linked(), keep_alive());
}

asio::awaitable<void> ClusterLink::keep_linked() {
  auto backoff = first_backoff;
  bool ever_linked = false;
  while (!stopping_) {
    bool fatal = false;
    std::string error;
    if (!writer_ || !writer_->connected() || !reader_ || !reader_->connected())
      error = co_await connect_once(&fatal);
    const bool store_lost = error == "epoch changed";
    if (stopping_) break;
    if (!error.empty() && !store_lost) {
      // Rooms that started while the first attempt was under way learn only now that they are
      // on their own.
      tried_ = true;
      lost_why_ = error;
      for (const auto& stream : streams_) {
        if (!stream->told) deliver(*stream, RoomRelay::Unlinked{error});
      }
      const auto delay = jittered(backoff);
      base::log_line("cluster: cannot reach " + describe(options_.address) + ": " + error +
                     "; retrying in " + seconds(delay));
      backoff = std::min(backoff * 2, max_backoff);
      asio::steady_timer wait(strand_, delay);
      co_await wait.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    backoff = first_backoff;
    ++generation_;
    connected_ = true;
    linked_.store(true);
    counters_.linked.add(1);
    if (store_lost) counters_.store_resets.add();
    const auto change = !ever_linked ? RoomRelay::LinkChange::first
                        : store_lost ? RoomRelay::LinkChange::store_lost
                                     : RoomRelay::LinkChange::back;
    base::log_line("cluster: linked to " + describe(options_.address) + " as node " +
                   options_.node_id +
                   (store_lost ? " (the store had lost its data: rooms start over)" : ""));
    if (ever_linked) co_await reclaim_nicks();
    ever_linked = true;
    // Private messages are read from where the inbox ends when first linked; after a loss, on
    // from where reading stopped (what arrived meanwhile is still for this node's members).
    if (inbox_last_id_.empty() || store_lost) inbox_last_id_ = co_await inbox_end();
    for (const auto& stream : streams_) {
      if (store_lost) stream->last_id = "0-0";
      asio::co_spawn(strand_, bootstrap(stream.get(), change), keep_alive());
    }
    asio::co_spawn(strand_, read_streams(), keep_alive());
    asio::co_spawn(strand_, beat(), keep_alive());
    send_proposals();

    lost_signal_.expires_at(asio::steady_timer::time_point::max());
    if (connected_) co_await lost_signal_.async_wait(asio::as_tuple(asio::use_awaitable));
    if (stopping_) break;
    base::log_line("cluster: link to " + describe(options_.address) + " lost: " + lost_why_ +
                   "; this node's rooms go on alone");
    writer_->close();
    reader_->close();
    for (const auto& stream : streams_) {
      stream->reading = false;
      deliver(*stream, RoomRelay::Unlinked{lost_why_});
    }
    // What the rooms proposed before they hear of the loss is theirs to apply.
    send_proposals();
  }
}

void ClusterLink::lost(std::string why) {
  if (!connected_) return;
  connected_ = false;
  linked_.store(false);
  counters_.linked.sub(1);
  counters_.link_losses.add();
  lost_why_ = std::move(why);
  ++generation_;
  lost_signal_.cancel();
  reader_idle_.cancel();
}

asio::awaitable<void> ClusterLink::bootstrap(Stream* stream, RoomRelay::LinkChange change) {
  const std::uint64_t generation = generation_;
  stream->bootstrapping = true;
  if (stream->last_id.empty()) {
    // New to this node: its recent history first, then everything after it.
    // At least one entry, for where the room's stream ends even without history.
    std::vector<std::string> recent_entries{
        "XREVRANGE", stream->log_key, "+",
        "-",         "COUNT",         std::to_string(std::max<std::size_t>(options_.history, 1))};
    RedisReply recent = co_await writer_->call(std::move(recent_entries));
    if (generation != generation_) {
      stream->bootstrapping = false;
      co_return;  // lost meanwhile: the next connection starts it again
    }
    stream->last_id = "0-0";
    if (!recent.elements.empty() && recent.elements.front().elements.size() == 2)
      stream->last_id = recent.elements.front().elements[0].text;
    if (options_.history == 0) recent.elements.clear();
    for (auto entry = recent.elements.rbegin(); entry != recent.elements.rend(); ++entry) {
      if (entry->elements.size() != 2) continue;
      if (RedisReply* batch = batch_field(entry->elements[1]))
        deliver(*stream, RoomRelay::Sequenced{
                             std::make_shared<const std::string>(std::move(batch->text)), true});
    }
    // The topic as the store keeps it: the record that set it may be older than the history
    // read. One set after the XREVRANGE is seen again in the stream, after this, in its order.
    std::vector<std::string> read_topic{"HGETALL", stream->topic_key};
    RedisReply topic = co_await writer_->call(std::move(read_topic));
    if (generation != generation_) {
      stream->bootstrapping = false;
      stream->last_id.clear();
      co_return;
    }
    RoomRelay::TopicKnown known;
    for (std::size_t i = 0; i + 1 < topic.elements.size(); i += 2) {
      if (topic.elements[i].text == "by") known.set_by = std::move(topic.elements[i + 1].text);
      if (topic.elements[i].text == "text") known.topic = std::move(topic.elements[i + 1].text);
    }
    deliver(*stream, std::move(known));
    change = RoomRelay::LinkChange::first;
  }
  stream->bootstrapping = false;
  stream->reading = true;
  deliver(*stream, RoomRelay::Linked{change});
  wake_reader();
}

// --- rooms ---

std::shared_ptr<RoomRelay> ClusterLink::relay_for(const std::string& room,
                                                  asio::any_io_executor room_executor) {
  const std::weak_ptr<ClusterLink> weak = weak_from_this();
  auto relay =
      std::make_shared<RoomRelay>(room, options_.node_id, instance_, options_.relay_capacity,
                                  std::move(room_executor), [weak, strand = strand_] {
                                    asio::post(strand, [weak] {
                                      if (auto self = weak.lock()) self->send_proposals();
                                    });
                                  });
  asio::post(strand_, [self = shared_from_this(), relay] { self->add_stream(relay); });
  return relay;
}

void ClusterLink::add_stream(std::shared_ptr<RoomRelay> relay) {
  auto& stream = *streams_.emplace_back(std::make_unique<Stream>(std::move(relay)));
  stream.node_rooms_key = keys::node_rooms(options_.node_id);
  if (connected_) {
    asio::co_spawn(strand_, bootstrap(&stream, RoomRelay::LinkChange::first), keep_alive());
  } else if (tried_) {
    deliver(stream, RoomRelay::Unlinked{lost_why_});
  }
  // Otherwise the first connection is still being made: the room hears when it is.
}

void ClusterLink::deliver(Stream& stream, RoomRelay::Delivery delivery) {
  if (std::holds_alternative<RoomRelay::Linked>(delivery) ||
      std::holds_alternative<RoomRelay::Unlinked>(delivery))
    stream.told = true;
  if (!stream.pending.empty() || !stream.relay->deliver(delivery))
    stream.pending.push_back(std::move(delivery));
}

bool ClusterLink::flush_pending(Stream& stream) {
  while (!stream.pending.empty() && stream.relay->deliver(stream.pending.front()))
    stream.pending.pop_front();
  return stream.pending.empty();
}

void ClusterLink::forget_closed_streams() {
  std::erase_if(streams_, [](const std::unique_ptr<Stream>& stream) {
    return stream->relay->room_closed() && !stream->relay->proposals_waiting() &&
           !stream->bootstrapping;
  });
}

// --- writing ---

void ClusterLink::send_proposals() {
  for (const auto& stream : streams_) {
    RoomRelay::Proposal proposal;
    while (in_flight_ < max_in_flight &&
           (!connected_ || writer_->unsent_bytes() < max_unsent_bytes) &&
           stream->relay->take_proposal(proposal)) {
      // Unlinked, the room applies what it proposed itself once it hears of the loss.
      if (connected_) send(*stream, proposal);
    }
  }
  if (!connected_) forget_closed_streams();
}

void ClusterLink::send(Stream& stream, const RoomRelay::Proposal& proposal) {
  const std::string& batch = *proposal.batch;
  std::vector<std::string> args;
  std::vector<std::string_view> views;
  if (!proposal.presence) {
    // The hot path: nothing copied before hiredis formats the command.
    views = {"XADD", stream.log_key, "MAXLEN", "~", stream_length_, "*", "b", batch};
  } else {
    args = {"FCALL",
            proposal.rejoin ? "chatd_rejoin" : "chatd_append",
            "5",
            stream.log_key,
            stream.members_key,
            std::string(keys::rooms),
            stream.node_rooms_key,
            stream.topic_key,
            std::to_string(options_.stream_length),
            proposal.rejoin ? batch.substr(0, batch.find('\n') + 1) : batch,
            options_.node_id,
            stream.folded,
            stream.relay->room()};
    actors::BatchReader reader(batch);
    reader.origin();
    while (const auto record = reader.next()) {
      const std::string member = std::to_string(record->member);
      if (const auto* joined = std::get_if<actors::record::Joined>(&record->record)) {
        if (!proposal.rejoin) args.emplace_back("j");
        args.push_back(member);
        args.emplace_back(joined->who);
      } else if (const auto* left = std::get_if<actors::record::Left>(&record->record)) {
        args.insert(args.end(), {"l", member, std::string(left->who)});
      } else if (const auto* renamed = std::get_if<actors::record::Renamed>(&record->record)) {
        args.insert(args.end(), {"r", member, std::string(renamed->to)});
      } else if (const auto* topic = std::get_if<actors::record::TopicChanged>(&record->record)) {
        args.insert(args.end(), {"t", std::string(topic->by), std::string(topic->topic)});
      }
    }
  }
  if (proposal.presence) views.assign(args.begin(), args.end());
  ++in_flight_;
  counters_.batches_sent.add();
  const std::weak_ptr<ClusterLink> weak = weak_from_this();
  writer_->send(views, [weak, room = stream.relay->room()](const redisReply* reply) {
    auto self = weak.lock();
    if (!self) return;
    --self->in_flight_;
    if (reply != nullptr && reply->type == REDIS_REPLY_ERROR)
      base::log_line("cluster: Redis refused a batch for room " + room + ": " +
                     std::string(reply->str, reply->len));
    self->send_proposals();
  });
}

// --- reading ---

void ClusterLink::wake_reader() {
  reader_idle_.cancel();
  if (!xread_in_flight_) return;  // the next XREAD will include every room
  xread_stale_ = true;
  unblock_reader();
}

// The unblock travels on the other connection, so it may reach Redis before the XREAD it is
// meant for: if it found nothing to unblock, it tries again shortly, until that XREAD returns.
void ClusterLink::unblock_reader() {
  if (!connected_ || reader_id_.empty()) return;
  const std::array<std::string_view, 3> unblock{"CLIENT", "UNBLOCK", reader_id_};
  const std::weak_ptr<ClusterLink> weak = weak_from_this();
  writer_->send(unblock, [weak](const redisReply* reply) {
    auto self = weak.lock();
    if (!self || reply == nullptr || reply->type != REDIS_REPLY_INTEGER || reply->integer != 0)
      return;
    if (!self->xread_in_flight_ || !self->xread_stale_) return;
    auto retry = std::make_shared<asio::steady_timer>(self->strand_, 2ms);
    retry->async_wait([weak, retry](boost::system::error_code) {
      if (auto link = weak.lock()) link->unblock_reader();
    });
  });
}

asio::awaitable<void> ClusterLink::read_streams() {
  const std::uint64_t generation = generation_;
  while (!stopping_ && generation == generation_) {
    forget_closed_streams();
    std::vector<std::string> keys_and_ids;
    std::vector<Stream*> read;
    bool backlog = false;
    for (const auto& stream : streams_) {
      if (!stream->reading || stream->relay->room_closed()) continue;
      if (!flush_pending(*stream)) {
        backlog = true;  // this room is behind: the store keeps the rest until it catches up
        continue;
      }
      read.push_back(stream.get());
    }
    // The node's inbox is read with the rooms, so it is never empty: private messages arrive
    // whether or not this node has rooms.
    std::vector<std::string> args{"XREAD",
                                  "COUNT",
                                  std::to_string(read_count),
                                  "BLOCK",
                                  std::to_string(backlog ? 10 : read_block.count()),
                                  "STREAMS",
                                  inbox_key_};
    for (Stream* stream : read) args.push_back(stream->log_key);
    args.push_back(inbox_last_id_);
    for (Stream* stream : read) args.push_back(stream->last_id);
    xread_in_flight_ = true;
    xread_stale_ = false;
    RedisReply reply = co_await reader_->call(std::move(args));
    xread_in_flight_ = false;
    if (generation != generation_) break;
    if (reply.is_error()) {
      // A lost connection is reported by on_lost; anything else is worth a line and a pause.
      if (reader_->connected()) {
        base::log_line("cluster: XREAD failed: " + reply.text);
        asio::steady_timer pause(strand_, 100ms);
        co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
      }
      continue;
    }
    for (RedisReply& key_entries : reply.elements) {
      if (key_entries.elements.size() != 2) continue;
      const std::string& key = key_entries.elements[0].text;
      if (key == inbox_key_) {
        for (RedisReply& entry : key_entries.elements[1].elements) {
          if (entry.elements.size() != 2) continue;
          inbox_last_id_ = entry.elements[0].text;
          take_inbox_entry(entry.elements[1]);
        }
        continue;
      }
      for (const auto& stream : streams_) {
        if (stream->log_key != key || !stream->reading) continue;
        for (RedisReply& entry : key_entries.elements[1].elements) {
          if (entry.elements.size() != 2) continue;
          stream->last_id = entry.elements[0].text;
          counters_.batches_read.add();
          // Keys are unique among the rooms read, so the text can move.
          if (RedisReply* batch = batch_field(entry.elements[1]))
            deliver(*stream, RoomRelay::Sequenced{
                                 std::make_shared<const std::string>(std::move(batch->text))});
        }
      }
    }
  }
}

// --- staying alive ---

asio::awaitable<void> ClusterLink::beat() {
  const std::uint64_t generation = generation_;
  bool first = true;
  constexpr auto answered = std::chrono::steady_clock::time_point::max();
  heartbeat_sent_ = answered;
  asio::steady_timer wait(strand_);
  while (!stopping_ && generation == generation_) {
    const auto now = std::chrono::steady_clock::now();
    if (heartbeat_sent_ != answered && now - heartbeat_sent_ > options_.node_timeout) {
      lost("Redis has not answered for " + seconds(options_.node_timeout));
      break;
    }
    // One heartbeat at a time: a stalled Redis gets no pile of them.
    if (heartbeat_sent_ == answered) {
      heartbeat_sent_ = now;
      const std::string timeout = std::to_string(options_.node_timeout.count());
      const std::string length = std::to_string(options_.stream_length);
      const std::array<std::string_view, 6> args{"FCALL",          "chatd_heartbeat", "0",
                                                 options_.node_id, timeout,           length};
      const std::weak_ptr<ClusterLink> weak = weak_from_this();
      writer_->send(args, [weak, generation, was_first = first](const redisReply* reply) {
        auto self = weak.lock();
        if (!self || reply == nullptr || generation != self->generation_) return;
        self->heartbeat_sent_ = std::chrono::steady_clock::time_point::max();
        // Registered anew although it was before: the others took this node for dead and
        // reaped it. Its rooms register their members again.
        if (!was_first && reply->type == REDIS_REPLY_ARRAY && reply->elements >= 1 &&
            reply->element[0]->integer == 1) {
          base::log_line("cluster: this node had been taken for dead; registering it again");
          for (const auto& stream : self->streams_)
            self->deliver(*stream, RoomRelay::Linked{RoomRelay::LinkChange::back});
          asio::co_spawn(self->strand_, self->reclaim_nicks(), self->keep_alive());
        }
      });
      first = false;
    }
    wait.expires_after(options_.heartbeat);
    co_await wait.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

asio::awaitable<void> ClusterLink::reclaim_nicks() {
  const std::string timeout = std::to_string(options_.node_timeout.count());
  for (const auto& [folded, nickname] : nicks_) {
    std::vector<std::string> reclaim{"FCALL", "chatd_claim",    "0",
                                     folded,  options_.node_id, timeout};
    const RedisReply claimed = co_await writer_->call(std::move(reclaim));
    if (claimed.kind == RedisReply::Kind::integer && claimed.integer == 0)
      base::log_line("cluster: nickname " + nickname +
                     " was taken on another node while the link was down; both keep it");
  }
}

// --- questions ---

asio::awaitable<std::optional<std::vector<std::string>>> ClusterLink::members_here(
    std::shared_ptr<ClusterLink> self, std::string room) {
  if (!self->connected_) co_return std::nullopt;
  std::vector<std::string> hvals{"HVALS", keys::room_members(base::folded(room))};
  const RedisReply reply = co_await self->writer_->call(std::move(hvals));
  if (reply.kind != RedisReply::Kind::array) co_return std::nullopt;
  std::vector<std::string> names;
  for (const RedisReply& name : reply.elements) names.push_back(name.text);
  co_return names;
}

asio::awaitable<std::optional<std::vector<std::string>>> ClusterLink::members(std::string room) {
  auto ask = asio::co_spawn(strand_, members_here(shared_from_this(), std::move(room)),
                            asio::use_awaitable);
  auto names = co_await std::move(ask);
  co_return names;
}

asio::awaitable<std::optional<std::vector<actors::RoomSummary>>> ClusterLink::rooms_here(
    std::shared_ptr<ClusterLink> self) {
  if (!self->connected_) co_return std::nullopt;
  std::vector<std::string> list_rooms{"FCALL", "chatd_rooms", "0"};
  const RedisReply reply = co_await self->writer_->call(std::move(list_rooms));
  if (reply.kind != RedisReply::Kind::array) co_return std::nullopt;
  std::vector<actors::RoomSummary> rooms;
  for (std::size_t i = 0; i + 1 < reply.elements.size(); i += 2)
    rooms.push_back(
        {reply.elements[i].text, static_cast<std::size_t>(reply.elements[i + 1].integer)});
  std::sort(rooms.begin(), rooms.end(), [](const auto& a, const auto& b) {
    return base::folded(a.name) < base::folded(b.name);
  });
  co_return rooms;
}

asio::awaitable<std::optional<std::vector<actors::RoomSummary>>> ClusterLink::rooms() {
  auto ask = asio::co_spawn(strand_, rooms_here(shared_from_this()), asio::use_awaitable);
  auto rooms = co_await std::move(ask);
  co_return rooms;
}

asio::awaitable<NickClaim> ClusterLink::claim_here(std::shared_ptr<ClusterLink> self,
                                                   std::string nickname) {
  if (!self->connected_) co_return NickClaim::unlinked;
  const std::string folded = base::folded(nickname);
  std::vector<std::string> claim{
      "FCALL", "chatd_claim",          "0",
      folded,  self->options_.node_id, std::to_string(self->options_.node_timeout.count())};
  const RedisReply reply = co_await self->writer_->call(std::move(claim));
  if (reply.kind != RedisReply::Kind::integer) co_return NickClaim::unlinked;
  if (reply.integer == 0) co_return NickClaim::taken;
  if (reply.integer == 2) co_return NickClaim::ours;
  self->nicks_[folded] = nickname;
  co_return NickClaim::claimed;
}

asio::awaitable<NickClaim> ClusterLink::claim_nick(std::string nickname) {
  auto ask = asio::co_spawn(strand_, claim_here(shared_from_this(), std::move(nickname)),
                            asio::use_awaitable);
  const NickClaim claim = co_await std::move(ask);
  co_return claim;
}

void ClusterLink::release_nick(std::string nickname) {
  asio::post(strand_, [self = shared_from_this(), nickname = std::move(nickname)] {
    const std::string folded = base::folded(nickname);
    if (self->nicks_.erase(folded) == 0 || !self->connected_) return;
    const std::array<std::string_view, 5> args{"FCALL", "chatd_release", "0", folded,
                                               self->options_.node_id};
    self->writer_->send(args, [](const redisReply*) {});
  });
}

// --- private messages ---

asio::awaitable<std::string> ClusterLink::inbox_end() {
  std::vector<std::string> last{"XREVRANGE", inbox_key_, "+", "-", "COUNT", "1"};
  const RedisReply reply = co_await writer_->call(std::move(last));
  if (!reply.elements.empty() && reply.elements.front().elements.size() == 2)
    co_return reply.elements.front().elements[0].text;
  co_return std::string("0-0");
}

void ClusterLink::take_inbox_entry(RedisReply& fields) {
  for (std::size_t i = 0; i + 1 < fields.elements.size(); i += 2) {
    if (fields.elements[i].text != "p") continue;
    // from \x1f to \x1f text: names hold no separator, and safe text holds no C0 control.
    const std::string& payload = fields.elements[i + 1].text;
    const std::size_t first = payload.find('\x1f');
    const std::size_t second =
        first == std::string::npos ? std::string::npos : payload.find('\x1f', first + 1);
    if (second == std::string::npos) {
      base::log_line("cluster: skipped a malformed private message");
      return;
    }
    if (private_handler_)
      private_handler_(PrivateArrival{payload.substr(0, first),
                                      payload.substr(first + 1, second - first - 1),
                                      payload.substr(second + 1)});
    return;
  }
}

asio::awaitable<PrivateSend> ClusterLink::send_private_here(std::shared_ptr<ClusterLink> self,
                                                            std::string from, std::string to,
                                                            std::string text) {
  if (!self->connected_) co_return PrivateSend::unlinked;
  std::string payload = from + '\x1f' + to + '\x1f' + text;
  std::vector<std::string> send{"FCALL",
                                "chatd_private",
                                "0",
                                base::folded(to),
                                std::move(payload),
                                std::to_string(self->options_.node_timeout.count()),
                                std::to_string(inbox_length)};
  const RedisReply reply = co_await self->writer_->call(std::move(send));
  if (reply.kind != RedisReply::Kind::integer) co_return PrivateSend::unlinked;
  if (reply.integer == 0) co_return PrivateSend::unknown;
  co_return PrivateSend::sent;
}

asio::awaitable<PrivateSend> ClusterLink::send_private(std::string from, std::string to,
                                                       std::string text) {
  auto ask = asio::co_spawn(
      strand_, send_private_here(shared_from_this(), std::move(from), std::move(to), std::move(text)),
      asio::use_awaitable);
  const PrivateSend sent = co_await std::move(ask);
  co_return sent;
}

// --- stopping ---

asio::awaitable<void> ClusterLink::stop(std::chrono::milliseconds deadline) {
  auto finish =
      asio::co_spawn(strand_, stop_here(shared_from_this(), deadline), asio::use_awaitable);
  co_await std::move(finish);
}

asio::awaitable<void> ClusterLink::stop_here(std::shared_ptr<ClusterLink> link,
                                             std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  asio::steady_timer tick(link->strand_);
  // The rooms' last leaves go out first.
  for (;;) {
    link->send_proposals();
    bool waiting = link->in_flight_ > 0;
    for (const auto& stream : link->streams_)
      waiting = waiting || stream->relay->proposals_waiting();
    if (!waiting || !link->connected_ || std::chrono::steady_clock::now() >= until) break;
    tick.expires_after(10ms);
    co_await tick.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  link->stopping_ = true;
  if (link->connected_) {
    // Within what is left of the deadline: a stalled Redis must not hold the exit. Unanswered,
    // the others reap this node after --node-timeout instead.
    const auto left = std::max(until - std::chrono::steady_clock::now(),
                               std::chrono::steady_clock::duration(100ms));
    asio::steady_timer answered(link->strand_, left);
    const std::array<std::string_view, 4> depart{"FCALL", "chatd_depart", "0",
                                                 link->options_.node_id};
    // close() below answers it with nullptr at the latest, while `answered` still exists.
    link->writer_->send(depart, [&answered](const redisReply*) { answered.cancel(); });
    co_await answered.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  link->lost("stopping");
  if (link->writer_) link->writer_->close();
  if (link->reader_) link->reader_->close();
  link->lost_signal_.cancel();
}

}  // namespace chatd::cluster
