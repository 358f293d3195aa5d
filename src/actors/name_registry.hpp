// NameRegistry: the server-wide set of nicknames in use, unique ignoring ASCII case.
// Any thread: claims are rare (a /nick), so a mutex is the simple, obviously correct choice;
// when two clients claim one name at once, exactly one wins.
#pragma once

#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>

namespace chatd::actors {

class NameRegistry {
 public:
  // Takes `name` unless someone else holds it, and then lets go of `previous` (if any).
  // Claiming the name you already hold, in another case, succeeds.
  bool claim(std::string_view name, std::string_view previous);
  void release(std::string_view name);
  // Whether someone on this node holds `name` (IRC WHOIS, ISON, USERHOST).
  bool holds(std::string_view name) const;
  std::size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::unordered_set<std::string> taken_;  // guarded by mutex_
};

}  // namespace chatd::actors
