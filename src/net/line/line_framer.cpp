// The out-of-line half of LineFramer: the paths that run at most once or twice per read, where a
// line straddles two reads and has to be held.
#include "net/line/line_framer.hpp"

#include <algorithm>

namespace chatd::net::line {

LineFramer::LineFramer(std::size_t max_line) : max_line_(max_line) {}

bool LineFramer::hold(std::string_view tail) {
  const std::size_t size = partial_.size() + tail.size();
  // One byte past the limit may still be the "\r" of a "\r\n", so it cannot be refused yet.
  if (size <= max_line_ || (size == max_line_ + 1 && tail.back() == '\r')) {
    grow_for(size);
    partial_.append(tail);
    return true;
  }
  partial_.clear();
  discarding_ = true;
  return false;
}

bool LineFramer::complete(std::string_view head) {
  const std::size_t size = partial_.size() + head.size();
  const bool has_cr = (head.empty() ? partial_.back() : head.back()) == '\r';
  if (size - (has_cr ? 1 : 0) > max_line_) {
    partial_.clear();
    return false;
  }
  grow_for(size);
  partial_.append(head);
  if (has_cr) partial_.pop_back();
  return true;
}

// std::string doubles its capacity as it grows, which could leave nearly twice max_line allocated
// per connection; growing by hand keeps the allocation itself within max_line + 1.
void LineFramer::grow_for(std::size_t size) {
  if (size <= partial_.capacity()) return;
  std::string grown;
  grown.reserve(std::min(std::max(size, 2 * partial_.capacity()), max_line_ + 1));
  grown.append(partial_);
  partial_.swap(grown);
}

}  // namespace chatd::net::line
