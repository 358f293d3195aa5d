// IrcFilter: what an IRC client's writer leaves out of what its rooms relay.
//
// Each room relays what its members do, so a member who is in several of the client's channels
// would reach it several times: the client's own JOIN and NICK (the session echoes those itself,
// once, in their place, with the channel or nick as the trailing parameter — `JOIN :#lobby` —
// which is how they are told from the rooms' copies), another member's NICK or QUIT once per
// shared channel (only the first is kept), and — without echo-message — the client's own
// messages, which come back from the rooms in the rooms' order.
//
// Threading: the session's strand (it is the writer's, and reads the session's state).
#pragma once

#include <boost/asio/buffer.hpp>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace chatd::net::irc {

class IrcFilter {
 public:
  // `echo`: whether the client asked for echo-message; `own_source`: "nick!nick@chatd". Both are
  // the session's, read at each write, and must outlive the filter.
  IrcFilter(const bool& echo, const std::string& own_source) : echo_(echo), own_(own_source) {}

  // Drops the left-out lines from `buffers` (whole lines: every buffer holds whole lines).
  void operator()(std::vector<boost::asio::const_buffer>& buffers);
  // Whether `line` (one IRC line) goes to the client.
  bool keeps(std::string_view line);

 private:
  // Enough for the renames and quits that can be in flight at once in a client's channels.
  static constexpr std::size_t remembered = 32;

  const bool& echo_;
  const std::string& own_;
  std::vector<std::string> gone_;  // sources whose NICK or QUIT has been passed on
};

}  // namespace chatd::net::irc
