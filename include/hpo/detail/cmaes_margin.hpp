// SPDX-License-Identifier: MIT
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "hpo/detail/normal.hpp"

namespace hpo::detail {

/// The upper quantile z with 1 - Phi(z) = p, for 0 < p <= 1/2 (so z >= 0).
///
/// Newton's method on log(1 - Phi(z)) - log p, which is concave and decreasing in z: after the
/// first step the iterates approach the root from above, monotonically.
inline double normal_upper_quantile(double p) {
  p = std::clamp(p, 1e-300, 0.5);
  const double target = std::log(p);
  double z = std::sqrt(-2.0 * target);  // above the root (Chernoff bound)
  for (int it = 0; it < 60; ++it) {
    const double g = log_normal_cdf(-z) - target;
    const double step = g / d_log_normal_cdf(-z);  // g / -g'(z), with g' = -phi/Q
    z += step;
    if (std::abs(step) <= 1e-15 * std::max(1.0, z)) break;
  }
  return std::max(z, 0.0);
}

/// The margin of CMA-ES with Margin (Hamano, Saito, Nomura, Shirakawa, GECCO 2022) for the
/// discrete coordinates of a unit-cube search space.
///
/// A coordinate with K >= 2 grid values has K cells [k/K, (k+1)/K) (to_unit pads grids by half
/// a step, so every value owns one cell of equal width). Candidates x ~ N(m, sigma^2 C) are
/// evaluated at v = m + A (x - m) on these coordinates, with A diagonal (initially I). After
/// each update the marginal probability that v_j leaves the cell holding m_j is kept at least
/// alpha = 1 / (n lambda):
///   - in a first or last cell, which has a neighbour on one side only, m_j is moved towards
///     that neighbour until the probability of crossing into it is alpha;
///   - in an inner cell, the probabilities below and above are each raised to at least
///     alpha / 2, the excess is taken from the three parts (below, inside, above) in
///     proportion to what each holds above alpha / 2, and (m_j, A_j) are the solution of the
///     two equations that give exactly those probabilities (sigma and C unchanged).
class CmaMargin {
 public:
  /// Cell counts per coordinate (< 2: continuous, untouched) and the target probability.
  CmaMargin(std::vector<int> n_cells, double alpha)
      : cells_(std::move(n_cells)),
        alpha_(alpha),
        a_(Eigen::VectorXd::Ones(static_cast<Eigen::Index>(cells_.size()))) {}

  /// The diagonal of A.
  const Eigen::VectorXd& scale() const { return a_; }
  /// alpha.
  double alpha() const { return alpha_; }
  /// Grid cells per coordinate.
  const std::vector<int>& n_cells() const { return cells_; }

  /// Corrects `mean` and A in place, given sigma and the diagonal of C.
  void correct(Eigen::VectorXd& mean, double sigma, const Eigen::VectorXd& c_diag) {
    for (Eigen::Index j = 0; j < mean.size(); ++j) {
      const int k_cells = cells_[static_cast<std::size_t>(j)];
      if (k_cells < 2) continue;
      const double kd = static_cast<double>(k_cells);
      const double cell = std::clamp(std::floor(mean[j] * kd), 0.0, kd - 1.0);
      const double lo = cell / kd, hi = (cell + 1.0) / kd;
      const double sd_base = sigma * std::sqrt(c_diag[j]);
      const double sd = a_[j] * sd_base;
      if (!(sd > 0.0)) continue;
      if (cell == 0.0 || cell == kd - 1.0) {
        // One neighbour: keep P(crossing into it) >= alpha by moving the mean.
        const bool up = cell == 0.0;
        const double p_out =
            up ? normal_cdf(-(hi - mean[j]) / sd) : normal_cdf((lo - mean[j]) / sd);
        if (p_out < alpha_) {
          const double dist = sd * normal_upper_quantile(alpha_);
          mean[j] = up ? hi - dist : lo + dist;
        }
        continue;
      }
      const double half = alpha_ / 2.0;
      double p_lo = normal_cdf((lo - mean[j]) / sd);
      double p_up = normal_cdf(-(hi - mean[j]) / sd);
      if (std::min(p_lo, p_up) >= half) continue;
      const double p_mid = std::max(0.0, 1.0 - p_lo - p_up);
      p_lo = std::max(p_lo, half);
      p_up = std::max(p_up, half);
      const double excess = p_lo + p_mid + p_up - 1.0;
      const double spare = p_lo + p_mid + p_up - 3.0 * half;
      p_lo -= excess * (p_lo - half) / spare;
      p_up -= excess * (p_up - half) / spare;
      const double z_lo = normal_upper_quantile(std::clamp(p_lo, 1e-10, 0.5 - 1e-10));
      const double z_up = normal_upper_quantile(std::clamp(p_up, 1e-10, 0.5 - 1e-10));
      // lo = m - s z_lo and hi = m + s z_up.
      const double s = (hi - lo) / (z_lo + z_up);
      mean[j] = lo + s * z_lo;
      a_[j] = s / sd_base;
    }
  }

 private:
  std::vector<int> cells_;
  double alpha_;
  Eigen::VectorXd a_;
};

}  // namespace hpo::detail
