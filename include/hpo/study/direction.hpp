// SPDX-License-Identifier: MIT
#pragma once

#include <ostream>
#include <string_view>

#include <fmt/format.h>

namespace hpo {

/// Whether a study minimizes or maximizes an objective value.
enum class Direction { Minimize, Maximize };

constexpr std::string_view to_string(Direction d) {
  return d == Direction::Minimize ? "Minimize" : "Maximize";
}

/// Whether `a` is strictly better than `b` in direction `d`.
constexpr bool is_better(Direction d, double a, double b) {
  return d == Direction::Minimize ? a < b : a > b;
}

/// Writes the direction's name.
inline std::ostream& operator<<(std::ostream& os, Direction d) {
  return os << to_string(d);
}

}  // namespace hpo

/// Formats a Direction by name.
template <>
struct fmt::formatter<hpo::Direction> : fmt::formatter<std::string_view> {
  template <class FormatContext>
  auto format(hpo::Direction d, FormatContext& ctx) const -> decltype(ctx.out()) {
    return fmt::formatter<std::string_view>::format(hpo::to_string(d), ctx);
  }
};
