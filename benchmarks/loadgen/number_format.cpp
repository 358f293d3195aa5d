// Numbers as text for the load generators' reports; see number_format.hpp.
#include "loadgen/number_format.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <system_error>

namespace chatd::loadgen {

void append_number(std::string& out, std::uint64_t value) {
  std::array<char, 24> digits{};
  const auto result = std::to_chars(digits.data(), digits.data() + digits.size(), value);
  out.append(digits.data(), result.ptr);
}

std::string fixed(double value, int decimals) {
  if (!std::isfinite(value)) return "null";
  std::array<char, 64> text{};
  const auto result = std::to_chars(text.data(), text.data() + text.size(), value,
                                    std::chars_format::fixed, decimals);
  if (result.ec != std::errc()) return "null";
  return std::string(text.data(), result.ptr);
}

std::string optional_text(std::optional<double> value, int decimals, std::string_view unit) {
  if (!value) return "n/a";
  return fixed(*value, decimals) + std::string(unit);
}

std::string optional_text(std::optional<std::uint64_t> value) {
  return value ? std::to_string(*value) : std::string("n/a");
}

}  // namespace chatd::loadgen
