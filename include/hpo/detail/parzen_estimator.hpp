// SPDX-License-Identifier: MIT
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <vector>

#include "hpo/detail/normal.hpp"
#include "hpo/detail/rng.hpp"

// The Parzen estimators of TPE (Bergstra et al. 2011; Optuna's `_tpe/parzen_estimator.py`):
// mixtures of truncated normals for numeric parameters and of smoothed one-hot vectors for
// categoricals, with Optuna's weights, bandwidth rules and magic clip.
//
// Numeric parameters live in unit coordinates here: u = (t - lo) / (hi - lo) with t the value
// (its log for log ranges) and [lo, hi] the range padded by half a step for grids (see
// detail::numeric_range and to_unit). The bandwidth rules, clips and kernels are all affine
// equivariant, so l(x) / g(x) is the same as in Optuna's coordinates; the domain is [0, 1]
// and a grid value owns the cell [cell_lo, cell_hi] of its neighbours' midpoints.

namespace hpo::detail {

/// Options of the Parzen estimators shared by l(x) and g(x) (Optuna's names).
struct ParzenParameters {
  /// Weight of the prior component (before normalization), > 0.
  double prior_weight = 1.0;
  /// Clip bandwidths below at range / min(100, n_kernels + 1).
  bool consider_magic_clip = true;
  /// Let the domain edges widen the leftmost and rightmost bandwidths.
  bool consider_endpoints = false;
};

/// Optuna's default gamma: the size of the "below" set for n finished trials,
/// min(ceil(0.1 n), 25).
inline int tpe_default_gamma(int n) {
  return std::min((std::max(n, 0) + 9) / 10, 25);
}

/// Optuna's default weights of m observations as a function of rank, evaluated in O(1):
/// default_weights(m)[r] is 1 for m < 25, else linspace(1/m, 1, m - 25) for the oldest m - 25
/// (ranks 0 .. m - 26, in trial-number order) and 1 for the newest 25.
class TpeRamp {
 public:
  /// The ramp of `m` observations.
  explicit TpeRamp(int m) : m_(m) {
    const int k = m - 25;
    start_ = 1.0 / m;
    step_ = k > 1 ? (1.0 - start_) / (k - 1) : 0.0;
  }
  /// Sum of the m weights (closed form: the ramp is an arithmetic series).
  double sum() const {
    const int t = ramp_end();
    if (t == 0) return std::max(m_, 0);
    return (m_ - t) + t * start_ + step_ * (0.5 * t * (t - 1.0));
  }
  /// Ranks below this are on the ramp, start + r * step; the others weigh 1.
  int ramp_end() const {
    const int k = m_ - 25;
    return k > 1 ? k - 1 : std::max(k, 0);
  }
  /// The weight of rank 0 and the step between ranks on the ramp.
  double start() const { return start_; }
  double step() const { return step_; }
  /// Weight of rank `r` in 0..m-1.
  double operator()(int r) const { return r < ramp_end() ? start_ + r * step_ : 1.0; }
  /// The weights of ranks `r` (each in 0..m-1), vectorised.
  template <class Ranks>
  auto operator()(const Eigen::ArrayBase<Ranks>& r) const {
    return (r < ramp_end()).select(start_ + r.template cast<double>() * step_, 1.0);
  }

 private:
  int m_;
  double start_ = 0.0, step_ = 0.0;
};

/// Weight of the observation of rank `r` (0-based, in trial-number order) among `m`: Optuna's
/// default_weights(m)[r] (see TpeRamp).
inline double tpe_ramp_weight(int r, int m) {
  return TpeRamp(m)(r);
}

/// Optuna's default_weights(m) as an array.
inline Eigen::ArrayXd tpe_default_weights(int m) {
  Eigen::ArrayXd w(std::max(m, 0));
  for (int r = 0; r < m; ++r) w[r] = tpe_ramp_weight(r, m);
  return w;
}

/// Normalized mixture weights of `m` observations (trial-number order) followed by the prior:
/// `observed` (one per observation, > 0) if given, else Optuna's default_weights(m).
inline Eigen::ArrayXd tpe_mixture_weights(int m, double prior_weight,
                                          const Eigen::ArrayXd& observed = Eigen::ArrayXd()) {
  Eigen::ArrayXd w(std::max(m, 0) + 1);
  w.head(w.size() - 1) = observed.size() == 0 ? tpe_default_weights(m) : observed;
  w[w.size() - 1] = prior_weight;
  return w / w.sum();
}

/// Smallest bandwidth (unit coordinates) for `m` observations: 1 / min(100, m + 2) with the
/// magic clip (m observations and the prior), else 1e-12.
inline double tpe_min_sigma(std::size_t m, bool consider_magic_clip) {
  return consider_magic_clip ? 1.0 / std::min(100.0, static_cast<double>(m) + 2.0) : 1e-12;
}

/// Optuna's univariate bandwidths for ascending centres `mu[0..m)` in unit coordinates:
/// sigma_i = max(mu_i - mu_{i-1}, mu_{i+1} - mu_i) with sentinels 0 and 1; without
/// consider_endpoints (and m >= 2) the two outer ones use their inner gap only. Then clipped to
/// [tpe_min_sigma(m), 1]. Writes `sigma[0..m)`.
inline void tpe_univariate_sigmas(const double* mu, std::size_t m, const ParzenParameters& p,
                                  double* sigma) {
  if (m == 0) return;
  const double lo = tpe_min_sigma(m, p.consider_magic_clip);
  const auto n = static_cast<Eigen::Index>(m);
  const Eigen::Map<const Eigen::ArrayXd> x(mu, n);
  Eigen::Map<Eigen::ArrayXd> s(sigma, n);
  if (n == 1) {
    s[0] = std::max(x[0], 1.0 - x[0]);
  } else {
    // The larger of the gaps to the left and right neighbours (sentinels 0 and 1).
    s.segment(1, n - 2) =
        (x.segment(1, n - 2) - x.head(n - 2)).max(x.tail(n - 2) - x.segment(1, n - 2));
    s[0] = p.consider_endpoints ? std::max(x[0], x[1] - x[0]) : x[1] - x[0];
    s[n - 1] =
        p.consider_endpoints ? std::max(x[n - 1] - x[n - 2], 1.0 - x[n - 1]) : x[n - 1] - x[n - 2];
  }
  s = s.max(lo).min(1.0);
}

/// The bandwidth tpe_univariate_sigmas gives centre `i` of `mu[0..m)` (m >= 2), computed alone
/// (the same operations, so the same bits): for updating a few after an insertion.
inline double tpe_univariate_sigma_at(const double* mu, std::size_t m, std::size_t i,
                                      const ParzenParameters& p) {
  double s = 0.0;
  if (i == 0)
    s = p.consider_endpoints ? std::max(mu[0], mu[1] - mu[0]) : mu[1] - mu[0];
  else if (i + 1 == m)
    s = p.consider_endpoints ? std::max(mu[i] - mu[i - 1], 1.0 - mu[i]) : mu[i] - mu[i - 1];
  else
    s = std::max(mu[i] - mu[i - 1], mu[i + 1] - mu[i]);
  return std::min(std::max(s, tpe_min_sigma(m, p.consider_magic_clip)), 1.0);
}

/// Optuna's multivariate (Scott-type) bandwidth for m observations of a d-parameter space,
/// 0.2 m^(-1/(d+4)) (m counted as at least 1), clipped like the univariate rule.
inline double tpe_scott_sigma(std::size_t m, std::size_t d, const ParzenParameters& p) {
  const double s =
      0.2 * std::pow(std::max(static_cast<double>(m), 1.0), -1.0 / (static_cast<double>(d) + 4.0));
  return std::clamp(s, tpe_min_sigma(m, p.consider_magic_clip), 1.0);
}

/// Phi(b) - Phi(a) for a <= b, computed on the side of the tails where it does not cancel.
inline double normal_mass(double a, double b) {
  if (a >= 0.0) return normal_cdf(-a) - normal_cdf(-b);
  if (b <= 0.0) return normal_cdf(b) - normal_cdf(a);
  return 1.0 - normal_cdf(a) - normal_cdf(-b);
}

/// log(Phi(b) - Phi(a)) for a < b, accurate in both tails (-inf when a == b).
inline double log_normal_mass(double a, double b) {
  if (!(a < b)) return -INFINITY;
  if (a >= 0.0) return log_normal_mass(-b, -a);
  if (b <= 0.0) {
    const double lb = log_normal_cdf(b);
    return lb + log1mexp(log_normal_cdf(a) - lb);
  }
  return std::log1p(-(normal_cdf(a) + normal_cdf(-b)));
}

/// The mass of N(mu, sigma^2) on [0, 1] for mu in [0, 1] and sigma <= 1 (so at least 0.34):
/// the truncation constant of a kernel. Exactly 1 once both edges are more than 8.3 sigma away
/// (the missing mass is then below 1.1e-16).
inline double unit_mass(double mu, double sigma) {
  constexpr double kFar = 8.3;
  if (mu > kFar * sigma && 1.0 - mu > kFar * sigma) return 1.0;
  const double t = 1.0 / (sigma * kSqrt2);
  const double left = mu > kFar * sigma ? 0.0 : std::erfc(mu * t);
  const double right = 1.0 - mu > kFar * sigma ? 0.0 : std::erfc((1.0 - mu) * t);
  return 1.0 - 0.5 * (left + right);
}

/// log of unit_mass(mu, sigma).
inline double log_unit_mass(double mu, double sigma) {
  return std::log(unit_mass(mu, sigma));
}

/// A draw from N(mu, sigma^2) truncated to [0, 1] (mu in [0, 1], sigma <= 1, so the mass is at
/// least 0.34 and rejection takes 3 draws at most on average).
inline double sample_unit_truncated_normal(double mu, double sigma, Rng& rng) {
  for (int attempt = 0; attempt < 1000; ++attempt) {
    const double x = mu + sigma * rng.normal();
    if (x >= 0.0 && x <= 1.0) return x;
  }
  return std::clamp(mu, 0.0, 1.0);
}

/// A draw of an index from normalized `weights` (the last index absorbs rounding).
inline Eigen::Index sample_index(const Eigen::ArrayXd& weights, Rng& rng) {
  const double u = rng.uniform();
  double c = 0.0;
  for (Eigen::Index k = 0; k + 1 < weights.size(); ++k) {
    c += weights[k];
    if (u < c) return k;
  }
  return weights.size() - 1;
}

/// log(sum(exp(v))), stable; -inf for an empty or all -inf array.
inline double log_sum_exp(const Eigen::ArrayXd& v) {
  if (v.size() == 0) return -INFINITY;
  const double m = v.maxCoeff();
  if (!std::isfinite(m)) return m;
  return m + std::log((v - m).exp().sum());
}

/// A mixture of normals truncated to [0, 1]: the density of one numeric parameter (unit
/// coordinates). The last component is the prior, N(1/2, 1).
struct NumericMixture {
  Eigen::ArrayXd mu;
  Eigen::ArrayXd sigma;
  /// Normalized weights.
  Eigen::ArrayXd weight;
  /// log of each kernel's mass on [0, 1].
  Eigen::ArrayXd log_z;
  /// log weight - log sigma - log sqrt(2 pi) - log_z: the log density at the centre, weighted.
  Eigen::ArrayXd log_coef;

  /// Number of components (observations and the prior).
  Eigen::Index size() const { return mu.size(); }

  /// log of each component's density at `x` (continuous parameters).
  Eigen::ArrayXd component_log_pdf(double x) const {
    return -0.5 * ((x - mu) / sigma).square() - kLogSqrt2Pi - sigma.log() - log_z;
  }
  /// log of each component's mass on the grid cell [a, b] (discrete parameters).
  Eigen::ArrayXd component_log_mass(double a, double b) const {
    Eigen::ArrayXd out(size());
    for (Eigen::Index k = 0; k < size(); ++k)
      out[k] = log_normal_mass((a - mu[k]) / sigma[k], (b - mu[k]) / sigma[k]) - log_z[k];
    return out;
  }
  /// log of the mixture density at `x`.
  double log_pdf(double x) const {
    return log_sum_exp(log_coef - 0.5 * ((x - mu) / sigma).square());
  }
  /// log of the mixture's mass on the cell [a, b].
  double log_mass(double a, double b) const {
    return log_sum_exp(weight.log() + component_log_mass(a, b));
  }
  /// A draw from component `k`.
  double sample(Eigen::Index k, Rng& rng) const {
    return sample_unit_truncated_normal(mu[k], sigma[k], rng);
  }
};

/// Appends the prior and fills log_z and (if `with_coef`) log_coef; mu and sigma hold the m
/// observations, weight all m + 1.
inline void finish_numeric_mixture(NumericMixture& out, bool with_coef = true) {
  const Eigen::Index m = out.mu.size();
  out.mu.conservativeResize(m + 1);
  out.sigma.conservativeResize(m + 1);
  out.mu[m] = 0.5;
  out.sigma[m] = 1.0;
  out.log_z.resize(m + 1);
  for (Eigen::Index k = 0; k <= m; ++k) {
    const double z = unit_mass(out.mu[k], out.sigma[k]);
    out.log_z[k] = z == 1.0 ? 0.0 : std::log(z);
  }
  if (with_coef) out.log_coef = out.weight.log() - out.sigma.log() - kLogSqrt2Pi - out.log_z;
}

/// The univariate TPE mixture of observations `mu` (unit coordinates, in trial-number order,
/// which sets the default weights; `weights`, one per observation, replace them if given),
/// with Optuna's neighbour bandwidth rule.
inline NumericMixture univariate_numeric_mixture(const std::vector<double>& mu,
                                                 const ParzenParameters& p,
                                                 const Eigen::ArrayXd& weights = Eigen::ArrayXd()) {
  const std::size_t m = mu.size();
  NumericMixture out;
  out.weight = tpe_mixture_weights(static_cast<int>(m), p.prior_weight, weights);
  std::vector<std::size_t> order(m);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return mu[a] < mu[b]; });
  std::vector<double> sorted(m), sorted_sigma(m);
  for (std::size_t i = 0; i < m; ++i) sorted[i] = mu[order[i]];
  tpe_univariate_sigmas(sorted.data(), m, p, sorted_sigma.data());
  out.mu = Eigen::Map<const Eigen::ArrayXd>(mu.data(), static_cast<Eigen::Index>(m));
  out.sigma.resize(static_cast<Eigen::Index>(m));
  for (std::size_t i = 0; i < m; ++i)
    out.sigma[static_cast<Eigen::Index>(order[i])] = sorted_sigma[i];
  finish_numeric_mixture(out);
  return out;
}

/// The mixture of one numeric dimension of a multivariate TPE: every observation gets the
/// Scott-type bandwidth of m observations in d dimensions. Its log_coef is left empty (the
/// multivariate estimator combines the dimensions' constants itself).
inline NumericMixture scott_numeric_mixture(const Eigen::ArrayXd& mu, std::size_t d,
                                            const ParzenParameters& p,
                                            const Eigen::ArrayXd& weights = Eigen::ArrayXd()) {
  NumericMixture out;
  const auto m = static_cast<std::size_t>(mu.size());
  out.weight = tpe_mixture_weights(static_cast<int>(m), p.prior_weight, weights);
  out.mu = mu;
  out.sigma = Eigen::ArrayXd::Constant(mu.size(), tpe_scott_sigma(m, d, p));
  finish_numeric_mixture(out, false);
  return out;
}

/// A mixture of categorical kernels over C choices (Optuna's): observation k puts
/// prior_weight / (m + 1) on every choice plus 1 on its own, normalized; the prior component
/// (last) is uniform.
struct CategoricalMixture {
  /// Observed choice of each observation component.
  std::vector<int> observed;
  /// Number of choices C.
  int n_choices = 1;
  /// prior_weight / (m + 1).
  double smoothing = 0.0;
  /// Normalized weights, m observations then the prior.
  Eigen::ArrayXd weight;

  /// Number of components (observations and the prior).
  Eigen::Index size() const { return weight.size(); }

  /// log of each component's probability of choice `c`.
  Eigen::ArrayXd component_log_prob(int c) const {
    const Eigen::Index m = size() - 1;
    const double norm = std::log1p(n_choices * smoothing);
    const double hit = std::log(smoothing + 1.0) - norm, miss = std::log(smoothing) - norm;
    Eigen::ArrayXd out(m + 1);
    for (Eigen::Index k = 0; k < m; ++k)
      out[k] = observed[static_cast<std::size_t>(k)] == c ? hit : miss;
    out[m] = -std::log(static_cast<double>(n_choices));
    return out;
  }
  /// The mixture's probability of every choice (sums to 1).
  Eigen::ArrayXd probabilities() const {
    const Eigen::Index m = size() - 1;
    Eigen::ArrayXd hits = Eigen::ArrayXd::Zero(n_choices);
    for (Eigen::Index k = 0; k < m; ++k) hits[observed[static_cast<std::size_t>(k)]] += weight[k];
    const double observed_weight = 1.0 - weight[m];
    return (smoothing * observed_weight + hits) / (1.0 + n_choices * smoothing) +
           weight[m] / n_choices;
  }
  /// A draw of a choice from component `k`.
  int sample(Eigen::Index k, Rng& rng) const {
    const Eigen::Index m = size() - 1;
    if (k == m) return static_cast<int>(rng.below(static_cast<std::uint64_t>(n_choices)));
    const double total = 1.0 + n_choices * smoothing;
    const double u = rng.uniform() * total;
    const int own = observed[static_cast<std::size_t>(k)];
    // Choice own holds smoothing + 1 at the front; the rest smoothing each, in order.
    if (u < smoothing + 1.0) return own;
    const int j = std::min(static_cast<int>((u - smoothing - 1.0) / smoothing), n_choices - 2);
    return j < own ? j : j + 1;
  }
};

/// The categorical mixture of observed choices `observed` (in trial-number order; `weights`,
/// one per observation, replace the default weights if given).
inline CategoricalMixture categorical_mixture(std::vector<int> observed, int n_choices,
                                              const ParzenParameters& p,
                                              const Eigen::ArrayXd& weights = Eigen::ArrayXd()) {
  CategoricalMixture out;
  const auto m = static_cast<int>(observed.size());
  out.observed = std::move(observed);
  out.n_choices = n_choices;
  out.smoothing = p.prior_weight / (m + 1);
  out.weight = tpe_mixture_weights(m, p.prior_weight, weights);
  return out;
}

}  // namespace hpo::detail
