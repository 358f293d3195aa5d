// Server-wide unique nicknames and where their holders are; see name_registry.hpp.
#include "actors/name_registry.hpp"

#include "base/ascii.hpp"

namespace chatd::actors {

bool NameRegistry::claim(std::string_view name, std::string_view previous) {
  const std::string wanted = base::folded(name);
  const std::string old = previous.empty() ? std::string() : base::folded(previous);
  std::lock_guard lock(mutex_);
  if (wanted == old) {
    // Another spelling of the name it holds: private messages now say it that way.
    if (const auto it = taken_.find(wanted); it != taken_.end()) it->second.name = name;
    return true;
  }
  const auto [it, inserted] = taken_.try_emplace(wanted, Holder{std::string(name), {}, {}});
  if (!inserted) return false;
  if (!old.empty()) {
    if (const auto was = taken_.find(old); was != taken_.end()) {
      it->second.id = was->second.id;
      it->second.room = std::move(was->second.room);
      taken_.erase(was);
    }
  }
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

void NameRegistry::locate(std::string_view name, MemberId id, std::weak_ptr<Room> room) {
  const std::string key = base::folded(name);
  std::lock_guard lock(mutex_);
  const auto it = taken_.find(key);
  if (it == taken_.end()) return;
  it->second.id = id;
  it->second.room = std::move(room);
}

std::optional<Recipient> NameRegistry::find(std::string_view name) const {
  const std::string key = base::folded(name);
  std::lock_guard lock(mutex_);
  const auto it = taken_.find(key);
  if (it == taken_.end()) return std::nullopt;
  auto room = it->second.room.lock();
  if (!room) return std::nullopt;
  return Recipient{it->second.id, it->second.name, std::move(room)};
}

std::size_t NameRegistry::size() const {
  std::lock_guard lock(mutex_);
  return taken_.size();
}

}  // namespace chatd::actors
