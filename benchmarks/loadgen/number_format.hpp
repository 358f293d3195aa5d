// Numbers as text for the load generators' reports: no locale, no <format> (libstdc++ 12 lacks
// it), and "null" / "n/a" for what could not be measured.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace chatd::loadgen {

void append_number(std::string& out, std::uint64_t value);

// `value` with `decimals` digits after the point; "null" when it is not finite.
std::string fixed(double value, int decimals);

// For the human summaries: "n/a" when there is no value.
std::string optional_text(std::optional<double> value, int decimals, std::string_view unit);
std::string optional_text(std::optional<std::uint64_t> value);

}  // namespace chatd::loadgen
