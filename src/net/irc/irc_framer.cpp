// The limit check and the out-of-line half of IrcFramer: the paths that run at most once or
// twice per read, where a line straddles two reads and has to be held.
#include "net/irc/irc_framer.hpp"

#include <algorithm>

namespace chatd::net::irc {

namespace {

// The message's bytes before its "\r\n".
constexpr std::size_t max_content = max_line_bytes - 2;

// within_irc_limits() for the line made of `held` followed by `more`, without joining them. A
// prefix that fails can never be completed into a line that passes, so the check also tells
// whether an unfinished line is still worth holding.
bool fits(std::string_view held, std::string_view more) noexcept {
  const std::size_t size = held.size() + more.size();
  if (size == 0) return true;
  if ((held.empty() ? more.front() : held.front()) != '@') return size <= max_content;
  // The tag section runs to the first space; look no further than it may reach.
  std::size_t space = held.find(' ');
  if (space == std::string_view::npos) {
    const std::size_t in_more = more.substr(0, max_client_tag_bytes).find(' ');
    if (in_more != std::string_view::npos) space = held.size() + in_more;
  }
  // Without its space yet, the section still needs room for it.
  if (space == std::string_view::npos) return size < max_client_tag_bytes;
  const std::size_t tag_section = space + 1;
  return tag_section <= max_client_tag_bytes && size - tag_section <= max_content;
}

}  // namespace

bool within_irc_limits(std::string_view line) noexcept {
  return fits({}, line);
}

bool IrcFramer::hold(std::string_view tail) {
  // A last byte over the limit may still be the '\r' of a "\r\n", so it cannot be refused yet.
  if (fits(partial_, tail) ||
      (tail.back() == '\r' && fits(partial_, tail.substr(0, tail.size() - 1)))) {
    grow_for(partial_.size() + tail.size());
    partial_.append(tail);
    return true;
  }
  partial_.clear();
  discarding_ = true;
  return false;
}

bool IrcFramer::complete(std::string_view head) {
  std::string_view held = partial_;
  if (head.ends_with('\r')) {
    head.remove_suffix(1);
  } else if (head.empty() && held.ends_with('\r')) {
    held.remove_suffix(1);
  }
  if (!fits(held, head)) {
    partial_.clear();
    return false;
  }
  grow_for(held.size() + head.size());
  partial_.resize(held.size());
  partial_.append(head);
  return true;
}

// std::string doubles its capacity as it grows, which could leave nearly twice max_held()
// allocated per connection; growing by hand keeps the allocation itself within max_held().
void IrcFramer::grow_for(std::size_t size) {
  if (size <= partial_.capacity()) return;
  std::string grown;
  grown.reserve(std::min(std::max(size, 2 * partial_.capacity()), max_held()));
  grown.append(partial_);
  partial_.swap(grown);
}

}  // namespace chatd::net::irc
