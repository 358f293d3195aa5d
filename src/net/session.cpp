// Session: reader, writer and watchdogs for one client; see session.hpp.
#include "net/session.hpp"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "net/command.hpp"
#include "net/line_framer.hpp"
#include "net/log.hpp"
#include "net/safe_text.hpp"
#include "net/token_bucket.hpp"

namespace chatd::net {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;
using actors::Farewell;
using actors::MemberId;
using actors::Outbox;
using actors::Room;
using actors::RoomEvent;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// Leaving and shutdown flush what is owed, but never wait longer than this on a client.
constexpr auto flush_deadline = std::chrono::seconds(2);
// Client-chosen text echoed in errors and notices is cut to this many bytes.
constexpr std::size_t max_echo = 64;

// The socket shared by the coroutines of a session (all on its strand), and how it ended.
struct Connection {
  tcp::socket socket;
  std::string peer;
  std::string end_reason;     // for the log; first reason recorded wins
  std::string leave_reason;   // for the room's "* NAME left (reason)"
  bool closing = false;       // no new reads once set
  bool write_failed = false;  // the client went away while we were writing to it
  Clock::time_point last_heard = Clock::now();
  std::optional<asio::steady_timer> idle_timer;  // only with an idle timeout

  // Records why the conversation is ending without disturbing a write still in progress.
  void note_end(std::string_view reason) {
    if (end_reason.empty()) end_reason = reason;
    closing = true;
  }
  // Records why the conversation is over and interrupts whatever the socket is waiting for.
  void end(std::string_view reason) {
    note_end(reason);
    boost::system::error_code ignored;
    socket.cancel(ignored);
    if (idle_timer) idle_timer->cancel();
  }
};

// "ip:port", as the Go tutorial names its clients ("[v6]:port" for IPv6, as Go does).
std::string describe(const tcp::endpoint& endpoint) {
  const std::string address = endpoint.address().to_string();
  const std::string port = std::to_string(endpoint.port());
  return endpoint.address().is_v6() ? "[" + address + "]:" + port : address + ":" + port;
}

std::string echo(std::string_view text) {
  return neutralize(text.substr(0, max_echo));
}

// This client's place in the chat: its name, its room and its outboxes. Session strand only.
class Member {
 public:
  Member(Connection& conn, MemberId id, const SessionContext& context)
      : conn_(conn), id_(id), context_(context), name_(conn.peer) {}

  // The outbox the writer is draining, then those of the rooms joined since, oldest first: each
  // /join starts a new outbox, and the writer moves on to it once the old room's share (and the
  // replies that went with it) is flushed, so nothing is skipped however fast a client hops.
  std::shared_ptr<Outbox> writing;
  std::deque<std::shared_ptr<Outbox>> upcoming;

  const std::shared_ptr<Outbox>& newest() const {
    return upcoming.empty() ? writing : upcoming.back();
  }
  // Sends a line to this client only.
  void tell(std::string line) { newest()->push_direct(std::move(line)); }

  // What every outbox of this member does when its room evicts it (see Outbox).
  void set_eviction_handler(std::function<void()> handler) { on_evicted_ = std::move(handler); }

  asio::awaitable<bool> enter(std::string_view room_name) {
    auto next_room = context_.rooms->enter(room_name);
    if (!next_room) co_return false;  // shutting down
    const auto executor = co_await asio::this_coro::executor;
    auto outbox = std::make_shared<Outbox>(executor);
    outbox->set_eviction_handler(on_evicted_);
    if (room_) {
      // Queued before the Leave goes out: the writer must know there is more to come when it
      // sees the old outbox close.
      upcoming.push_back(outbox);
      const std::string reason = "moved to " + next_room->name();
      co_await leave_room(reason);
    } else {
      writing = outbox;
    }
    room_ = std::move(next_room);
    RoomEvent join = actors::Join{id_, name_, std::move(outbox)};
    const bool joined = co_await room_->send(std::move(join));
    co_return joined;
  }

  // The session's one and only final Leave.
  asio::awaitable<void> leave() {
    // Free the name first: by the time anyone sees "left", the name is available again.
    if (has_nickname_) context_.names->release(name_);
    std::string reason = conn_.leave_reason.empty() ? "closed" : conn_.leave_reason;
    co_await leave_room(std::move(reason));
  }

  asio::awaitable<bool> say(std::string text, actors::SayKind kind) {
    RoomEvent say = actors::Say{id_, std::move(text), kind};
    const bool delivered = co_await room_->send(std::move(say));
    co_return delivered;
  }

  asio::awaitable<void> rename(std::string nickname) {
    if (!is_valid_nickname(nickname)) {
      tell("! invalid nickname '" + echo(nickname) +
           "': use 1-32 letters, digits or _-[]{}|^` and do not start with a digit or -\n");
      co_return;
    }
    if (!context_.names->claim(nickname, has_nickname_ ? std::string_view(name_) : "")) {
      tell("! nickname " + nickname + " is taken\n");
      co_return;
    }
    has_nickname_ = true;
    name_ = nickname;
    RoomEvent rename = actors::Rename{id_, std::move(nickname)};
    co_await room_->send(std::move(rename));
  }

  asio::awaitable<void> ask_who() {
    RoomEvent who = actors::Who{id_};
    co_await room_->send(std::move(who));
  }

  asio::awaitable<bool> move_to(std::string room_name) {
    if (!is_valid_room_name(room_name)) {
      tell("! invalid room name '" + echo(room_name) +
           "': use 1-32 letters, digits or _-[]{}|^`\n");
      co_return true;
    }
    if (room_name.size() == room_->name().size() &&
        std::equal(room_name.begin(), room_name.end(), room_->name().begin(),
                   [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
      tell("! you are already in " + room_->name() + "\n");
      co_return true;
    }
    const bool moved = co_await enter(room_name);
    co_return moved;
  }

 private:
  asio::awaitable<void> leave_room(std::string reason) {
    RoomEvent leave = actors::Leave{id_, std::move(reason)};
    co_await room_->send(std::move(leave));
    context_.rooms->exit(room_);
  }

  Connection& conn_;
  MemberId id_;
  const SessionContext& context_;
  std::string name_;
  bool has_nickname_ = false;
  std::shared_ptr<Room> room_;
  std::function<void()> on_evicted_;
};

// One client's whole session: shared by its reader (run_session itself), its writer and its
// idle watch, so it lives until the last of them ends; then it logs the disconnect and hands
// back the server's guard.
struct Session {
  Session(tcp::socket socket, std::string peer, MemberId id,
          std::shared_ptr<const SessionContext> shared, SessionGuard server_guard)
      : context(std::move(shared)),
        conn{std::move(socket), std::move(peer), {}, {}, false, false, Clock::now(), std::nullopt},
        me(conn, id, *context),
        guard(std::move(server_guard)) {}
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session() {
    if (me.writing && me.writing->farewell() == Farewell::too_slow) {
      // Best effort: the client's receive window is probably full, so this rarely gets through.
      static constexpr std::string_view notice = "! disconnected: too slow\n";
      boost::system::error_code ignored;
      conn.socket.write_some(asio::buffer(notice), ignored);
    }
    log_line(conn.peer + " disconnected (" + conn.end_reason + ")");
  }

  std::shared_ptr<const SessionContext> context;
  Connection conn;
  Member me;
  SessionGuard guard;
};

// Reads whatever the socket holds now and frames it. A plain function, not a coroutine: the
// thread's scratch buffer must never be held across a suspension, and an idle connection then
// owns no read buffer at all.
template <class OnFrame>
boost::system::error_code read_available(tcp::socket& socket, LineFramer& framer,
                                         OnFrame&& on_frame) {
  thread_local std::array<char, 64 * 1024> scratch;
  boost::system::error_code ec;
  const std::size_t n = socket.read_some(asio::buffer(scratch), ec);
  if (!ec) framer.feed(std::span<const char>(scratch.data(), n), on_frame);
  return ec;
}

// Runs one command line from the client. Returns false when the client is done (/quit).
asio::awaitable<bool> run_command(Connection& conn, Member& me, const SessionContext& context,
                                  Command command) {
  if (auto* action = std::get_if<command::Me>(&command)) {
    std::string text = neutralize(action->action);
    const bool said = co_await me.say(std::move(text), actors::SayKind::action);
    co_return said;
  }
  if (auto* nick = std::get_if<command::Nick>(&command)) {
    co_await me.rename(std::move(nick->name));
  } else if (std::holds_alternative<command::Who>(command)) {
    co_await me.ask_who();
  } else if (auto* join = std::get_if<command::JoinRoom>(&command)) {
    const bool moved = co_await me.move_to(std::move(join->room));
    co_return moved;
  } else if (std::holds_alternative<command::Rooms>(command)) {
    me.tell(context.rooms->describe());
  } else if (std::holds_alternative<command::Help>(command)) {
    me.tell(std::string(help_text()));
  } else if (auto* quit = std::get_if<command::Quit>(&command)) {
    conn.leave_reason = quit->reason.empty() ? "quit" : echo(quit->reason);
    conn.note_end("quit");
    co_return false;
  } else if (auto* unknown = std::get_if<command::Unknown>(&command)) {
    me.tell("! unknown command /" + echo(unknown->name) + " (try /help)\n");
  } else if (auto* malformed = std::get_if<command::Malformed>(&command)) {
    me.tell("! " + malformed->error + "\n");
  }
  co_return true;
}

// Hands the messages gathered from one read to the room as one event.
asio::awaitable<bool> flush_messages(Member& me, std::string& messages) {
  if (messages.empty()) co_return true;
  std::string text = std::exchange(messages, {});
  const bool said = co_await me.say(std::move(text), actors::SayKind::message);
  co_return said;
}

asio::awaitable<void> read_lines(Connection& conn, Member& me, const SessionContext& context) {
  const SessionLimits& limits = context.limits;
  LineFramer framer(limits.max_line);
  TokenBucket bucket(limits.rate, limits.burst, Clock::now());
  std::size_t dropped = 0;  // lines refused since the client last calmed down
  bool flooding = false;
  const std::string too_long =
      "! line too long (max " + std::to_string(limits.max_line) + " bytes)\n";
  // What one read brought in, in the client's order: plain messages up to the first command go
  // straight into `messages` (one Say for all of them, no copy per line); the first command and
  // everything after it wait in `later` to be run one by one.
  std::string messages;
  std::vector<std::string> later;
  const auto on_frame = [&](FrameKind kind, std::string_view text) {
    if (kind == FrameKind::too_long) {
      me.tell(too_long);
      return;
    }
    if (text.empty() || flooding) return;
    if (bucket.full(conn.last_heard)) dropped = 0;
    if (!bucket.try_take(conn.last_heard)) {
      // Warn once, then give a script that keeps going one more burst's worth of patience.
      if (++dropped == 1) me.tell("! slow down: lines are being dropped\n");
      flooding = static_cast<double>(dropped) > limits.burst;
      return;
    }
    if (later.empty() && (text.front() != '/' || text.starts_with("//"))) {
      if (!messages.empty()) messages += '\n';
      append_neutralized(messages, text.front() == '/' ? text.substr(1) : text);
    } else {
      later.emplace_back(text);
    }
  };

  while (!conn.closing) {
    auto [wait_error] = co_await conn.socket.async_wait(tcp::socket::wait_read, use_tuple);
    if (wait_error || conn.closing) break;
    conn.last_heard = Clock::now();
    const auto ec = read_available(conn.socket, framer, on_frame);
    if (ec == asio::error::would_block) continue;
    if (ec == asio::error::eof) {
      // A client that half-closes still gets what the room owes it (the writer flushes).
      conn.note_end("closed by client");
      break;
    }
    if (ec) {
      conn.end(ec.message());
      break;
    }
    bool carry_on = co_await flush_messages(me, messages);
    for (std::string& line : later) {
      if (!carry_on) break;
      Command command = parse_command(line);
      if (auto* message = std::get_if<command::Message>(&command)) {
        messages = neutralize(message->text);
        carry_on = co_await flush_messages(me, messages);
      } else {
        carry_on = co_await run_command(conn, me, context, std::move(command));
      }
    }
    later.clear();
    if (flooding) {
      me.tell("! disconnected: flooding\n");
      conn.leave_reason = "flooding";
      conn.end("flooding");
      break;
    }
    if (!carry_on) {
      conn.note_end(conn.end_reason.empty() ? "server shutting down" : conn.end_reason);
      break;
    }
  }
  if (conn.write_failed) {
    // The client went away while we wrote to it, but the complete lines it sent before going
    // may already be here: relay them. A few reads at most; commands are moot by now.
    for (int reads = 0; reads < 16 && !read_available(conn.socket, framer, on_frame); ++reads) {
    }
    co_await flush_messages(me, messages);
  }
  co_await me.leave();
}

// Writes everything still owed once the member is leaving, but gives up at the deadline.
asio::awaitable<bool> write_before(tcp::socket& socket,
                                   const std::vector<asio::const_buffer>& buffers,
                                   Clock::time_point deadline) {
  asio::steady_timer timer(socket.get_executor(), deadline);
  auto outcome =
      co_await (asio::async_write(socket, buffers, use_tuple) || timer.async_wait(use_tuple));
  co_return outcome.index() == 0 && !std::get<0>(std::get<0>(outcome));
}

std::string_view farewell_reason(Farewell why) {
  switch (why) {
    case Farewell::too_slow:
      return "too slow";
    case Farewell::shutdown:
      return "server shutting down";
    case Farewell::left:
      return "left";
    case Farewell::none:
      break;
  }
  return "ended";
}

// Writes what the socket takes without blocking and drops it from `buffers`; a full socket is
// not an error.
void write_what_fits(tcp::socket& socket, std::vector<asio::const_buffer>& buffers,
                     boost::system::error_code& ec) {
  const std::size_t written = socket.write_some(buffers, ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again) ec = {};
  if (ec) return;
  std::size_t left = written;
  auto first = buffers.begin();
  while (first != buffers.end() && left >= first->size()) left -= (first++)->size();
  buffers.erase(buffers.begin(), first);
  if (!buffers.empty()) buffers.front() += left;
}

asio::awaitable<void> write_lines(Connection& conn, Member& me, std::size_t max_write) {
  std::vector<asio::const_buffer> buffers;
  Clock::time_point deadline{};
  for (;;) {
    Outbox& outbox = *me.writing;
    co_await outbox.wait_for_output();
    const Farewell why = outbox.farewell();
    if (why == Farewell::too_slow) break;
    buffers.clear();
    if (outbox.gather(buffers, max_write) == 0) {
      if (why == Farewell::none) continue;
      if (why != Farewell::left || me.upcoming.empty()) break;
      // The old room's share is flushed: carry on with the room the member moved to.
      me.writing = std::move(me.upcoming.front());
      me.upcoming.pop_front();
      deadline = {};
      continue;
    }
    // Most of the time the socket can take it all right now: write without suspending, and go
    // asynchronous only for what did not fit.
    boost::system::error_code ec;
    write_what_fits(conn.socket, buffers, ec);
    if (ec) {
      conn.write_failed = true;
      conn.end(ec.message());
      break;
    }
    if (buffers.empty()) {
      // Everything went out at once.
    } else if (why == Farewell::none) {
      auto [write_error, written] = co_await asio::async_write(conn.socket, buffers, use_tuple);
      if (write_error) {
        conn.write_failed = true;
        conn.end(write_error.message());
        break;
      }
    } else {
      if (deadline == Clock::time_point{}) deadline = Clock::now() + flush_deadline;
      const bool written = co_await write_before(conn.socket, buffers, deadline);
      if (!written) break;
    }
    outbox.commit_gathered();
  }
  conn.end(farewell_reason(me.writing->farewell()));
}

asio::awaitable<void> watch_for_idleness(Connection& conn, Member& me, std::chrono::seconds limit) {
  while (!conn.closing) {
    conn.idle_timer->expires_at(conn.last_heard + limit);
    co_await conn.idle_timer->async_wait(use_tuple);
    if (conn.closing) break;
    if (Clock::now() - conn.last_heard >= limit) {
      me.tell("! disconnected: idle for too long\n");
      conn.leave_reason = "timed out";
      conn.end("timed out");
    }
  }
}

// Completion handler for the session's side coroutines: an escaped exception is a bug, logged.
void log_escape(std::exception_ptr error) {
  if (!error) return;
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    log_line(std::string("session coroutine failed: ") + e.what());
  }
}

}  // namespace

asio::awaitable<void> run_session(tcp::socket socket, MemberId id,
                                  std::shared_ptr<const SessionContext> context,
                                  SessionGuard guard) {
  boost::system::error_code ec;
  const tcp::endpoint remote = socket.remote_endpoint(ec);
  if (ec) co_return;  // reset before we got to it
  socket.set_option(tcp::no_delay(true), ec);
  socket.non_blocking(true, ec);
  const auto executor = socket.get_executor();
  auto session =
      std::make_shared<Session>(std::move(socket), describe(remote), id, context, std::move(guard));
  Connection& conn = session->conn;
  Member& me = session->me;
  log_line(conn.peer + " connected");

  // The room's strand hands an eviction over to ours; a writer stuck on a client that stopped
  // reading would otherwise pin the room log until the client went away.
  std::weak_ptr<Session> weak = session;
  me.set_eviction_handler([weak, executor] {
    asio::post(executor, [weak] {
      if (auto evicted = weak.lock()) {
        evicted->conn.leave_reason = "too slow";
        evicted->conn.end("too slow");
      }
    });
  });

  const bool joined = co_await me.enter(actors::RoomDirectory::lobby);
  if (!joined) {
    conn.note_end("server shutting down");
    co_return;
  }

  // The writer and the idle watch each hold the session; the reader runs right here. There is
  // no join: whichever finishes last lets the session go. An idle connection thereby costs two
  // suspended coroutines, not a tree of parallel operations.
  asio::co_spawn(
      executor,
      [session]() -> asio::awaitable<void> {
        co_await write_lines(session->conn, session->me, session->context->limits.max_write);
      },
      log_escape);
  const auto idle_limit = context->limits.idle_timeout;
  if (idle_limit.count() > 0) {
    conn.idle_timer.emplace(executor);
    asio::co_spawn(
        executor,
        [session, idle_limit]() -> asio::awaitable<void> {
          co_await watch_for_idleness(session->conn, session->me, idle_limit);
        },
        log_escape);
  }
  co_await read_lines(conn, me, *context);
}

}  // namespace chatd::net
