// ReplayTrimmer. The replay is the room's log, in the order members saw it, so the last message
// the user saw marks where the unseen part starts. It counts as found only where the messages
// before it in the replay are the ones the user saw before it: a line said twice ("ok") must not
// cut the replay in the wrong place.
#include "app/console/replay_trimmer.hpp"

#include <iterator>
#include <utility>

#include "app/console/roster.hpp"

namespace chatd::app::console {
namespace {

// Messages before the anchor that must match for the anchor to count.
constexpr std::size_t agreeing_messages = 3;

}  // namespace

bool is_replay_marker(std::string_view line) {
  if (!line.starts_with("* last ")) return false;
  const std::string_view count = line.substr(7, line.find(' ', 7) - 7);
  const std::string_view rest = line.substr(7 + count.size());
  return !count.empty() && count.find_first_not_of("0123456789") == std::string_view::npos &&
         (rest == " messages:" || rest == " message:");
}

void ReplayTrimmer::shown(std::string_view line) {
  if (!split_message(line)) return;
  shown_messages_.emplace_back(line);
  if (shown_messages_.size() > remembered) shown_messages_.pop_front();
}

void ReplayTrimmer::begin_replay(std::string_view marker) {
  held_.assign(1, std::string(marker));
  holding_ = true;
}

bool ReplayTrimmer::hold(std::string_view line) {
  if (held_.size() >= max_held) return false;
  held_.emplace_back(line);
  return true;
}

ReplayTrimmer::Released ReplayTrimmer::release() {
  holding_ = false;
  std::vector<std::string> replay = std::exchange(held_, {});
  if (shown_messages_.empty()) return Released{std::move(replay), 0};
  // Newest first: of two copies of the last message seen, the newer one may be unseen.
  for (std::size_t anchor = replay.size() - 1; anchor >= 1; --anchor) {
    if (replay[anchor] != shown_messages_.back()) continue;
    bool agrees = true;
    std::size_t compared = 0;
    auto seen = std::next(shown_messages_.rbegin());
    for (std::size_t i = anchor - 1; i >= 1 && compared < agreeing_messages &&
                                     seen != shown_messages_.rend();
         --i) {
      if (!split_message(replay[i])) continue;  // notices between messages need not match
      if (replay[i] != *seen) {
        agrees = false;
        break;
      }
      ++compared;
      ++seen;
    }
    if (agrees) {
      replay.erase(replay.begin(), replay.begin() + static_cast<std::ptrdiff_t>(anchor) + 1);
      return Released{std::move(replay), anchor};  // the marker is not a replayed line
    }
  }
  return Released{std::move(replay), 0};
}

}  // namespace chatd::app::console
