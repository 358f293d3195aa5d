// A WebSocket member's handshake, reader, writer and idle watch; see ws_session.hpp.
#include "net/web/ws_session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/error.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "base/log.hpp"
#include "net/conversation.hpp"
#include "net/end_reason.hpp"
#include "net/line/line_replies.hpp"
#include "net/participant.hpp"
#include "net/pacer.hpp"
#include "net/urgent_lane.hpp"
#include "net/web/control_tap.hpp"
#include "net/web/json_format.hpp"
#include "net/web/ws_frame.hpp"
#include "net/web/ws_input.hpp"
#include "net/web/ws_replies.hpp"
#include "net/writer.hpp"

namespace chatd::net::web {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// Room for the JSON around a line: a frame up to max_line + this is read and answered.
constexpr std::size_t envelope_bytes = 512;
// Beast pings a client it has not heard from for half of this, and drops it after all of it.
constexpr auto keepalive = std::chrono::seconds(60);
constexpr auto handshake_deadline = std::chrono::seconds(10);
// Most messages read into one batch of input before it is performed.
constexpr std::size_t max_batch = 64;

// The close frame the server sends for each way a member ends (docs/protocol.md, "Closing").
std::string goodbye(EndReason reason) {
  switch (reason) {
    case EndReason::quit:
      return close_frame(1000, "bye");
    case EndReason::too_slow:
      return close_frame(1008, "too slow");
    case EndReason::timed_out:
      return close_frame(1008, "idle for too long");
    case EndReason::shutdown:
      return close_frame(1001, "server shutting down");
    case EndReason::client_closed:
    case EndReason::read_failed:
    case EndReason::write_failed:
      return close_frame(1000, "");
  }
  return close_frame(1000, "");
}

class WsSession {
 public:
  WsSession(ClientStream stream, std::string peer, actors::MemberId id,
            std::shared_ptr<const SessionContext> context, DoorCounters& counters,
            SessionGuard guard)
      : peer_(std::move(peer)),
        me_(id, peer_, json_format(), context, stream.get_executor()),
        urgent_(me_.outbox().bell()),
        ws_(std::move(stream), urgent_),
        pacer_(context->limits, counters),
        counters_(counters),
        guard_(std::move(guard)) {}
  WsSession(const WsSession&) = delete;
  WsSession& operator=(const WsSession&) = delete;
  ~WsSession() {
    if (started_) base::log_line(peer_ + " disconnected (" + end_.for_log() + ")");
  }

  asio::awaitable<void> run(std::shared_ptr<WsSession> self, UpgradeRequest request);

 private:
  const SessionLimits& limits() const { return me_.context().limits; }
  ClientStream& stream() { return ws_.next_layer().next_layer(); }
  tcp::socket& socket() { return stream().socket(); }

  asio::awaitable<bool> accept(UpgradeRequest request);
  asio::awaitable<bool> start(std::shared_ptr<WsSession> self);
  void finish(EndReason reason, std::string detail = {});
  // Reads one message into `inputs`; false when the conversation is over.
  asio::awaitable<bool> read_message(std::vector<FrameInput>& inputs);
  asio::awaitable<bool> wait_for_token();
  // Whether a whole next message is already here, so reading it cannot wait on the client.
  bool more_has_arrived() { return ws_.next_layer().has_message(); }

  // Performs one input; false once the conversation is over.
  asio::awaitable<bool> dispatch(FrameInput input);
  asio::awaitable<Outcome> perform_input(FrameInput& input);

  void writer_ended(std::exception_ptr error, WriterEnd ended);
  static asio::awaitable<void> watch_for_idleness(std::shared_ptr<WsSession> self);

  std::string peer_;
  Participant me_;
  UrgentLane urgent_;
  websocket::stream<ControlTap> ws_;
  beast::flat_buffer message_;
  Pacer pacer_;
  bool started_ = false;
  ConnectionEnd end_;
  Clock::time_point last_heard_ = Clock::now();
  asio::cancellation_signal stop_reading_;
  std::unique_ptr<asio::steady_timer> idle_timer_;  // with an idle timeout
  DoorCounters& counters_;                          // valid while guard_ is held
  SessionGuard guard_;
};

void WsSession::finish(EndReason reason, std::string detail) {
  if (!end_.record(reason, std::move(detail))) return;
  stop_reading_.emit(asio::cancellation_type::all);
  if (idle_timer_) idle_timer_->cancel();
}

asio::awaitable<bool> WsSession::accept(UpgradeRequest request) {
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = handshake_deadline;
  timeouts.idle_timeout = keepalive;
  timeouts.keep_alive_pings = true;
  ws_.set_option(timeouts);
  ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& response) { response.set(beast::http::field::server, "chatd"); }));
  ws_.read_message_max(16 * limits().max_line);
  // No compression: frames stay ready-made bytes shared by every member, and a compression bomb
  // is not ours to defuse.
  websocket::permessage_deflate no_compression;
  no_compression.server_enable = false;
  ws_.set_option(no_compression);
  auto [ec] = co_await ws_.async_accept(request, use_tuple);
  if (ec) {
    base::log_line(peer_ + " WebSocket handshake failed: " + ec.message());
    co_return false;
  }
  ws_.next_layer().capture_writes();
  co_return true;
}

asio::awaitable<bool> WsSession::start(std::shared_ptr<WsSession> self) {
  started_ = true;
  base::log_line(peer_ + " connected (web)");
  std::weak_ptr<WsSession> weak = self;
  me_.outbox().bell().set_interrupt_handler([weak] {
    if (auto session = weak.lock()) {
      session->finish(EndReason::too_slow);
      boost::system::error_code ignored;
      session->socket().cancel(ignored);
    }
  });
  // First of all, ahead of the room's greeting: who this member is and where.
  urgent_.push(welcome(peer_, actors::RoomDirectory::lobby));
  const bool joined = co_await me_.enter_lobby();
  if (!joined) {
    end_.record(EndReason::shutdown);
    co_return false;
  }
  const auto executor = socket().get_executor();
  asio::co_spawn(executor,
                 write_outbox(stream(), me_.outbox(), limits().max_write, counters_.bytes_out,
                              &urgent_),
                 [self](std::exception_ptr error, WriterEnd ended) {
                   self->writer_ended(error, std::move(ended));
                 });
  if (limits().idle_timeout.count() > 0) {
    idle_timer_ = std::make_unique<asio::steady_timer>(executor);
    asio::co_spawn(executor, watch_for_idleness(self), base::log_escape("idle watch"));
  }
  co_return true;
}

asio::awaitable<void> WsSession::run(std::shared_ptr<WsSession> self, UpgradeRequest request) {
  const bool accepted = co_await accept(std::move(request));
  if (!accepted) co_return;
  const bool started = co_await start(self);
  if (!started) {
    const std::string farewell = urgent_.take_rest() + goodbye(EndReason::shutdown);
    stream().end_with(farewell);
    co_return;
  }
  std::vector<FrameInput> inputs;
  while (!end_.ended()) {
    const bool may_read = co_await wait_for_token();
    if (!may_read) break;
    bool read = co_await read_message(inputs);
    // Messages that have arrived already join this batch: consecutive messages become one room
    // event, as every line one read brings in does for the line door, instead of one event (and
    // one wake-up of every writer in the room) per message. Only whole messages (so the next
    // read cannot wait, holding this batch back) and only within the client's budget.
    for (std::size_t batched = 1; read && batched < max_batch && more_has_arrived() &&
                                  pacer_.bucket().has_token(Clock::now());
         ++batched)
      read = co_await read_message(inputs);
    for (FrameInput& input : inputs) {
      const bool carry_on = co_await dispatch(std::move(input));
      if (!carry_on) break;
    }
    inputs.clear();
    if (!read) break;
  }
  std::string detail = end_.reason() == EndReason::quit ? end_.detail() : std::string();
  co_await me_.leave(leave_reason(end_.reason()), std::move(detail));
}

asio::awaitable<bool> WsSession::read_message(std::vector<FrameInput>& inputs) {
  auto [ec, size] =
      co_await ws_.async_read(message_, asio::bind_cancellation_slot(stop_reading_.slot(), use_tuple));
  if (end_.ended()) co_return false;
  if (ec == websocket::error::closed || ec == asio::error::eof) {
    finish(EndReason::client_closed);
    co_return false;
  }
  if (ec == beast::error::timeout) {
    counters_.timed_out.add();
    finish(EndReason::timed_out, "no answer to pings");
    co_return false;
  }
  if (ec) {
    // Beast has sent the close frame the standard asks for (1009 too big, 1007 bad UTF-8, ...).
    finish(EndReason::read_failed, ec.message());
    co_return false;
  }
  last_heard_ = Clock::now();
  counters_.bytes_in.add(size);
  const auto text = std::string_view(static_cast<const char*>(message_.cdata().data()), size);
  const std::size_t frame_limit = limits().max_line + envelope_bytes;
  if (!ws_.got_text())
    inputs.emplace_back(BadInput{"binary frames are not accepted; send JSON text"});
  else if (size > frame_limit)
    inputs.emplace_back(BadInput{"frame too long (max " + std::to_string(frame_limit) + " bytes)"});
  else
    parse_message(text, limits().max_line, inputs);
  message_.consume(size);
  // An idle member should not keep the biggest message it ever sent.
  if (message_.capacity() > 2 * frame_limit) message_.shrink_to_fit();
  // A message cannot be left in the kernel like a line: it is relayed now, and what it costs
  // over the budget is waited out before the next one is read.
  std::size_t lines = 0;
  for (const FrameInput& input : inputs) {
    const auto* messages = std::get_if<actors::SafeLines>(&input);
    lines += messages != nullptr ? messages->size() : 1;
  }
  pacer_.bucket().take(static_cast<double>(lines), last_heard_);
  co_return true;
}

asio::awaitable<bool> WsSession::wait_for_token() {
  pacer_.heard(Clock::now());
  // The same words as the line door's notice, framed once for every client.
  static const std::string slow_down =
      notice(line::slow_down.substr(2, line::slow_down.size() - 3));
  const bool may_read = co_await pacer_.wait_for_token(&me_, slow_down,
                                                       socket().get_executor(),
                                                       stop_reading_.slot());
  co_return may_read && !end_.ended();
}

asio::awaitable<bool> WsSession::dispatch(FrameInput input) {
  auto performed = perform_input(input);
  const Outcome outcome = co_await std::move(performed);
  if (outcome.end) finish(*outcome.end, outcome.detail);
  co_return outcome.carry_on();
}

asio::awaitable<Outcome> WsSession::perform_input(FrameInput& input) {
  // Not a coroutine: it only picks one, which takes what it needs by value.
  Participant* me = &me_;
  return std::visit(
      [me](auto& each) -> asio::awaitable<Outcome> {
        using Each = std::decay_t<decltype(each)>;
        if constexpr (std::is_same_v<Each, actors::SafeLines>)
          return conversation::say(me, std::move(each));
        else if constexpr (std::is_same_v<Each, BadInput>)
          return conversation::tell(me, error(each.text));
        else
          return perform<WebReplies>(me, std::move(each));
      },
      input);
}

void WsSession::writer_ended(std::exception_ptr error, WriterEnd ended) {
  if (error) {
    base::log_escape("web writer")(error);
    ended = WriterEnd{true, EndReason::write_failed, "writer failed"};
  }
  if (ended.ended_by_writer) finish(ended.reason, std::move(ended.detail));
  if (end_.reason() == EndReason::write_failed) return;
  // Best effort, without waiting: control frames still owed, then our close unless Beast has
  // already answered the client's.
  std::string farewell = urgent_.take_rest();
  if (!ws_.next_layer().close_captured()) farewell += goodbye(end_.reason());
  stream().end_with(farewell);
  boost::system::error_code ignored;
  socket().shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> WsSession::watch_for_idleness(std::shared_ptr<WsSession> self) {
  const auto limit = self->limits().idle_timeout;
  while (!self->end_.ended()) {
    self->idle_timer_->expires_at(self->last_heard_ + limit);
    co_await self->idle_timer_->async_wait(use_tuple);
    if (self->end_.ended()) break;
    if (Clock::now() - self->last_heard_ >= limit) {
      self->counters_.timed_out.add();
      self->finish(EndReason::timed_out);
    }
  }
}

}  // namespace

void start_ws_session(ClientStream stream, UpgradeRequest request, std::string peer,
                      actors::MemberId id, std::shared_ptr<const SessionContext> context,
                      DoorCounters& counters, SessionGuard guard) {
  const auto executor = stream.get_executor();
  // The writer's fast path and the last words write without waiting: a socket that blocked
  // would stall a whole I/O thread on a client that stopped reading.
  boost::system::error_code ec;
  stream.socket().non_blocking(true, ec);
  auto session = std::make_shared<WsSession>(std::move(stream), std::move(peer), id,
                                             std::move(context), counters, std::move(guard));
  WsSession& connection = *session;
  asio::co_spawn(executor, connection.run(std::move(session), std::move(request)),
                 base::log_escape("web session"));
}

}  // namespace chatd::net::web
