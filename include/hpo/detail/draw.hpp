// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <variant>

#include "hpo/detail/rng.hpp"
#include "hpo/distributions.hpp"

namespace hpo::detail {

/// A uniform draw from `d` (log-uniform for log ranges, uniform over the grid for steps and
/// integers, uniform over the choices), returned as an internal value.
inline double draw_uniform(const Distribution& d, Rng& rng) {
  if (const auto* f = std::get_if<FloatDistribution>(&d)) {
    if (f->single()) return f->low();
    if (f->step() > 0) {
      const auto n = static_cast<std::uint64_t>(std::llround((f->high() - f->low()) / f->step()));
      const double x = f->low() + static_cast<double>(rng.below(n + 1)) * f->step();
      return std::min(x, f->high());
    }
    if (f->log()) {
      const double x = std::exp(rng.uniform(std::log(f->low()), std::log(f->high())));
      return std::clamp(x, f->low(), f->high());
    }
    return rng.uniform(f->low(), f->high());
  }
  if (const auto* i = std::get_if<IntDistribution>(&d)) {
    if (i->log()) {
      // Log-uniform over [low - 1/2, high + 1/2], rounded: each integer owns its cell (Optuna).
      const double lo = std::log(static_cast<double>(i->low()) - 0.5);
      const double hi = std::log(static_cast<double>(i->high()) + 0.5);
      const double x = std::round(std::exp(rng.uniform(lo, hi)));
      return std::clamp(x, static_cast<double>(i->low()), static_cast<double>(i->high()));
    }
    const std::uint64_t n = i->span() / static_cast<std::uint64_t>(i->step());
    const std::uint64_t k = n == ~std::uint64_t{0} ? rng() : rng.below(n + 1);
    // Unsigned arithmetic wraps where int64 would overflow; the result is back in range.
    return static_cast<double>(static_cast<std::int64_t>(
        static_cast<std::uint64_t>(i->low()) + k * static_cast<std::uint64_t>(i->step())));
  }
  const auto& c = std::get<CategoricalDistribution>(d);
  return static_cast<double>(rng.below(c.size()));
}

}  // namespace hpo::detail
