// hiredis's event hooks on an Asio stream_descriptor, and the handshake; see redis_connection.hpp.
//
// What hiredis 0.14's async.c does that this file depends on:
// - It frees the context itself on any error (inside redisAsyncHandleRead/Write), after running
//   every pending callback with a NULL reply and then the ev.cleanup hook. So the cleanup hook is
//   where we learn the context is gone, and the last place its err/errstr can be read.
// - redisAsyncFree called inside a reply callback only flags the context; hiredis frees it when
//   the callback returns. Outside a callback it frees at once.
// - redisFree closes the socket: our descriptor must release() it in the cleanup hook, never
//   close it.
#include "cluster/redis_connection.hpp"

#include <hiredis/async.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <optional>
#include <stdexcept>

#include "base/ascii.hpp"
#include "base/log.hpp"

namespace chatd::cluster {
namespace asio = boost::asio;

// One hiredis context and the descriptor that watches its socket. hiredis holds a raw pointer to
// it (ev.data) and pending waits a shared_ptr, so it lives until both are done with it.
struct RedisConnection::Link {
  explicit Link(asio::any_io_executor strand) : socket(std::move(strand)) {}

  asio::posix::stream_descriptor socket;  // hiredis owns the fd: released, never closed
  redisAsyncContext* context = nullptr;   // null once hiredis has freed it
  std::shared_ptr<Link> self;             // set while `context` lives, for hiredis's raw pointer
  RedisConnection* owner = nullptr;       // null once the connection is gone or reconnected
  bool want_read = false;                 // what hiredis asked for through its hooks
  bool want_write = false;
  bool read_waiting = false;  // an async_wait(wait_read) is outstanding
  bool write_waiting = false;
  bool established = false;  // the handshake passed
  bool closed = false;       // close() was called
  int end_error = 0;         // hiredis's err and errstr as it freed the context
  std::string end_text;

  static void attach(const std::shared_ptr<Link>& link, redisAsyncContext* context,
                     RedisConnection* owner);
  void wait_read();
  void wait_write();

  static Link& of(void* data) { return *static_cast<Link*>(data); }
  static void add_read(void* data);
  static void del_read(void* data) { of(data).want_read = false; }
  static void add_write(void* data);
  static void del_write(void* data) { of(data).want_write = false; }
  static void cleanup(void* data);
};

namespace {

// "Connection reset by peer" reads as "connection reset by peer"; "ERR ..." stays as it is.
std::string sentence_case(std::string text) {
  if (text.size() > 1 && text[1] >= 'a' && text[1] <= 'z') text[0] = base::fold_case(text[0]);
  return text;
}

// Why hiredis gave up on a connection, from its err and errstr.
std::string end_reason(int error, std::string text) {
  if (text.empty()) return "unknown error " + std::to_string(error);
  if (error == REDIS_ERR_PROTOCOL) return "protocol error: " + text;
  return sentence_case(std::move(text));
}

void deliver_reply(redisAsyncContext*, void* reply, void* privdata) {
  const std::unique_ptr<RedisConnection::RawCallback> done(
      static_cast<RedisConnection::RawCallback*>(privdata));
  // An exception must not unwind through hiredis's C frames.
  try {
    (*done)(static_cast<const redisReply*>(reply));
  } catch (const std::exception& e) {
    base::log_line(std::string("redis: a reply callback threw: ") + e.what());
  } catch (...) {
    base::log_line("redis: a reply callback threw");
  }
}

void tcp_connected(const redisAsyncContext* context, int status) {
  if (status != REDIS_OK) return;  // the cleanup hook records why
  // Pipelined commands go out as soon as they are queued. (hiredis 0.14 sets this too, when it
  // creates the socket; setting it here keeps that from resting on a hiredis internal.)
  const int on = 1;
  ::setsockopt(context->c.fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

// Commands Redis answers more than once: hiredis keeps their callback for every answer, which
// deliver_reply (one answer, then free) cannot serve.
bool answers_more_than_once(std::string_view command) {
  const std::string name = base::folded(command);
  return name == "subscribe" || name == "psubscribe" || name == "ssubscribe" ||
         name == "unsubscribe" || name == "punsubscribe" || name == "sunsubscribe" ||
         name == "monitor";
}

RedisReply error_reply(std::string text) {
  RedisReply reply;
  reply.kind = RedisReply::Kind::error;
  reply.text = std::move(text);
  return reply;
}

// What the handshake learns, shared with its reply callbacks, which may outlive the coroutine.
struct Handshake {
  explicit Handshake(asio::any_io_executor strand) : wake(std::move(strand)) {}
  asio::steady_timer wake;  // expires at the deadline; cancelled once PING is answered
  std::string failure;      // the first step that failed, and why
  bool lost = false;        // the connection failed first: Link::end_* says why
  bool done = false;        // PING has its answer (or nullptr)
};

std::string step_failure(std::string_view step, std::string_view text) {
  if (text.starts_with("WRONGPASS") || text.find("invalid password") != std::string_view::npos)
    return "wrong password";
  if (text.starts_with("NOAUTH")) return "wrong password (the server requires one)";
  return std::string(step) + " failed: " + std::string(text);
}

RedisConnection::RawCallback check_step(std::shared_ptr<Handshake> handshake,
                                        std::string_view step) {
  return [handshake = std::move(handshake), step](const redisReply* reply) {
    if (reply == nullptr) {
      handshake->lost = true;
    } else if (reply->type == REDIS_REPLY_ERROR && handshake->failure.empty()) {
      handshake->failure = step_failure(step, std::string_view(reply->str, reply->len));
    }
  };
}

RedisConnection::RawCallback check_ping(std::shared_ptr<Handshake> handshake) {
  return [handshake = std::move(handshake)](const redisReply* reply) {
    if (reply == nullptr) {
      handshake->lost = true;
    } else if (handshake->failure.empty()) {
      const std::string_view text(reply->str == nullptr ? "" : reply->str, reply->len);
      if (reply->type == REDIS_REPLY_ERROR) {
        handshake->failure = step_failure("PING", text);
      } else if (reply->type != REDIS_REPLY_STATUS || text != "PONG") {
        handshake->failure = "not a Redis server";
      }
    }
    handshake->done = true;
    handshake->wake.cancel();
  };
}

// call()'s reply, shared with the callback, which may outlive the coroutine.
struct PendingCall {
  explicit PendingCall(asio::any_io_executor strand)
      : wake(std::move(strand), asio::steady_timer::time_point::max()) {}
  asio::steady_timer wake;  // cancelled when the reply is in
  std::optional<RedisReply> reply;
};

}  // namespace

void RedisConnection::Link::attach(const std::shared_ptr<Link>& link, redisAsyncContext* context,
                                   RedisConnection* owner) {
  link->context = context;
  link->self = link;
  link->owner = owner;
  context->ev.data = link.get();
  context->ev.addRead = &Link::add_read;
  context->ev.delRead = &Link::del_read;
  context->ev.addWrite = &Link::add_write;
  context->ev.delWrite = &Link::del_write;
  context->ev.cleanup = &Link::cleanup;
  // Also asks for the first write event, which is how hiredis learns the connect finished.
  redisAsyncSetConnectCallback(context, &tcp_connected);
}

// One outstanding wait per direction. A wait that completes after the context was freed finds
// `context` null: cleanup() releases the descriptor (aborting the waits) and nulls it in one go.
void RedisConnection::Link::wait_read() {
  if (read_waiting || !self) return;
  read_waiting = true;
  socket.async_wait(asio::posix::stream_descriptor::wait_read,
                    [link = self](boost::system::error_code) {
                      link->read_waiting = false;
                      if (link->context != nullptr && link->want_read)
                        redisAsyncHandleRead(link->context);  // asks again through add_read
                    });
}

void RedisConnection::Link::wait_write() {
  if (write_waiting || !self) return;
  write_waiting = true;
  socket.async_wait(asio::posix::stream_descriptor::wait_write,
                    [link = self](boost::system::error_code) {
                      link->write_waiting = false;
                      if (link->context != nullptr && link->want_write)
                        redisAsyncHandleWrite(link->context);  // asks again if not all written
                    });
}

void RedisConnection::Link::add_read(void* data) {
  Link& link = of(data);
  link.want_read = true;
  link.wait_read();
}

void RedisConnection::Link::add_write(void* data) {
  Link& link = of(data);
  link.want_write = true;
  link.wait_write();
}

void RedisConnection::Link::cleanup(void* data) {
  Link& link = of(data);
  // Perhaps the last reference: the link may die as this hook returns, not before.
  const std::shared_ptr<Link> keep = std::move(link.self);
  link.end_error = link.context->c.err;
  link.end_text = link.context->c.errstr;
  link.context = nullptr;
  link.want_read = false;
  link.want_write = false;
  link.socket.release();  // redisFree closes the fd right after this hook
  if (!link.established || link.closed) return;
  // Posted: the handler may close, reconnect or destroy the connection, none of which may
  // happen inside hiredis.
  asio::post(link.socket.get_executor(),
             [keep, reason = end_reason(link.end_error, link.end_text)]() mutable {
               if (keep->owner == nullptr || !keep->owner->lost_handler_) return;
               // A copy: the handler may destroy the connection, and with it lost_handler_.
               const auto handler = keep->owner->lost_handler_;
               handler(std::move(reason));
             });
}

RedisReply copy_reply(const redisReply& raw) {
  RedisReply reply;
  switch (raw.type) {
    case REDIS_REPLY_STRING:
      reply.kind = RedisReply::Kind::string;
      reply.text.assign(raw.str, raw.len);
      break;
    case REDIS_REPLY_STATUS:
      reply.kind = RedisReply::Kind::status;
      reply.text.assign(raw.str, raw.len);
      break;
    case REDIS_REPLY_ERROR:
      reply.kind = RedisReply::Kind::error;
      reply.text.assign(raw.str, raw.len);
      break;
    case REDIS_REPLY_INTEGER:
      reply.kind = RedisReply::Kind::integer;
      reply.integer = raw.integer;
      break;
    case REDIS_REPLY_ARRAY:
      reply.kind = RedisReply::Kind::array;
      reply.elements.reserve(raw.elements);
      for (std::size_t i = 0; i < raw.elements; ++i)
        reply.elements.push_back(copy_reply(*raw.element[i]));
      break;
    default:
      reply.kind = RedisReply::Kind::nil;
      break;
  }
  return reply;
}

RedisConnection::RedisConnection(asio::any_io_executor strand) : strand_(std::move(strand)) {}

RedisConnection::~RedisConnection() {
  if (link_) link_->owner = nullptr;
  close();
}

asio::awaitable<std::string> RedisConnection::connect(RedisAddress address,
                                                      std::chrono::milliseconds timeout) {
  if (link_ && link_->context != nullptr && !link_->closed)
    throw std::logic_error("RedisConnection::connect: already connected");
  if (link_) link_->owner = nullptr;
  link_.reset();

  redisAsyncContext* context = redisAsyncConnect(address.host.c_str(), address.port);
  if (context == nullptr) co_return "out of memory";
  if (context->err != 0) {  // e.g. the host name did not resolve
    std::string reason = end_reason(context->err, context->errstr);
    redisAsyncFree(context);
    co_return reason;
  }
  auto link = std::make_shared<Link>(strand_);
  boost::system::error_code assigned;
  link->socket.assign(context->c.fd, assigned);
  if (assigned) {
    redisAsyncFree(context);
    co_return assigned.message();
  }
  Link::attach(link, context, this);
  link_ = link;

  // The steps are pipelined behind the TCP connect: one round trip, one deadline for all.
  auto handshake = std::make_shared<Handshake>(strand_);
  handshake->wake.expires_after(timeout);
  if (!address.password.empty()) {
    const std::array<std::string_view, 2> auth{"AUTH", address.password};
    queue(*link, auth, check_step(handshake, "AUTH"));
  }
  const std::string db = std::to_string(address.db);
  if (address.db != 0) {
    const std::array<std::string_view, 2> select{"SELECT", db};
    queue(*link, select, check_step(handshake, "SELECT"));
  }
  const std::array<std::string_view, 1> ping{"PING"};
  queue(*link, ping, check_ping(handshake));

  const auto [waited] = co_await handshake->wake.async_wait(asio::as_tuple(asio::use_awaitable));
  if (!handshake->done) {
    close();
    if (waited == asio::error::operation_aborted) co_return "cancelled";
    co_return "timed out";
  }
  if (!handshake->failure.empty()) {
    close();
    co_return handshake->failure;
  }
  if (handshake->lost) {
    if (link->end_error == REDIS_ERR_PROTOCOL) co_return "not a Redis server";
    co_return end_reason(link->end_error, link->end_text);
  }
  link->established = true;
  co_return std::string();
}

bool RedisConnection::connected() const noexcept {
  return link_ && link_->context != nullptr && link_->established && !link_->closed;
}

void RedisConnection::send(std::span<const std::string_view> args, RawCallback done) {
  if (args.empty()) throw std::invalid_argument("RedisConnection::send: no command");
  if (answers_more_than_once(args.front()))
    throw std::invalid_argument("RedisConnection::send: " + std::string(args.front()) +
                                " answers more than once; it needs a connection of its own");
  if (!connected()) {
    asio::post(strand_, [done = std::move(done)] { done(nullptr); });
    return;
  }
  queue(*link_, args, std::move(done));
}

// Hands one command to hiredis, which formats it into its output buffer and asks to write.
void RedisConnection::queue(Link& link, std::span<const std::string_view> args, RawCallback done) {
  argv_.clear();
  argv_lengths_.clear();
  for (const std::string_view arg : args) {
    argv_.push_back(arg.empty() ? "" : arg.data());
    argv_lengths_.push_back(arg.size());
  }
  auto callback = std::make_unique<RawCallback>(std::move(done));
  const int queued =
      redisAsyncCommandArgv(link.context, &deliver_reply, callback.get(),
                            static_cast<int>(args.size()), argv_.data(), argv_lengths_.data());
  if (queued == REDIS_OK) {
    callback.release();  // deliver_reply frees it
    return;
  }
  // hiredis refuses commands while it is disconnecting.
  asio::post(strand_, [callback = std::shared_ptr<RawCallback>(std::move(callback))] {
    (*callback)(nullptr);
  });
}

asio::awaitable<RedisReply> RedisConnection::call(std::vector<std::string> args) {
  auto pending = std::make_shared<PendingCall>(strand_);
  const std::vector<std::string_view> views(args.begin(), args.end());
  RawCallback done = [pending](const redisReply* reply) {
    if (reply != nullptr) {
      pending->reply = copy_reply(*reply);
    } else {
      pending->reply = error_reply("connection lost");
    }
    pending->wake.cancel();
  };
  send(views, std::move(done));
  co_await pending->wake.async_wait(asio::as_tuple(asio::use_awaitable));
  if (!pending->reply) co_return error_reply("cancelled");
  co_return std::move(*pending->reply);
}

void RedisConnection::on_lost(std::function<void(std::string)> handler) {
  lost_handler_ = std::move(handler);
}

void RedisConnection::close() {
  if (!link_ || link_->context == nullptr || link_->closed) return;
  link_->closed = true;
  // Frees now, or, inside a reply callback, as soon as it returns: hiredis defers it then.
  redisAsyncFree(link_->context);
}

std::size_t RedisConnection::unsent_bytes() const noexcept {
  if (!link_ || link_->context == nullptr) return 0;
  return sdslen(link_->context->c.obuf);
}

}  // namespace chatd::cluster
