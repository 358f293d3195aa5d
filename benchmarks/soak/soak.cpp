// The soak's shared state; see soak.hpp.
#include "soak/soak.hpp"

#include <sstream>

#include "loadgen/escaped_exception.hpp"

namespace chatd::soak {

namespace {

constexpr std::size_t kMaxErrorsKept = 8;

}  // namespace

void note_error(Soak& soak, std::string what) {
  ++soak.totals.errors;
  if (soak.totals.first_errors.size() < kMaxErrorsKept) {
    const auto at = std::chrono::duration<double>(Clock::now() - soak.began).count();
    std::ostringstream line;
    line.precision(1);
    line << std::fixed << "t=" << at << "s " << what;
    soak.totals.first_errors.push_back(line.str());
  }
}

std::string client_name(const Client& client) {
  return std::string(kind_name(client.kind)) + " #" + std::to_string(client.id);
}

std::uint64_t micros_since(const Soak& soak, Clock::time_point when) {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(when - soak.began).count());
}

std::function<void(std::exception_ptr)> log_escaped_exception(Soak& soak, std::string what) {
  return loadgen::report_escaped_exception([&soak, what](std::string_view message) {
    note_error(soak, what + " threw: " + std::string(message));
  });
}

}  // namespace chatd::soak
