// An IRC client's registration, reader, writer and keepalive; see irc_session.hpp.
#include "net/irc/irc_session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "app/version.hpp"
#include "base/ascii.hpp"
#include "base/log.hpp"
#include "net/end_reason.hpp"
#include "net/irc/irc_caps.hpp"
#include "net/irc/irc_filter.hpp"
#include "net/irc/irc_format.hpp"
#include "net/irc/irc_framer.hpp"
#include "net/irc/irc_message.hpp"
#include "net/irc/irc_nick.hpp"
#include "net/irc/irc_numerics.hpp"
#include "net/pacer.hpp"
#include "net/participant.hpp"
#include "net/peer_name.hpp"
#include "net/stream_reader.hpp"
#include "net/urgent_lane.hpp"
#include "net/writer.hpp"

namespace chatd::net::irc {

namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// A client that has not registered by then is not going to.
constexpr auto registration_deadline = std::chrono::seconds(30);
// Without --idle-timeout the door keeps a keepalive of its own, as IRC servers do (ergo's).
constexpr auto default_ping_after = std::chrono::seconds(90);
constexpr auto default_drop_after = std::chrono::seconds(150);
// How often a client in no room (registering, or in no channel) looks whether the server is
// shutting down: no room stops under it to tell it.
constexpr auto shutdown_check = std::chrono::milliseconds(250);
// Replies that belong to no room wait here for the writer; a client that lets this much pile up
// (LIST after LIST without reading) is too slow.
constexpr std::size_t reply_lane_capacity = 64 * 1024;

constexpr std::string_view slow_down =
    "NOTICE * :*** You are sending too fast: your lines are being delayed\r\n";

// "#a,#b" -> {"#a", "#b"}: the lists JOIN, PART, PRIVMSG and NAMES take.
std::vector<std::string> split_list(std::string_view list, char separator = ',') {
  std::vector<std::string> items;
  while (!list.empty()) {
    const std::size_t end = list.find(separator);
    const std::string_view item = list.substr(0, end);
    if (!item.empty()) items.emplace_back(item);
    if (end == std::string_view::npos) break;
    list.remove_prefix(end + 1);
  }
  return items;
}

// CTCP (a message between two \x01): ACTION is /me; the rest are requests nobody answers here.
bool is_ctcp(std::string_view text) {
  return text.size() >= 2 && text.front() == '\x01';
}
std::optional<std::string_view> ctcp_action(std::string_view text) {
  constexpr std::string_view start = "\x01" "ACTION ";
  if (!text.starts_with(start)) return std::nullopt;
  text.remove_prefix(start.size());
  if (text.ends_with('\x01')) text.remove_suffix(1);
  return text;
}

// What one read brought in, in the client's order.
struct TooLong {};
// PRIVMSGs in a row to one channel, plain text: one room event, as the line door makes one per
// read. A busy sender then costs the room (and every reader's writer) one pass per read, not one
// per line.
struct ChannelLines {
  std::string channel;
  actors::SafeLines lines;
};
using Input = std::variant<IrcMessage, ChannelLines, TooLong>;

// The channel a registered client's `message` says plain text to, if that is all it does.
std::optional<std::string_view> plain_channel_text(const IrcMessage& message) {
  if (message.command != "PRIVMSG" || message.params.size() != 2) return std::nullopt;
  const std::string& to = message.params[0];
  const std::string& text = message.params[1];
  if (!to.starts_with('#') || to.find(',') != std::string::npos || text.empty() || is_ctcp(text))
    return std::nullopt;
  return std::string_view(to);
}

class IrcSession {
 public:
  IrcSession(ClientStream stream, std::string peer, actors::MemberId id,
             std::shared_ptr<const SessionContext> context, DoorCounters& counters,
             SessionGuard guard, std::shared_ptr<const IrcOptions> options)
      : stream_(std::move(stream)),
        peer_(std::move(peer)),
        id_(id),
        context_(std::move(context)),
        options_(std::move(options)),
        server_(options_->server_name),
        pacer_(context_->limits, counters),
        counters_(counters),
        guard_(std::move(guard)) {}
  IrcSession(const IrcSession&) = delete;
  IrcSession& operator=(const IrcSession&) = delete;
  ~IrcSession() { base::log_line(peer_ + " disconnected (" + end_.for_log() + ")"); }

  asio::awaitable<void> run(std::shared_ptr<IrcSession> self);

 private:
  const SessionLimits& limits() const { return context_->limits; }
  bool registered() const noexcept { return lane_ != nullptr; }
  // The nick in replies: "*" until one is accepted.
  std::string target() const { return nick_.empty() ? std::string("*") : nick_; }

  void finish(EndReason reason, std::string detail = {});

  boost::system::error_code read_available(std::vector<Input>& inputs);
  asio::awaitable<bool> perform(Input input);

  // Sends `bytes` to the client: before registration straight to the stream (nothing else
  // writes yet), after it through the reply lane.
  asio::awaitable<void> send(std::string bytes);
  asio::awaitable<void> numeric(Numeric number, std::vector<std::string> params);
  // The session's echo of the client's own JOIN, NICK or PART: one parameter, written as the
  // trailing one (the writer's IrcFilter tells it from the rooms' copies so), with the time
  // tag if the client asked for it.
  std::string own_line(std::string_view command, std::string_view channel_or_nick,
                       std::string_view reason = {}, std::string_view source = {}) const;

  asio::awaitable<void> registering(IrcMessage message);
  asio::awaitable<void> try_to_register();
  asio::awaitable<void> welcome();
  asio::awaitable<void> command(IrcMessage message);

  asio::awaitable<void> on_cap(IrcMessage message);
  asio::awaitable<void> on_nick(IrcMessage message);
  asio::awaitable<void> on_join(IrcMessage message);
  asio::awaitable<void> on_part(IrcMessage message);
  asio::awaitable<void> on_message(IrcMessage message, bool notice);
  asio::awaitable<void> say_in_channel(ChannelLines said);
  asio::awaitable<void> on_names(IrcMessage message);
  asio::awaitable<void> on_who(IrcMessage message);
  asio::awaitable<void> on_whois(IrcMessage message);
  asio::awaitable<void> on_topic(IrcMessage message);
  asio::awaitable<void> on_list();
  asio::awaitable<void> on_mode(IrcMessage message);
  asio::awaitable<void> on_ison(IrcMessage message);
  asio::awaitable<void> on_userhost(IrcMessage message);
  asio::awaitable<void> on_away(IrcMessage message);

  void writer_ended(std::exception_ptr error, WriterEnd ended);
  // ERROR :Closing Link: HOST (why), the door's last words for each way a connection ends.
  std::string closing_link() const;
  static asio::awaitable<void> keep_alive(std::shared_ptr<IrcSession> self);

  ClientStream stream_;
  std::string peer_;
  actors::MemberId id_;
  std::shared_ptr<const SessionContext> context_;
  std::shared_ptr<const IrcOptions> options_;
  const std::string& server_;
  StreamReader reader_{stream_};
  IrcFramer framer_;
  Pacer pacer_;
  ConnectionEnd end_;
  Clock::time_point last_heard_ = Clock::now();
  bool heard_before_ = false;  // whether any byte has arrived yet
  asio::cancellation_signal stop_reading_;
  std::unique_ptr<asio::steady_timer> keepalive_timer_;

  // Registration: what the client has said so far.
  std::string nick_;        // accepted (claimed) once registered; wanted until then
  bool user_given_ = false;
  bool cap_negotiating_ = false;
  CapNegotiation caps_;
  // The participant exists from the first attempt to register; the lane once registered.
  std::unique_ptr<Participant> me_;
  std::unique_ptr<UrgentLane> lane_;
  // For the writer's filter (IrcFilter): on this strand only.
  bool echo_ = false;
  std::string own_source_;

  std::weak_ptr<IrcSession> weak_self_;  // set by run()
  DoorCounters& counters_;  // valid while guard_ is held
  SessionGuard guard_;
};

void IrcSession::finish(EndReason reason, std::string detail) {
  if (!end_.record(reason, std::move(detail))) return;
  stop_reading_.emit(asio::cancellation_type::all);
  if (keepalive_timer_) keepalive_timer_->cancel();
}

asio::awaitable<void> IrcSession::run(std::shared_ptr<IrcSession> self) {
  base::log_line(peer_ + " connected");
  weak_self_ = self;
  keepalive_timer_ = std::make_unique<asio::steady_timer>(stream_.get_executor());
  asio::co_spawn(stream_.get_executor(), keep_alive(self), base::log_escape("irc keepalive"));
  std::vector<Input> inputs;
  while (!end_.ended()) {
    const bool may_read = co_await pacer_.wait_for_token(me_.get(), slow_down,
                                                         stream_.get_executor(),
                                                         stop_reading_.slot());
    if (!may_read || end_.ended()) break;
    const boost::system::error_code wait_error =
        co_await reader_.wait_for_input(stop_reading_.slot());
    if (wait_error || end_.ended()) break;
    last_heard_ = Clock::now();
    const auto ec = read_available(inputs);
    if (ec == asio::error::would_block) continue;
    if (ec == asio::error::eof) {
      finish(EndReason::client_closed);
    } else if (ec) {
      finish(EndReason::read_failed, ec.message());
    }
    for (Input& input : inputs) {
      const bool carry_on = co_await perform(std::move(input));
      if (!carry_on) break;
    }
    inputs.clear();
  }
  if (me_) {
    std::string detail = end_.reason() == EndReason::quit ? end_.detail() : std::string();
    co_await me_->leave(leave_reason(end_.reason()), std::move(detail));
  }
  if (!registered()) stream_.end_with(closing_link());
}

boost::system::error_code IrcSession::read_available(std::vector<Input>& inputs) {
  TokenBucket& bucket = pacer_.bucket();
  const auto now = Clock::now();
  pacer_.heard(now);
  std::size_t consumed = 0;
  const auto ec = reader_.read_available(
      bucket.enabled(), consumed, [&](std::span<const char> bytes) -> std::size_t {
        // A TLS client that found the plaintext port (6667 for 6697): nothing here to say to it.
        if (!heard_before_ && stream_.plain() != nullptr && opens_tls_handshake(bytes)) {
          finish(EndReason::read_failed, "TLS handshake on a plaintext port");
          return 0;
        }
        heard_before_ = true;
        return framer_.feed(bytes, [&](FrameKind frame, std::string_view line) {
          if (frame == FrameKind::too_long) {
            bucket.try_take(now);
            inputs.emplace_back(TooLong{});
            return bucket.has_token(now);
          }
          std::optional<IrcMessage> message = parse_irc_message(line);
          if (!message) return true;  // an empty line: IRC clients send them, servers ignore them
          bucket.try_take(now);
          const std::optional<std::string_view> channel =
              registered() ? plain_channel_text(*message) : std::nullopt;
          if (!channel) {
            inputs.emplace_back(std::move(*message));
          } else {
            auto* run = inputs.empty() ? nullptr : std::get_if<ChannelLines>(&inputs.back());
            if (run == nullptr || run->channel != *channel) {
              inputs.emplace_back(ChannelLines{std::string(*channel), actors::SafeLines{}});
              run = &std::get<ChannelLines>(inputs.back());
            }
            run->lines.add(message->params[1]);
          }
          return bucket.has_token(now);
        });
      });
  counters_.bytes_in.add(consumed);
  return ec;
}

asio::awaitable<bool> IrcSession::perform(Input input) {
  if (std::holds_alternative<TooLong>(input)) {
    std::vector<std::string> params{};
    co_await numeric(Numeric::err_inputtoolong, std::move(params));
    co_return !end_.ended();
  }
  if (auto* said = std::get_if<ChannelLines>(&input)) {
    co_await say_in_channel(std::move(*said));
    co_return !end_.ended();
  }
  IrcMessage message = std::move(std::get<IrcMessage>(input));
  if (registered())
    co_await command(std::move(message));
  else
    co_await registering(std::move(message));
  co_return !end_.ended();
}

asio::awaitable<void> IrcSession::send(std::string bytes) {
  if (lane_) {
    if (!lane_->try_push(bytes)) {
      finish(EndReason::too_slow);
      boost::system::error_code ignored;
      stream_.socket().cancel(ignored);
    }
    co_return;
  }
  const std::vector<asio::const_buffer> buffers{asio::buffer(bytes)};
  const auto deadline = Clock::now() + flush_deadline;
  const boost::system::error_code ec = co_await write_before(stream_, buffers, deadline);
  if (ec) finish(EndReason::write_failed, ec.message());
  else counters_.bytes_out.add(bytes.size());
}

std::string IrcSession::own_line(std::string_view command, std::string_view channel_or_nick,
                                 std::string_view reason, std::string_view source) const {
  std::string line;
  if (caps_.enabled(Cap::server_time))
    line = server_time_tag(std::chrono::system_clock::now()) + " ";
  const std::string_view from = source.empty() ? std::string_view(own_source_) : source;
  if (reason.empty()) {
    // Names and channels hold no spaces: this stays one line, within 512 bytes.
    line.append(":").append(from).append(" ").append(command).append(" :");
    line.append(channel_or_nick).append("\r\n");
  } else {
    line += irc_line(from, command, {channel_or_nick, reason});
  }
  return line;
}

asio::awaitable<void> IrcSession::numeric(Numeric number, std::vector<std::string> params) {
  const std::vector<std::string_view> views(params.begin(), params.end());
  std::string line;
  append_numeric_line(line, server_, number, target(), views);
  co_await send(std::move(line));
}

// Before registration: CAP, PASS, NICK, USER, PING and QUIT; anything else is 451.
asio::awaitable<void> IrcSession::registering(IrcMessage message) {
  const std::string& verb = message.command;
  if (verb == "CAP") {
    co_await on_cap(std::move(message));
    co_await try_to_register();
  } else if (verb == "PASS") {
    // No server password: a PASS is accepted and ignored, as on servers without one.
  } else if (verb == "NICK") {
    if (message.params.empty() || message.params[0].empty()) {
      std::vector<std::string> params{};
      co_await numeric(Numeric::err_nonicknamegiven, std::move(params));
    } else if (!is_valid_irc_nick(message.params[0])) {
      std::vector<std::string> params{message.params[0]};
      co_await numeric(Numeric::err_erroneusnickname, std::move(params));
    } else {
      nick_ = message.params[0];
      co_await try_to_register();
    }
  } else if (verb == "USER") {
    if (message.params.size() < 4) {
      std::vector<std::string> params{"USER"};
      co_await numeric(Numeric::err_needmoreparams, std::move(params));
    } else {
      user_given_ = true;
      co_await try_to_register();
    }
  } else if (verb == "PING") {
    std::string token = message.params.empty() ? server_ : message.params[0];
    std::string pong = irc_line(server_, "PONG", {server_, token});
    co_await send(std::move(pong));
  } else if (verb == "PONG") {
  } else if (verb == "QUIT") {
    finish(EndReason::quit, message.params.empty() ? std::string() : message.params[0]);
  } else {
    std::vector<std::string> params{};
    co_await numeric(Numeric::err_notregistered, std::move(params));
  }
}

// NICK and USER given, CAP negotiation over: the nick is claimed (across doors and nodes), and
// the client is welcomed; a nick someone holds is 433, and the client may try another.
asio::awaitable<void> IrcSession::try_to_register() {
  if (nick_.empty() || !user_given_ || cap_negotiating_ || registered() || end_.ended())
    co_return;
  if (!me_) {
    me_ = std::make_unique<Participant>(
        id_, peer_, irc_format(server_, caps_.enabled(Cap::server_time)), context_,
        stream_.get_executor());
  }
  const RenameResult result = co_await me_->rename(nick_);
  if (result != RenameResult::renamed) {
    std::vector<std::string> params{nick_};
    const Numeric number = result == RenameResult::taken ? Numeric::err_nicknameinuse
                                                         : Numeric::err_erroneusnickname;
    nick_.clear();  // the client must pick another
    co_await numeric(number, std::move(params));
    co_return;
  }
  echo_ = caps_.enabled(Cap::echo_message);
  own_source_ = member_source(nick_);
  // From here on the writer owns the stream: every reply goes through the lane.
  lane_ = std::make_unique<UrgentLane>(me_->outbox().bell(), reply_lane_capacity);
  keepalive_timer_->cancel();  // from registering to keeping alive
  std::shared_ptr<IrcSession> self = weak_self_.lock();
  // A room evicting this client hands the news to our strand, where a write blocked on a client
  // that stopped reading is cancelled.
  me_->outbox().bell().set_interrupt_handler([weak = weak_self_] {
    if (auto session = weak.lock()) {
      session->finish(EndReason::too_slow);
      boost::system::error_code ignored;
      session->stream_.socket().cancel(ignored);
    }
  });
  asio::co_spawn(stream_.get_executor(),
                 write_outbox(stream_, me_->outbox(), limits().max_write, counters_.bytes_out,
                              lane_.get(), IrcFilter(echo_, own_source_)),
                 [self](std::exception_ptr error, WriterEnd ended) {
                   self->writer_ended(error, std::move(ended));
                 });
  co_await welcome();
}

asio::awaitable<void> IrcSession::welcome() {
  const std::string version = "chatd-" + std::string(app::version);
  const ServerInfo info{server_, "chatd", version, options_->started};
  std::string burst = welcome_lines(info, nick_, nick_, "chatd");
  const std::vector<std::string_view> motd(options_->motd.begin(), options_->motd.end());
  burst += motd_lines(server_, nick_, motd);
  co_await send(std::move(burst));
}

asio::awaitable<void> IrcSession::command(IrcMessage message) {
  const std::string& verb = message.command;
  if (verb == "PRIVMSG") {
    co_await on_message(std::move(message), false);
  } else if (verb == "NOTICE") {
    co_await on_message(std::move(message), true);
  } else if (verb == "PING") {
    std::string token = message.params.empty() ? server_ : message.params[0];
    std::string pong = irc_line(server_, "PONG", {server_, token});
    co_await send(std::move(pong));
  } else if (verb == "PONG") {
    // Activity, which reading it already counted.
  } else if (verb == "JOIN") {
    co_await on_join(std::move(message));
  } else if (verb == "PART") {
    co_await on_part(std::move(message));
  } else if (verb == "NICK") {
    co_await on_nick(std::move(message));
  } else if (verb == "NAMES") {
    co_await on_names(std::move(message));
  } else if (verb == "WHO") {
    co_await on_who(std::move(message));
  } else if (verb == "WHOIS") {
    co_await on_whois(std::move(message));
  } else if (verb == "TOPIC") {
    co_await on_topic(std::move(message));
  } else if (verb == "LIST") {
    co_await on_list();
  } else if (verb == "MODE") {
    co_await on_mode(std::move(message));
  } else if (verb == "ISON") {
    co_await on_ison(std::move(message));
  } else if (verb == "USERHOST") {
    co_await on_userhost(std::move(message));
  } else if (verb == "AWAY") {
    co_await on_away(std::move(message));
  } else if (verb == "CAP") {
    co_await on_cap(std::move(message));
  } else if (verb == "QUIT") {
    finish(EndReason::quit, message.params.empty() ? std::string() : message.params[0]);
  } else if (verb == "USER" || verb == "PASS") {
    std::vector<std::string> params{};
    co_await numeric(Numeric::err_alreadyregistered, std::move(params));
  } else {
    std::vector<std::string> params{verb};
    co_await numeric(Numeric::err_unknowncommand, std::move(params));
  }
}

asio::awaitable<void> IrcSession::on_cap(IrcMessage message) {
  std::string lines = caps_.handle(message.params, server_, target(),
                                   registered() ? Phase::registered : Phase::registering);
  cap_negotiating_ = caps_.holds_registration();
  // server-time chose the client's format at registration; echo-message may change any time.
  echo_ = caps_.enabled(Cap::echo_message);
  if (!lines.empty()) co_await send(std::move(lines));
}

asio::awaitable<void> IrcSession::on_nick(IrcMessage message) {
  if (message.params.empty() || message.params[0].empty()) {
    std::vector<std::string> params{};
    co_await numeric(Numeric::err_nonicknamegiven, std::move(params));
    co_return;
  }
  const std::string wanted = message.params[0];
  if (!is_valid_irc_nick(wanted)) {
    std::vector<std::string> params{wanted};
    co_await numeric(Numeric::err_erroneusnickname, std::move(params));
    co_return;
  }
  const RenameResult result = co_await me_->rename(wanted);
  switch (result) {
    case RenameResult::renamed:
      break;
    case RenameResult::taken: {
      std::vector<std::string> params{wanted};
      co_await numeric(Numeric::err_nicknameinuse, std::move(params));
    co_return;
    }
    case RenameResult::invalid: {
      std::vector<std::string> params{wanted};
      co_await numeric(Numeric::err_erroneusnickname, std::move(params));
    co_return;
    }
  }
  const std::string old_source = std::exchange(own_source_, member_source(wanted));
  nick_ = wanted;
  // Once, whatever the number of rooms (the filter leaves out theirs).
  std::string line = own_line("NICK", wanted, {}, old_source);
  co_await send(std::move(line));
}

asio::awaitable<void> IrcSession::on_join(IrcMessage message) {
  if (message.params.empty()) {
    std::vector<std::string> params{"JOIN"};
    co_await numeric(Numeric::err_needmoreparams, std::move(params));
    co_return;
  }
  if (message.params[0] == "0") {
    // JOIN 0: leave every channel.
    for (std::string room : me_->room_names()) {
      IrcMessage part{{}, {}, "PART", {channel_of_room(room)}};
      co_await on_part(std::move(part));
    }
    co_return;
  }
  for (const std::string& channel : split_list(message.params[0])) {
    const std::optional<std::string> room = room_of_channel(channel);
    if (!room) {
      std::vector<std::string> params{channel};
      co_await numeric(Numeric::err_nosuchchannel, std::move(params));
      continue;
    }
    const JoinResult joined = co_await me_->join_room(*room);
    switch (joined) {
      case JoinResult::joined: {
        // JOIN, topic, names, in that order, in their place after the room's history (the
        // filter leaves out the room's own JOIN: in a cluster it comes after a round trip).
        std::string echo = own_line("JOIN", channel_of_room(*room));
        co_await me_->tell_in(*room, std::move(echo));
        co_await me_->show_topic(*room);
        co_await me_->ask_who_in(*room, actors::MemberListing::names);
        break;
      }
      case JoinResult::already_there:
        break;
      case JoinResult::invalid: {
        std::vector<std::string> params{channel};
        co_await numeric(Numeric::err_nosuchchannel, std::move(params));
        break;
      }
      case JoinResult::shutting_down:
        finish(EndReason::shutdown);
        co_return;
    }
  }
}

asio::awaitable<void> IrcSession::on_part(IrcMessage message) {
  if (message.params.empty()) {
    std::vector<std::string> params{"PART"};
    co_await numeric(Numeric::err_needmoreparams, std::move(params));
    co_return;
  }
  const std::string reason = message.params.size() > 1 ? message.params[1] : std::string();
  for (const std::string& channel : split_list(message.params[0])) {
    const std::optional<std::string> room = room_of_channel(channel);
    // The client's own PART goes through the room before it leaves, after that room's traffic.
    std::string echo = own_line("PART", channel, reason);
    InRoom told = InRoom::not_there;
    if (room) told = co_await me_->tell_in(*room, std::move(echo));
    if (told == InRoom::not_there) {
      std::vector<std::string> params{channel};
      co_await numeric(Numeric::err_notonchannel, std::move(params));
      continue;
    }
    co_await me_->part_room(*room, reason);
  }
}

asio::awaitable<void> IrcSession::on_message(IrcMessage message, bool notice) {
  if (message.params.empty() || message.params[0].empty()) {
    if (notice) co_return;  // NOTICE is never answered with an error
    std::vector<std::string> params{"No recipient given (PRIVMSG)"};
    co_await numeric(Numeric::err_norecipient, std::move(params));
    co_return;
  }
  if (message.params.size() < 2 || message.params[1].empty()) {
    if (notice) co_return;
    std::vector<std::string> params{};
    co_await numeric(Numeric::err_notexttosend, std::move(params));
    co_return;
  }
  const std::string& text = message.params[1];
  for (const std::string& to : split_list(message.params[0])) {
    const std::optional<std::string> room = room_of_channel(to);
    if (!room) {
      // To a nick, on whatever door or node it is. CTCP ACTION is /me; other CTCP has no use.
      const std::optional<std::string_view> action = ctcp_action(text);
      if (is_ctcp(text) && !action) continue;
      const std::string words = action ? "* " + nick_ + " " + std::string(*action) : text;
      actors::SafeText safe(words);
      const PrivateResult sent = co_await me_->send_private(to, std::move(safe));
      if (sent == PrivateResult::shutting_down) finish(EndReason::shutdown);
      if (sent == PrivateResult::unknown_nick && !notice) {
        std::vector<std::string> params{to};
        co_await numeric(Numeric::err_nosuchnick, std::move(params));
      }
      continue;
    }
    InRoom sent = InRoom::not_there;
    if (const std::optional<std::string_view> action = ctcp_action(text)) {
      actors::SafeText safe(*action);
      sent = co_await me_->act_in(*room, std::move(safe));
    } else if (is_ctcp(text)) {
      continue;  // other CTCP requests to a channel are nobody's to answer
    } else {
      actors::SafeLines lines;
      lines.add(text);
      sent = co_await me_->say_in(*room, std::move(lines));
    }
    if (sent == InRoom::shutting_down) finish(EndReason::shutdown);
    if (sent == InRoom::not_there && !notice) {
      std::vector<std::string> params{to};
      co_await numeric(Numeric::err_cannotsendtochan, std::move(params));
    }
  }
}

asio::awaitable<void> IrcSession::say_in_channel(ChannelLines said) {
  const std::optional<std::string> room = room_of_channel(said.channel);
  const std::size_t count = said.lines.size();
  InRoom sent = InRoom::not_there;
  if (room) sent = co_await me_->say_in(*room, std::move(said.lines));
  if (sent == InRoom::shutting_down) finish(EndReason::shutdown);
  if (sent != InRoom::not_there) co_return;
  // As many errors as lines, as if each had come alone.
  const Numeric error = room ? Numeric::err_cannotsendtochan : Numeric::err_nosuchnick;
  for (std::size_t i = 0; i < count; ++i) {
    std::vector<std::string> params{said.channel};
    co_await numeric(error, std::move(params));
  }
}

asio::awaitable<void> IrcSession::on_names(IrcMessage message) {
  if (message.params.empty()) {
    std::vector<std::string> params{"*"};
    co_await numeric(Numeric::rpl_endofnames, std::move(params));
    co_return;
  }
  for (const std::string& channel : split_list(message.params[0])) {
    const std::optional<std::string> room = room_of_channel(channel);
    InRoom asked = InRoom::not_there;
    if (room) asked = co_await me_->ask_who_in(*room, actors::MemberListing::names);
    if (asked == InRoom::not_there) {
      std::vector<std::string> params{channel};
      co_await numeric(Numeric::rpl_endofnames, std::move(params));
    }
  }
}

asio::awaitable<void> IrcSession::on_who(IrcMessage message) {
  const std::string mask = message.params.empty() ? std::string("*") : message.params[0];
  const std::optional<std::string> room = room_of_channel(mask);
  InRoom asked = InRoom::not_there;
  if (room) asked = co_await me_->ask_who_in(*room, actors::MemberListing::who);
  if (asked == InRoom::not_there) {
    std::vector<std::string> params{mask};
    co_await numeric(Numeric::rpl_endofwho, std::move(params));
  }
}

asio::awaitable<void> IrcSession::on_whois(IrcMessage message) {
  if (message.params.empty()) {
    std::vector<std::string> params{};
    co_await numeric(Numeric::err_nonicknamegiven, std::move(params));
    co_return;
  }
  // WHOIS [server] nick: the nick is the last parameter.
  const std::string nick = message.params.back();
  if (context_->names->holds(nick)) {
    std::string lines = numeric_line(server_, Numeric::rpl_whoisuser, nick_,
                                     {nick, nick, "chatd", "*", nick});
    lines += numeric_line(server_, Numeric::rpl_whoisserver, nick_, {nick, server_, "chatd"});
    co_await send(std::move(lines));
  } else {
    std::vector<std::string> params{nick};
    co_await numeric(Numeric::err_nosuchnick, std::move(params));
  }
  std::vector<std::string> end{nick};
  co_await numeric(Numeric::rpl_endofwhois, std::move(end));
}

asio::awaitable<void> IrcSession::on_topic(IrcMessage message) {
  if (message.params.empty()) {
    std::vector<std::string> params{"TOPIC"};
    co_await numeric(Numeric::err_needmoreparams, std::move(params));
    co_return;
  }
  const std::string channel = message.params[0];
  const std::optional<std::string> room = room_of_channel(channel);
  TopicResult result = TopicResult::not_in_room;
  if (room && message.params.size() < 2) {
    result = co_await me_->show_topic(*room);
  } else if (room) {
    actors::SafeText topic(message.params[1]);
    result = co_await me_->set_topic(*room, std::move(topic));
  }
  switch (result) {
    case TopicResult::set:
    case TopicResult::shown:
      break;  // the room answers: TOPIC for everyone, or 331/332 for the asker
    case TopicResult::too_long: {
      std::string notice = irc_line(server_, "NOTICE", {nick_, "Topic too long (at most " +
                                                                  std::to_string(max_topic) +
                                                                  " bytes)"});
      co_await send(std::move(notice));
      break;
    }
    case TopicResult::not_in_room: {
      std::vector<std::string> params{channel};
      co_await numeric(Numeric::err_notonchannel, std::move(params));
      break;
    }
    case TopicResult::shutting_down:
      finish(EndReason::shutdown);
      break;
  }
}

asio::awaitable<void> IrcSession::on_list() {
  const std::vector<actors::RoomSummary> rooms = co_await me_->rooms();
  std::string lines = numeric_line(server_, Numeric::rpl_liststart, nick_, {"Channel"});
  for (const actors::RoomSummary& room : rooms)
    lines += numeric_line(server_, Numeric::rpl_list, nick_,
                          {channel_of_room(room.name), std::to_string(room.members), ""});
  lines += numeric_line(server_, Numeric::rpl_listend, nick_, {});
  co_await send(std::move(lines));
}

asio::awaitable<void> IrcSession::on_mode(IrcMessage message) {
  if (message.params.empty()) {
    std::vector<std::string> params{"MODE"};
    co_await numeric(Numeric::err_needmoreparams, std::move(params));
    co_return;
  }
  const std::string& subject = message.params[0];
  const std::optional<std::string> room = room_of_channel(subject);
  if (!room) {
    // A user's modes: chatd keeps none.
    if (!base::equal_ignoring_case(subject, nick_)) {
      std::vector<std::string> params{};
      co_await numeric(Numeric::err_usersdontmatch, std::move(params));
    co_return;
    }
    std::vector<std::string> params{"+"};
    co_await numeric(Numeric::rpl_umodeis, std::move(params));
    co_return;
  }
  if (message.params.size() == 1) {
    std::vector<std::string> params{subject, "+n"};
    co_await numeric(Numeric::rpl_channelmodeis, std::move(params));
    co_return;
  }
  std::vector<std::string> params{subject};
  co_await numeric(Numeric::err_chanoprivsneeded, std::move(params));
}

asio::awaitable<void> IrcSession::on_ison(IrcMessage message) {
  std::string online;
  for (const std::string& param : message.params)
    for (const std::string& nick : split_list(param, ' '))
      if (context_->names->holds(nick)) online += (online.empty() ? "" : " ") + nick;
  std::vector<std::string> params{online};
  co_await numeric(Numeric::rpl_ison, std::move(params));
}

asio::awaitable<void> IrcSession::on_userhost(IrcMessage message) {
  std::string found;
  for (const std::string& nick : message.params)
    if (context_->names->holds(nick)) found += (found.empty() ? "" : " ") + nick + "=+" + nick + "@chatd";
  std::vector<std::string> params{found};
  co_await numeric(Numeric::rpl_userhost, std::move(params));
}

asio::awaitable<void> IrcSession::on_away(IrcMessage message) {
  const bool away = !message.params.empty() && !message.params[0].empty();
  std::vector<std::string> params;
  const Numeric answer = away ? Numeric::rpl_nowaway : Numeric::rpl_unaway;
  co_await numeric(answer, std::move(params));
}

std::string IrcSession::closing_link() const {
  std::string why;
  switch (end_.reason()) {
    case EndReason::quit:
      why = end_.detail().empty() ? "Quit" : "Quit: " + end_.detail();
      break;
    case EndReason::too_slow:
      why = "too slow";
      break;
    case EndReason::timed_out:
      why = registered() ? "Ping timeout" : "Registration timed out";
      break;
    case EndReason::shutdown:
      why = "Server shutting down";
      break;
    case EndReason::client_closed:
    case EndReason::read_failed:
    case EndReason::write_failed:
      why = "Connection closed";
      break;
  }
  return "ERROR :Closing Link: " + peer_ + " (" + why + ")\r\n";
}

void IrcSession::writer_ended(std::exception_ptr error, WriterEnd ended) {
  if (error) {
    base::log_escape("irc writer")(error);
    ended = WriterEnd{true, EndReason::write_failed, "writer failed"};
  }
  if (ended.ended_by_writer) finish(ended.reason, std::move(ended.detail));
  if (end_.reason() == EndReason::write_failed) return;
  // Best effort, without waiting: replies still owed, then the ERROR that closes the link.
  stream_.end_with(lane_->take_rest() + closing_link());
}

asio::awaitable<void> IrcSession::keep_alive(std::shared_ptr<IrcSession> self) {
  const auto idle = self->limits().idle_timeout;
  const Clock::duration drop_after = idle.count() > 0 ? Clock::duration(idle) : default_drop_after;
  const Clock::duration ping_after = idle.count() > 0 ? drop_after / 2 : default_ping_after;
  const auto registered_by = Clock::now() + registration_deadline;
  asio::steady_timer& timer = *self->keepalive_timer_;
  // The silence (since last_heard_) a PING was sent for; a new line from the client ends it.
  std::optional<Clock::time_point> pinged_for;
  while (!self->end_.ended()) {
    const bool registered = self->registered();
    const auto heard = self->last_heard_;
    const bool pinged = pinged_for == heard;
    const auto due = !registered ? registered_by : heard + (pinged ? drop_after : ping_after);
    // A client in no room hears of a shutdown from no room: it looks now and then instead.
    const bool roomless = !registered || self->me_->room() == nullptr;
    timer.expires_at(roomless ? std::min(due, Clock::now() + shutdown_check) : due);
    co_await timer.async_wait(use_tuple);
    if (self->end_.ended()) break;
    if (!self->context_->metrics->accepting()) {
      self->finish(EndReason::shutdown);
      break;
    }
    // Woken early (registration, a shutdown check), or heard from meanwhile: look again.
    if (Clock::now() < due || self->last_heard_ != heard || self->registered() != registered)
      continue;
    if (!registered) {
      self->finish(EndReason::timed_out);
    } else if (pinged) {
      self->counters_.timed_out.add();
      self->finish(EndReason::timed_out);
    } else {
      pinged_for = heard;
      std::string ping = irc_line({}, "PING", {self->server_});
      co_await self->send(std::move(ping));
    }
  }
}

asio::awaitable<void> gone() {
  co_return;
}

}  // namespace

asio::awaitable<void> run_irc_session(ClientStream stream, actors::MemberId id,
                                      std::shared_ptr<const SessionContext> context,
                                      DoorCounters& counters, SessionGuard guard,
                                      std::shared_ptr<const IrcOptions> options) {
  tcp::socket& socket = stream.socket();
  boost::system::error_code ec;
  const tcp::endpoint remote = socket.remote_endpoint(ec);
  if (ec) return gone();  // reset before we got to it
  socket.set_option(tcp::no_delay(true), ec);
  socket.non_blocking(true, ec);
  auto session = std::make_shared<IrcSession>(std::move(stream), peer_name(remote), id,
                                              std::move(context), counters, std::move(guard),
                                              std::move(options));
  IrcSession& connection = *session;
  return connection.run(std::move(session));
}

}  // namespace chatd::net::irc
