// The server process seen through /proc; see proc_stats.hpp.
#include "loadgen/proc_stats.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <system_error>

namespace chatd::loadgen {
namespace {

std::string read_whole_file(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string proc_path(int pid, const char* entry) {
  return "/proc/" + std::to_string(pid) + "/" + entry;
}

}  // namespace

bool process_is_readable(int pid) {
  return read_cpu_seconds(pid).has_value();
}

std::optional<double> read_cpu_seconds(int pid) {
  const auto stat = read_whole_file(proc_path(pid, "stat"));
  // The command name in field 2 may hold spaces and parentheses; fields resume after the last ')'.
  const auto name_end = stat.rfind(')');
  if (name_end == std::string::npos) return std::nullopt;
  std::istringstream fields(stat.substr(name_end + 1));
  std::string skipped;
  for (int field = 3; field < 14; ++field) fields >> skipped;  // state .. cmajflt
  unsigned long long user_ticks = 0;
  unsigned long long system_ticks = 0;
  if (!(fields >> user_ticks >> system_ticks)) return std::nullopt;
  const auto ticks_per_second = static_cast<double>(::sysconf(_SC_CLK_TCK));
  return static_cast<double>(user_ticks + system_ticks) / ticks_per_second;
}

std::optional<std::uint64_t> read_thread_cpu_ns(int pid) {
  std::error_code ec;
  std::uint64_t total = 0;
  bool any = false;
  for (std::filesystem::directory_iterator task(proc_path(pid, "task"), ec), end;
       !ec && task != end; task.increment(ec)) {
    std::ifstream schedstat(task->path() / "schedstat");
    std::uint64_t on_cpu_ns = 0;
    if (schedstat >> on_cpu_ns) {  // a thread that exited meanwhile has nothing to read
      total += on_cpu_ns;
      any = true;
    }
  }
  if (ec || !any) return std::nullopt;
  return total;
}

ProcessStatus read_status(int pid) {
  ProcessStatus status;
  std::istringstream lines(read_whole_file(proc_path(pid, "status")));
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string key;
    fields >> key;
    if (key == "State:") {
      std::string state;
      fields >> state;
      status.alive = state != "Z" && state != "X";
    } else if (key == "VmRSS:" || key == "VmHWM:") {
      std::uint64_t kb = 0;
      if (fields >> kb) (key == "VmRSS:" ? status.rss_kb : status.hwm_kb) = kb;
    }
  }
  return status;
}

std::optional<std::uint64_t> count_descriptors(int pid) {
  std::error_code ec;
  std::uint64_t count = 0;
  for (std::filesystem::directory_iterator entry(proc_path(pid, "fd"), ec), end;
       !ec && entry != end; entry.increment(ec)) {
    ++count;
  }
  if (ec) return std::nullopt;
  return count;
}

}  // namespace chatd::loadgen
