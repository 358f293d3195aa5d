// Process costs from /proc; see proc_stats.hpp.
#include "support/proc_stats.hpp"

#include <dirent.h>

#include <fstream>
#include <sstream>
#include <string>

namespace chatd::test {

namespace {

std::string proc_path(pid_t pid, const char* leaf) {
  return "/proc/" + std::to_string(pid) + "/" + leaf;
}

// "VmRSS:     1234 kB" → 1234 × 1024.
std::optional<std::size_t> status_kilobytes(const std::string& status, const std::string& key) {
  const auto at = status.find("\n" + key + ":");
  if (at == std::string::npos) return std::nullopt;
  std::istringstream fields(status.substr(at + key.size() + 2));
  std::size_t kilobytes = 0;
  if (!(fields >> kilobytes)) return std::nullopt;
  return kilobytes * 1024;
}

// The one-letter state in /proc/PID/stat, after the ")" that ends the command name.
char process_state(pid_t pid) {
  std::ifstream stat(proc_path(pid, "stat"));
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const auto paren = text.rfind(')');
  if (paren == std::string::npos || paren + 2 >= text.size()) return '?';
  return text[paren + 2];
}

}  // namespace

bool is_running(pid_t pid) {
  const char state = process_state(pid);
  return state != '?' && state != 'Z' && state != 'X';
}

std::optional<ProcessStats> read_process_stats(pid_t pid) {
  if (!is_running(pid)) return std::nullopt;
  std::ifstream file(proc_path(pid, "status"));
  const std::string status =
      "\n" + std::string((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  const auto resident = status_kilobytes(status, "VmRSS");
  const auto peak = status_kilobytes(status, "VmHWM");
  if (!resident || !peak) return std::nullopt;

  DIR* descriptors = ::opendir(proc_path(pid, "fd").c_str());
  if (descriptors == nullptr) return std::nullopt;
  std::size_t open = 0;
  while (const dirent* entry = ::readdir(descriptors)) {
    if (entry->d_name[0] != '.') ++open;
  }
  ::closedir(descriptors);
  return ProcessStats{*resident, *peak, open};
}

std::optional<std::size_t> accept_queue_length(std::uint16_t port) {
  // "  sl  local_address rem_address   st tx_queue:rx_queue ..."; LISTEN is state 0A.
  std::ifstream table("/proc/net/tcp");
  std::string line;
  std::getline(table, line);  // the header
  while (std::getline(table, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state, queues;
    if (!(fields >> slot >> local >> remote >> state >> queues)) continue;
    const auto colon = local.find(':');
    if (state != "0A" || colon == std::string::npos) continue;
    if (std::stoul(local.substr(colon + 1), nullptr, 16) != port) continue;
    return static_cast<std::size_t>(std::stoul(queues.substr(queues.find(':') + 1), nullptr, 16));
  }
  return std::nullopt;
}

}  // namespace chatd::test
