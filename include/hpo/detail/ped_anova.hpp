// SPDX-License-Identifier: MIT
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <variant>
#include <vector>

#include "hpo/detail/normal.hpp"
#include "hpo/detail/parzen_estimator.hpp"
#include "hpo/distributions.hpp"

namespace hpo::detail {

/// The grid PED-ANOVA evaluates one parameter on, and each trial's cell: numeric ranges as
/// Optuna discretizes them (50 points spread evenly, in log space for log ranges; fewer for
/// grids: one per step, or about one per doubling for log ints), categoricals one cell per
/// choice. `cells` counts the trials per grid point.
struct PedGrid {
  int size = 0;
  bool categorical = false;
  Eigen::ArrayXd counts;
};

/// Counts the internal values `values` of a parameter with distribution `d` on its grid.
inline PedGrid ped_grid(const Distribution& d, const std::vector<double>& values,
                        int n_steps = 50) {
  PedGrid g;
  if (const auto* c = std::get_if<CategoricalDistribution>(&d)) {
    g.categorical = true;
    g.size = static_cast<int>(c->size());
    g.counts = Eigen::ArrayXd::Zero(g.size);
    for (double v : values) g.counts[static_cast<Eigen::Index>(v)] += 1.0;
    return g;
  }
  double low = 0.0, high = 0.0, step = 0.0;
  bool log = false, is_int = false;
  if (const auto* f = std::get_if<FloatDistribution>(&d)) {
    low = f->low(), high = f->high(), step = f->step(), log = f->log();
  } else {
    const auto& i = std::get<IntDistribution>(d);
    low = static_cast<double>(i.low()), high = static_cast<double>(i.high());
    step = static_cast<double>(i.step()), log = i.log(), is_int = true;
  }
  int n = n_steps;
  if (is_int && log)
    n = std::min(static_cast<int>(std::ceil(std::log2(high - low + 1.0))) + 1, n);
  else if (step > 0.0)
    n = std::min(static_cast<int>(std::lround((high - low) / step)) + 1, n);
  g.size = std::max(n, 1);
  g.counts = Eigen::ArrayXd::Zero(g.size);
  const double a = log ? std::log(low) : low, b = log ? std::log(high) : high;
  const double width = g.size > 1 ? (b - a) / (g.size - 1) : 0.0;
  for (double v : values) {
    const double s = log ? std::log(v) : v;
    // The first grid point at or above s - width / 2 (the nearest, ties to the lower one).
    int j = 0;
    if (width > 0.0) j = static_cast<int>(std::ceil((s - width / 2 - a) / width - 1e-12));
    g.counts[std::clamp(j, 0, g.size - 1)] += 1.0;
  }
  return g;
}

/// Masses on the grid points 0..size-1 of the Parzen estimator PED-ANOVA fits to grid counts
/// (Watanabe 2023, as Optuna implements it): numeric grids get one discrete normal per occupied
/// point with Scott's bandwidth 1.059 min(IQR / 1.34, sd) n^(-1/5) (at least 0.5 / 1.64 of a
/// step, so that 90 % of a kernel stays on its point), weighted by the count, and a prior
/// normal at the middle with the grid's width as bandwidth, weight `prior_weight`; all
/// truncated to the grid. Categoricals get TPE's smoothed one-hot kernels.
inline Eigen::ArrayXd ped_parzen_masses(const PedGrid& g, double prior_weight = 1.0) {
  const int m = g.size;
  std::vector<int> occupied;
  for (int j = 0; j < m; ++j)
    if (g.counts[j] > 0.0) occupied.push_back(j);
  const auto k = static_cast<int>(occupied.size());
  const double n = g.counts.sum();
  Eigen::ArrayXd out = Eigen::ArrayXd::Zero(m);
  const double total = n + prior_weight;
  if (g.categorical) {
    // Component of choice c: prior_weight / (k + 1) on every choice plus 1 on c, normalized;
    // the prior: uniform.
    const double q = prior_weight / (k + 1);
    for (int c : occupied) {
      Eigen::ArrayXd row = Eigen::ArrayXd::Constant(m, q);
      row[c] += 1.0;
      out += g.counts[c] / total * row / row.sum();
    }
    out += prior_weight / total / m;
    return out;
  }
  double mean = 0.0;
  for (int j : occupied) mean += j * g.counts[j] / n;
  double var = 0.0;
  for (int j : occupied) var += g.counts[j] * (j - mean) * (j - mean);
  const double sd = std::sqrt(var / std::max(1.0, n - 1.0));
  // Quartiles of the counts (Optuna's searchsorted on the cumulative counts).
  std::vector<double> cum;
  double run = 0.0;
  for (int j : occupied) cum.push_back(run += g.counts[j]);
  const double q25 = std::floor(n / 4), q75 = std::floor(n * 3 / 4);
  const auto i25 =
      static_cast<std::size_t>(std::lower_bound(cum.begin(), cum.end(), q25) - cum.begin());
  const auto i75 =
      static_cast<std::size_t>(std::upper_bound(cum.begin(), cum.end(), q75) - cum.begin());
  const double iqr =
      occupied[std::min(occupied.size() - 1, i75)] - occupied[std::min(occupied.size() - 1, i25)];
  const double sigma = std::max(1.059 * std::min(iqr / 1.34, sd) * std::pow(n, -0.2), 0.5 / 1.64);
  // Discrete normal on 0..m-1, truncated there.
  auto add = [&](double mu, double s, double weight) {
    const double z = normal_mass((-0.5 - mu) / s, (m - 0.5 - mu) / s);
    for (int j = 0; j < m; ++j)
      out[j] += weight * normal_mass((j - 0.5 - mu) / s, (j + 0.5 - mu) / s) / z;
  };
  for (int j : occupied) add(j, sigma, g.counts[j] / total);
  add(0.5 * (m - 1), m, prior_weight / total);
  return out;
}

/// The Pearson divergence PED-ANOVA scores a parameter with: sum over the grid of
/// p_all (p_top / p_all - 1)^2, each mass plus 1e-12.
inline double ped_pearson_divergence(const Eigen::ArrayXd& top, const Eigen::ArrayXd& all) {
  const Eigen::ArrayXd p = top + 1e-12, q = all + 1e-12;
  return (q * (p / q - 1.0).square()).sum();
}

}  // namespace hpo::detail
