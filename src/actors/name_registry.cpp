// Server-wide unique nicknames; see name_registry.hpp.
#include "actors/name_registry.hpp"

#include <algorithm>
#include <cctype>

namespace chatd::actors {

std::string NameRegistry::key(std::string_view name) {
  std::string folded(name);
  std::transform(folded.begin(), folded.end(), folded.begin(), [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  });
  return folded;
}

bool NameRegistry::claim(std::string_view name, std::string_view previous) {
  const std::string wanted = key(name);
  const std::string old = previous.empty() ? std::string() : key(previous);
  std::lock_guard lock(mutex_);
  if (wanted != old && !taken_.insert(wanted).second) return false;
  if (!old.empty() && wanted != old) taken_.erase(old);
  return true;
}

void NameRegistry::release(std::string_view name) {
  const std::string folded = key(name);
  std::lock_guard lock(mutex_);
  taken_.erase(folded);
}

std::size_t NameRegistry::size() const {
  std::lock_guard lock(mutex_);
  return taken_.size();
}

}  // namespace chatd::actors
