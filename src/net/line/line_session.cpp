// A line-protocol client's reader, writer and idle watch; see line_session.hpp.
#include "net/line/line_session.hpp"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/log.hpp"
#include "net/conversation.hpp"
#include "net/end_reason.hpp"
#include "net/line/line_format.hpp"
#include "net/line/line_framer.hpp"
#include "net/line/line_parser.hpp"
#include "net/line/line_replies.hpp"
#include "net/participant.hpp"
#include "net/peer_name.hpp"
#include "net/pacer.hpp"
#include "net/stream_reader.hpp"
#include "net/writer.hpp"

namespace chatd::net::line {

namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

struct LineTooLong {};
// What one read brought in, in the client's order: runs of plain messages (one room event per
// run), commands, and lines the parser or the framer refused.
using Input =
    std::variant<actors::SafeLines, Command, UnknownCommand, MalformedCommand, LineTooLong>;

// One client's whole session: shared by its reader, its writer and its idle watch, so it lives
// until the last of them ends; then it logs the disconnect and hands back the server's guard.
class LineSession {
 public:
  LineSession(ClientStream stream, std::string peer, actors::MemberId id,
              std::shared_ptr<const SessionContext> context, DoorCounters& counters,
              SessionGuard guard)
      : stream_(std::move(stream)),
        peer_(std::move(peer)),
        me_(id, peer_, line_format(), context, stream_.get_executor()),
        framer_(context->limits.max_line),
        pacer_(context->limits, counters),
        counters_(counters),
        guard_(std::move(guard)) {}
  LineSession(const LineSession&) = delete;
  LineSession& operator=(const LineSession&) = delete;
  ~LineSession() {
    base::log_line(peer_ + " disconnected (" + end_.for_log() + ")");
  }

  // Runs the connection: spawns the writer (and idle watch), then reads until the end. `self`
  // is this session, kept alive by the coroutine.
  asio::awaitable<void> run(std::shared_ptr<LineSession> self);
  // Joins the lobby and spawns the writer (and idle watch); false when the server is stopping.
  asio::awaitable<bool> start(std::shared_ptr<LineSession> self);
  // The one Leave, after relaying what a client that vanished mid-write had sent.
  asio::awaitable<void> end_conversation();

 private:
  const SessionLimits& limits() const { return me_.context().limits; }

  // The conversation is over: record why and stop reading. The writer still flushes.
  void finish(EndReason reason, std::string detail = {});

  // Reads what has arrived and frames it into `inputs`, taking a token per line and stopping
  // when the budget runs out; with flood control on, unread lines stay where they are.
  boost::system::error_code read_available(std::vector<Input>& inputs);
  // Frames `bytes` into `inputs` as read_available says; returns how many it took.
  std::size_t frame(std::span<const char> bytes, std::vector<Input>& inputs);
  // After a failed write: the complete lines the client sent before going, relayed.
  asio::awaitable<void> relay_last_lines();
  asio::awaitable<bool> wait_for_token();

  // Performs one input; false once the conversation is over.
  asio::awaitable<bool> dispatch(Input input);
  asio::awaitable<Outcome> perform_input(Input& input);

  // After the writer: why it stopped, and the door's last words for this client.
  void writer_ended(std::exception_ptr error, WriterEnd ended);
  static asio::awaitable<void> watch_for_idleness(std::shared_ptr<LineSession> self);

  ClientStream stream_;
  std::string peer_;
  Participant me_;
  LineFramer framer_;
  Pacer pacer_;
  ConnectionEnd end_;
  Clock::time_point last_heard_ = Clock::now();
  asio::cancellation_signal stop_reading_;
  // Allocated only when needed, so an idle client without them does not carry them.
  std::unique_ptr<asio::steady_timer> idle_timer_;  // with an idle timeout
  StreamReader reader_{stream_};
  bool heard_before_ = false;  // whether any byte has arrived yet
  DoorCounters& counters_;  // valid while guard_ is held
  SessionGuard guard_;
};

void LineSession::finish(EndReason reason, std::string detail) {
  if (!end_.record(reason, std::move(detail))) return;
  stop_reading_.emit(asio::cancellation_type::all);
  if (idle_timer_) idle_timer_->cancel();
}

asio::awaitable<bool> LineSession::start(std::shared_ptr<LineSession> self) {
  base::log_line(peer_ + " connected");
  // A room evicting this client hands the news to our strand, where a write blocked on a client
  // that stopped reading is cancelled: it would otherwise pin the room log until it went away.
  std::weak_ptr<LineSession> weak = self;
  me_.outbox().bell().set_interrupt_handler([weak] {
    if (auto session = weak.lock()) {
      session->finish(EndReason::too_slow);
      boost::system::error_code ignored;
      session->stream_.socket().cancel(ignored);
    }
  });
  const bool joined = co_await me_.enter_lobby();
  if (!joined) {
    end_.record(EndReason::shutdown);
    co_return false;
  }
  const auto executor = stream_.get_executor();
  // The writer is write_outbox itself; what follows it runs in its completion handler, which
  // holds the session: no wrapping coroutine frame per client.
  asio::co_spawn(executor, write_outbox(stream_, me_.outbox(), limits().max_write, counters_.bytes_out),
                 [self](std::exception_ptr error, WriterEnd ended) {
                   self->writer_ended(error, std::move(ended));
                 });
  const auto idle_limit = limits().idle_timeout;
  if (idle_limit.count() > 0) {
    idle_timer_ = std::make_unique<asio::steady_timer>(executor);
    asio::co_spawn(executor, watch_for_idleness(self), base::log_escape("idle watch"));
  }
  co_return true;
}

asio::awaitable<void> LineSession::run(std::shared_ptr<LineSession> self) {
  // Starting and ending are coroutines of their own: what they await does not stay in the frame
  // every idle reader keeps.
  const bool started = co_await start(self);  // a copy: `self` keeps this session alive here
  if (!started) co_return;
  // The reader runs right here, in the connection's own coroutine.
  std::vector<Input> inputs;
  while (!end_.ended()) {
    const bool may_read = co_await wait_for_token();
    if (!may_read) break;
    const boost::system::error_code wait_error = co_await reader_.wait_for_input(stop_reading_.slot());
    if (wait_error || end_.ended()) break;
    last_heard_ = Clock::now();
    const auto ec = read_available(inputs);
    if (ec == asio::error::would_block) continue;
    if (ec == asio::error::eof) {
      // A client that half-closes still gets what the rooms owe it (the writer flushes).
      finish(EndReason::client_closed);
    } else if (ec) {
      finish(EndReason::read_failed, ec.message());
    }
    for (Input& input : inputs) {
      const bool carry_on = co_await dispatch(std::move(input));
      if (!carry_on) break;
    }
    inputs.clear();
  }
  co_await end_conversation();
}

asio::awaitable<void> LineSession::end_conversation() {
  if (end_.reason() == EndReason::write_failed) co_await relay_last_lines();
  std::string detail = end_.reason() == EndReason::quit ? end_.detail() : std::string();
  co_await me_.leave(leave_reason(end_.reason()), std::move(detail));
}

asio::awaitable<bool> LineSession::wait_for_token() {
  const bool may_read = co_await pacer_.wait_for_token(&me_, slow_down,
                                                       stream_.get_executor(),
                                                       stop_reading_.slot());
  co_return may_read && !end_.ended();
}

boost::system::error_code LineSession::read_available(std::vector<Input>& inputs) {
  std::size_t consumed = 0;
  const auto ec = reader_.read_available(
      pacer_.bucket().enabled(), consumed, [this, &inputs](std::span<const char> bytes) {
        // A TLS client that found the plaintext port: its ClientHello is no chat line.
        if (!heard_before_ && stream_.plain() != nullptr && opens_tls_handshake(bytes)) {
          finish(EndReason::read_failed, "TLS handshake on a plaintext port");
          return std::size_t{0};
        }
        heard_before_ = true;
        return frame(bytes, inputs);
      });
  counters_.bytes_in.add(consumed);
  return ec;
}

std::size_t LineSession::frame(std::span<const char> bytes, std::vector<Input>& inputs) {
  TokenBucket& bucket = pacer_.bucket();
  const auto now = Clock::now();
  // Lines arriving to a full bucket start a new episode: a notice is due if it runs dry again.
  pacer_.heard(now);
  const auto on_frame = [&inputs, &bucket, now](FrameKind kind, std::string_view text) {
    if (kind == FrameKind::too_long) {
      // Paced like any line: refusing them costs the server a reply each.
      bucket.try_take(now);
      inputs.emplace_back(LineTooLong{});
      return bucket.has_token(now);
    }
    if (text.empty()) return true;
    bucket.try_take(now);
    std::visit(
        [&inputs](auto&& parsed) {
          if constexpr (std::is_same_v<std::decay_t<decltype(parsed)>, MessageLine>) {
            // Plain messages in a row make one room event.
            if (inputs.empty() || !std::holds_alternative<actors::SafeLines>(inputs.back()))
              inputs.emplace_back(actors::SafeLines{});
            std::get<actors::SafeLines>(inputs.back()).add(parsed.text);
          } else {
            inputs.emplace_back(std::move(parsed));
          }
        },
        parse_line(text));
    return bucket.has_token(now);
  };
  return framer_.feed(bytes, on_frame);
}

asio::awaitable<void> LineSession::relay_last_lines() {
  // The client went away while we wrote to it, but the complete lines it sent before going
  // may already be here. A few reads at most; commands are moot by now.
  std::vector<Input> inputs;
  for (int reads = 0; reads < 16 && !read_available(inputs); ++reads) {
  }
  for (Input& input : inputs) {
    if (auto* lines = std::get_if<actors::SafeLines>(&input)) co_await me_.say(std::move(*lines));
  }
}

asio::awaitable<bool> LineSession::dispatch(Input input) {
  auto performed = perform_input(input);
  const Outcome outcome = co_await std::move(performed);
  if (outcome.end) finish(*outcome.end, outcome.detail);
  co_return outcome.carry_on();
}

asio::awaitable<Outcome> LineSession::perform_input(Input& input) {
  // Not a coroutine: it only picks one, which takes what it needs by value.
  Participant* me = &me_;
  const std::size_t max_line = limits().max_line;
  return std::visit(
      [me, max_line](auto& each) -> asio::awaitable<Outcome> {
        using Each = std::decay_t<decltype(each)>;
        if constexpr (std::is_same_v<Each, actors::SafeLines>)
          return conversation::say(me, std::move(each));
        else if constexpr (std::is_same_v<Each, LineTooLong>)
          return conversation::tell(me, line_too_long(max_line));
        else
          return perform<LineReplies>(me, std::move(each));
      },
      input);
}

void LineSession::writer_ended(std::exception_ptr error, WriterEnd ended) {
  if (error) {
    base::log_escape("line writer")(error);
    ended = WriterEnd{true, EndReason::write_failed, "writer failed"};
  }
  if (ended.ended_by_writer) finish(ended.reason, std::move(ended.detail));
  // Best effort, without waiting: a client evicted as too slow rarely has room for it.
  const std::string_view words = last_words(end_.reason());
  stream_.end_with(words);
}

asio::awaitable<void> LineSession::watch_for_idleness(std::shared_ptr<LineSession> self) {
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

asio::awaitable<void> gone() {
  co_return;
}

}  // namespace

asio::awaitable<void> run_line_session(ClientStream stream, actors::MemberId id,
                                       std::shared_ptr<const SessionContext> context,
                                       DoorCounters& counters, SessionGuard guard) {
  // Not a coroutine itself: the session's own coroutine is its reader, one frame per client.
  tcp::socket& socket = stream.socket();
  boost::system::error_code ec;
  const tcp::endpoint remote = socket.remote_endpoint(ec);
  if (ec) return gone();  // reset before we got to it
  socket.set_option(tcp::no_delay(true), ec);
  socket.non_blocking(true, ec);
  auto session = std::make_shared<LineSession>(std::move(stream), peer_name(remote), id,
                                               std::move(context), counters,
                                               std::move(guard));
  LineSession& connection = *session;
  return connection.run(std::move(session));
}

}  // namespace chatd::net::line
