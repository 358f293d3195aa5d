// Server-wide unique nicknames; see name_registry.hpp.
#include "actors/name_registry.hpp"

#include "base/ascii.hpp"

namespace chatd::actors {

bool NameRegistry::claim(std::string_view name, std::string_view previous) {
  const std::string wanted = base::folded(name);
  const std::string old = previous.empty() ? std::string() : base::folded(previous);
  std::lock_guard lock(mutex_);
  if (wanted != old && !taken_.insert(wanted).second) return false;
  if (!old.empty() && wanted != old) taken_.erase(old);
  return true;
}

void NameRegistry::release(std::string_view name) {
  const std::string key = base::folded(name);
  std::lock_guard lock(mutex_);
  taken_.erase(key);
}

bool NameRegistry::holds(std::string_view name) const {
  const std::string key = base::folded(name);
  std::lock_guard lock(mutex_);
  return taken_.contains(key);
}

std::size_t NameRegistry::size() const {
  std::lock_guard lock(mutex_);
  return taken_.size();
}

}  // namespace chatd::actors
