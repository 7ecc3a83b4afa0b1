// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace hpo::detail {

/// Largest point index of the quasi-random engines (their digits are 32-bit).
inline constexpr std::uint64_t kQmcMaxIndex = (std::uint64_t{1} << 32) - 1;

/// Throws std::out_of_range unless points first .. first + count - 1 all exist.
inline void check_qmc_range(const char* engine, std::uint64_t first, std::uint64_t count) {
  if (first > kQmcMaxIndex || count - 1 > kQmcMaxIndex - first) {
    throw std::out_of_range(std::string("hpo::detail::") + engine +
                            ": point indices must be <= 2^32 - 1 (asked for " +
                            std::to_string(count) + " from " + std::to_string(first) + ")");
  }
}

/// Throws std::out_of_range unless coordinate d exists in dimension dim.
inline void check_qmc_coordinate(const char* engine, std::size_t d, std::size_t dim) {
  if (d >= dim) {
    throw std::out_of_range(std::string("hpo::detail::") + engine + ": coordinate " +
                            std::to_string(d) + " out of range for dimension " +
                            std::to_string(dim));
  }
}

}  // namespace hpo::detail
