// What a client's commands do, whatever door it came through: the participant acts, the door's
// `Replies` render the answer, and the answer is told in its place in the client's stream. The
// doors differ only in syntax (how input becomes a Command) and in Replies (how an answer looks).
//
// `Replies` provides, as static functions returning the bytes to tell ("" for nothing):
//   renamed(RenameResult, nickname), moved(MoveResult, asked, current), rooms(list), help(),
//   messaged(PrivateResult, nickname), topic(TopicResult), unknown_command(name),
//   malformed_command(usage).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <variant>

#include "net/command.hpp"
#include "net/end_reason.hpp"
#include "net/line/line_parser.hpp"
#include "net/participant.hpp"

namespace chatd::net {

// After one command: go on reading, or end the conversation for `end` (with `detail`).
struct Outcome {
  std::optional<EndReason> end;
  std::string detail;
  bool carry_on() const noexcept { return !end; }
};

namespace conversation {

inline Outcome go_on() {
  return {};
}
inline Outcome end_with(EndReason reason, std::string detail = {}) {
  return {reason, std::move(detail)};
}

// Tells `bytes` unless there are none.
inline boost::asio::awaitable<Outcome> tell(Participant* me, std::string bytes) {
  if (!bytes.empty()) co_await me->tell(std::move(bytes));
  co_return go_on();
}

// Messages: a room that refuses them has stopped, so the server is shutting down.
inline boost::asio::awaitable<Outcome> say(Participant* me, actors::SafeLines lines) {
  const bool said = co_await me->say(std::move(lines));
  co_return said ? go_on() : end_with(EndReason::shutdown);
}

}  // namespace conversation

namespace conversation {

// One coroutine per command, taking everything by value: nothing it refers to can go away while
// it waits for a room.
template <class Replies>
boost::asio::awaitable<Outcome> act(Participant* me, command::Me action) {
  const bool acted = co_await me->act(std::move(action.text));
  co_return acted ? go_on() : end_with(EndReason::shutdown);
}

template <class Replies>
boost::asio::awaitable<Outcome> rename(Participant* me, command::Nick nick) {
  const RenameResult result = co_await me->rename(nick.name);
  std::string reply = Replies::renamed(result, nick.name);
  co_return co_await tell(me, std::move(reply));
}

template <class Replies>
boost::asio::awaitable<Outcome> who(Participant* me) {
  co_await me->ask_who();
  co_return go_on();
}

template <class Replies>
boost::asio::awaitable<Outcome> move(Participant* me, command::Join join) {
  const MoveResult result = co_await me->move_to(join.room);
  if (result == MoveResult::shutting_down) co_return end_with(EndReason::shutdown);
  const std::string current = me->room() != nullptr ? me->room()->name() : std::string();
  std::string reply = Replies::moved(result, join.room, current);
  co_return co_await tell(me, std::move(reply));
}

template <class Replies>
boost::asio::awaitable<Outcome> list_rooms(Participant* me) {
  const std::vector<actors::RoomSummary> rooms = co_await me->rooms();
  std::string reply = Replies::rooms(rooms);
  co_return co_await tell(me, std::move(reply));
}

template <class Replies>
boost::asio::awaitable<Outcome> message(Participant* me, command::Msg msg) {
  const PrivateResult result = co_await me->send_private(msg.nick, std::move(msg.text));
  if (result == PrivateResult::shutting_down) co_return end_with(EndReason::shutdown);
  std::string reply = Replies::messaged(result, msg.nick);
  co_return co_await tell(me, std::move(reply));
}

// The line and web doors speak in one room at a time: the topic is that room's.
template <class Replies>
boost::asio::awaitable<Outcome> topic(Participant* me, command::Topic topic) {
  if (me->room() == nullptr) co_return end_with(EndReason::shutdown);
  std::string room = me->room()->name();
  TopicResult result = TopicResult::shown;
  if (topic.text)
    result = co_await me->set_topic(std::move(room), std::move(*topic.text));
  else
    result = co_await me->show_topic(std::move(room));
  if (result == TopicResult::shutting_down) co_return end_with(EndReason::shutdown);
  std::string reply = Replies::topic(result);
  co_return co_await tell(me, std::move(reply));
}

template <class Replies>
boost::asio::awaitable<Outcome> quit(command::Quit quit) {
  co_return end_with(EndReason::quit, std::string(quit.reason.view()));
}

// Picks the coroutine for each command; not a coroutine itself (it is a temporary).
template <class Replies>
struct Dispatch {
  Participant* me;

  boost::asio::awaitable<Outcome> operator()(command::Say& c) const {
    return say(me, std::move(c.lines));
  }
  boost::asio::awaitable<Outcome> operator()(command::Me& c) const {
    return act<Replies>(me, std::move(c));
  }
  boost::asio::awaitable<Outcome> operator()(command::Nick& c) const {
    return rename<Replies>(me, std::move(c));
  }
  boost::asio::awaitable<Outcome> operator()(command::Who&) const { return who<Replies>(me); }
  boost::asio::awaitable<Outcome> operator()(command::Join& c) const {
    return move<Replies>(me, std::move(c));
  }
  boost::asio::awaitable<Outcome> operator()(command::Rooms&) const {
    return list_rooms<Replies>(me);
  }
  boost::asio::awaitable<Outcome> operator()(command::Msg& c) const {
    return message<Replies>(me, std::move(c));
  }
  boost::asio::awaitable<Outcome> operator()(command::Topic& c) const {
    return topic<Replies>(me, std::move(c));
  }
  boost::asio::awaitable<Outcome> operator()(command::Help&) const {
    return tell(me, Replies::help());
  }
  boost::asio::awaitable<Outcome> operator()(command::Quit& c) const {
    return quit<Replies>(std::move(c));
  }
};

}  // namespace conversation

template <class Replies>
boost::asio::awaitable<Outcome> perform(Participant* me, Command command) {
  return std::visit(conversation::Dispatch<Replies>{me}, command);
}

// The line parser's refusals, which every door that accepts line syntax meets.
template <class Replies>
boost::asio::awaitable<Outcome> perform(Participant* me, line::UnknownCommand unknown) {
  std::string reply = Replies::unknown_command(unknown.name);
  return conversation::tell(me, std::move(reply));
}
template <class Replies>
boost::asio::awaitable<Outcome> perform(Participant* me, line::MalformedCommand malformed) {
  std::string reply = Replies::malformed_command(malformed.usage);
  return conversation::tell(me, std::move(reply));
}

}  // namespace chatd::net
