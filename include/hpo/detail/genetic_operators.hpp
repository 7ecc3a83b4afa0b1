// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "hpo/detail/rng.hpp"

/// Operators of real-coded genetic algorithms, as plain functions on genes in a box
/// [lo, hi] (the unit interval for samplers, which work on the unit-cube transform). Each takes
/// the generator explicitly, so a caller keyed by (seed, trial number) stays reproducible.
/// Formulas: ALGORITHMS.md section 3.1 (Deb & Agrawal 1995, Deb & Goyal 1996, as in Deb's
/// NSGA-II code and Optuna's nsgaii package).
namespace hpo::detail {

/// Tournament selection over `n` individuals numbered 0..n-1: draws `k` distinct ones (all of
/// them if k >= n) uniformly and returns the one no other beats, where `better(i, j)` says
/// whether i beats j (ties keep the earlier draw). n must be > 0.
///
/// The ranking is the caller's: a single-objective GA passes "lower position in the sorted
/// population"; NSGA-II can pass its crowded comparison (front, then crowding distance).
/// With positions and k = 2, individual r (0-based) wins with probability
/// 2 (n - 1 - r) / (n (n - 1)).
template <class Better>
std::size_t tournament_select(std::size_t n, std::size_t k, Rng& rng, Better&& better) {
  k = std::clamp<std::size_t>(k, 1, n);
  std::vector<std::size_t> drawn;  // sorted
  std::size_t winner = 0;
  for (std::size_t draw = 0; draw < k; ++draw) {
    // The j-th individual not drawn yet: step over the drawn ones at or below it.
    auto j = static_cast<std::size_t>(rng.below(n - draw));
    for (std::size_t d : drawn) j += d <= j ? 1 : 0;
    drawn.insert(std::upper_bound(drawn.begin(), drawn.end(), j), j);
    if (draw == 0 || better(j, winner)) winner = j;
  }
  return winner;
}

/// Bounded simulated binary crossover (SBX) of two genes in [lo, hi] with distribution index
/// `eta` >= 0: returns the two children, the lower first. One uniform draw u sets the spread
/// factor of both children; each side's spread distribution is truncated so that its child
/// stays in [lo, hi] (Deb's bounded form, as Optuna's SBXCrossover):
///
///     beta = 1 + 2 (min(p) - lo) / gap   (resp. 1 + 2 (hi - max(p)) / gap),  gap = |p2 - p1|
///     alpha = 2 - beta^-(eta + 1)
///     beta_q = (u alpha)^(1/(eta+1))  if u <= 1/alpha,  else (1 / (2 - u alpha))^(1/(eta+1))
///     c1 = (p1 + p2 - beta_q1 gap) / 2,  c2 = (p1 + p2 + beta_q2 gap) / 2
///
/// Larger eta keeps children closer to their parents. Parents closer than 1e-14 are returned
/// as they are. Children are clamped to [lo, hi] against rounding.
inline std::pair<double, double> sbx_crossover(double p1, double p2, double eta, Rng& rng,
                                               double lo = 0.0, double hi = 1.0) {
  if (p1 > p2) std::swap(p1, p2);
  const double gap = p2 - p1;
  if (!(gap > 1e-14)) return {p1, p2};
  const double u = rng.uniform();
  const double e = 1.0 / (eta + 1.0);
  auto beta_q = [&](double beta) {
    const double alpha = 2.0 - std::pow(beta, -(eta + 1.0));
    return u <= 1.0 / alpha ? std::pow(u * alpha, e) : std::pow(1.0 / (2.0 - u * alpha), e);
  };
  const double bq1 = beta_q(1.0 + 2.0 * (p1 - lo) / gap);
  const double bq2 = beta_q(1.0 + 2.0 * (hi - p2) / gap);
  const double mid = p1 + p2;
  return {std::clamp(0.5 * (mid - bq1 * gap), lo, hi), std::clamp(0.5 * (mid + bq2 * gap), lo, hi)};
}

/// Bounded polynomial mutation of a gene x in [lo, hi] with distribution index `eta` >= 0
/// (Deb & Goyal 1996, bounded form of Deb's NSGA-II code): with d1 = (x - lo) / (hi - lo),
/// d2 = (hi - x) / (hi - lo) and u uniform,
///
///     dq = (2u + (1 - 2u)(1 - d1)^(eta+1))^(1/(eta+1)) - 1          if u <= 1/2
///     dq = 1 - (2(1 - u) + 2(u - 1/2)(1 - d2)^(eta+1))^(1/(eta+1))  otherwise
///
/// and returns clamp(x + dq (hi - lo), lo, hi). Larger eta makes smaller moves (typical size
/// about (hi - lo) / (eta + 1)).
inline double polynomial_mutation(double x, double eta, Rng& rng, double lo = 0.0,
                                  double hi = 1.0) {
  const double width = hi - lo;
  if (!(width > 0.0)) return lo;
  x = std::clamp(x, lo, hi);
  const double d1 = (x - lo) / width, d2 = (hi - x) / width;
  const double e = 1.0 / (eta + 1.0);
  const double u = rng.uniform();
  const double dq =
      u <= 0.5
          ? std::pow(2.0 * u + (1.0 - 2.0 * u) * std::pow(1.0 - d1, eta + 1.0), e) - 1.0
          : 1.0 - std::pow(2.0 * (1.0 - u) + 2.0 * (u - 0.5) * std::pow(1.0 - d2, eta + 1.0), e);
  return std::clamp(x + dq * width, lo, hi);
}

/// Uniform crossover of one gene: `b` with probability `swapping_prob`, else `a` (Optuna's
/// UniformCrossover, also used for categorical genes).
inline double uniform_crossover(double a, double b, double swapping_prob, Rng& rng) {
  return rng.uniform() < swapping_prob ? b : a;
}

}  // namespace hpo::detail
