// The completion handler for a load generator's detached coroutines. They report failures
// through their state, so an exception is a bug: hand its text to `sink` rather than lose it.
#pragma once

#include <exception>
#include <iostream>
#include <string_view>

namespace chatd::loadgen {

template <class Sink>
auto report_escaped_exception(Sink sink) {
  return [sink](std::exception_ptr error) {
    if (!error) return;
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      sink(std::string_view(e.what()));
    }
  };
}

// The same, printing `program: what failed: ...` on stderr. Both views must outlive the
// coroutine: pass string literals.
inline auto log_escaped_exception(std::string_view program, std::string_view what) {
  return report_escaped_exception([program, what](std::string_view message) {
    std::cerr << program << ": " << what << " failed: " << message << '\n';
  });
}

}  // namespace chatd::loadgen
