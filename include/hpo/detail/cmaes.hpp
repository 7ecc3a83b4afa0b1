// SPDX-License-Identifier: MIT
#pragma once

#include <Eigen/Core>
#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <optional>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "hpo/detail/cmaes_margin.hpp"
#include "hpo/detail/rng.hpp"
#include "hpo/errors.hpp"

namespace hpo::detail {

/// The default CMA-ES population size 4 + floor(3 ln n).
inline int cma_default_population_size(int n) {
  return 4 + static_cast<int>(std::floor(3.0 * std::log(static_cast<double>(n))));
}

/// The strategy parameters of CMA-ES (Hansen's tutorial, ALGORITHMS.md section 3.3), with the
/// constants of the `cmaes` package (`CMA`) that Optuna's CmaEsSampler uses.
///
/// The separable variant (Ros & Hansen 2008) takes the parameters of `cmaes`' `SepCMA`: mu
/// positive weights w'_i = ln(mu + 1) - ln i (no active weights), c1 = 2 / ((n + 1.3)^2 +
/// mu_eff), c_mu = (n + 2) / 3 (2 / (mu_eff (n + sqrt 2)^2) + (1 - 1 / mu_eff)
/// min(1, (2 mu_eff - 1) / ((n + 2)^2 + mu_eff))), c_sigma = (mu_eff + 2) / (n + mu_eff + 3),
/// c_c = 4 / (n + 4); c_mu is capped at 1 - c1 - 1e-8 (which `SepCMA` does not do, see make).
struct CmaStrategy {
  int n = 0;
  int lambda = 0;
  int mu = 0;
  /// One weight per rank, best first: mu positive ones summing to 1, then the active
  /// (negative) ones, scaled as in section 3.3 (zero in the separable variant).
  Eigen::VectorXd weights;
  double mu_eff = 0.0;
  double c1 = 0.0;
  double c_mu = 0.0;
  double c_sigma = 0.0;
  double d_sigma = 0.0;
  double c_c = 0.0;
  double c_m = 1.0;
  /// E||N(0, I)|| ~= sqrt(n) (1 - 1/(4n) + 1/(21 n^2)).
  double chi_n = 0.0;

  /// The parameters for dimension `n` >= 1 and population size `lambda` >= 2 (0: default).
  static CmaStrategy make(int n, int lambda = 0, bool separable = false) {
    if (n < 1) throw InvalidArgument("hpo::detail::CmaStrategy: the dimension must be >= 1");
    if (lambda == 0) lambda = cma_default_population_size(n);
    if (lambda < 2)
      throw InvalidArgument("hpo::detail::CmaStrategy: the population size must be >= 2");
    CmaStrategy s;
    const double dn = static_cast<double>(n);
    s.n = n;
    s.lambda = lambda;
    s.mu = lambda / 2;
    s.chi_n = std::sqrt(dn) * (1.0 - 1.0 / (4.0 * dn) + 1.0 / (21.0 * dn * dn));
    const Eigen::ArrayXd rank = Eigen::ArrayXd::LinSpaced(lambda, 1.0, static_cast<double>(lambda));
    s.weights = Eigen::VectorXd::Zero(lambda);
    if (separable) {
      const Eigen::ArrayXd pos = std::log(s.mu + 1.0) - rank.head(s.mu).log();
      s.weights.head(s.mu) = pos / pos.sum();
      s.mu_eff = 1.0 / s.weights.head(s.mu).squaredNorm();
      s.c1 = 2.0 / ((dn + 1.3) * (dn + 1.3) + s.mu_eff);
      const double c_mu_full =
          2.0 / s.mu_eff / ((dn + std::sqrt(2.0)) * (dn + std::sqrt(2.0))) +
          (1.0 - 1.0 / s.mu_eff) *
              std::min(1.0, (2.0 * s.mu_eff - 1.0) / ((dn + 2.0) * (dn + 2.0) + s.mu_eff));
      // Capped at 1 - c1 - 1e-8 as in the full variant (`cmaes` has no cap: with a large
      // population its C would shrink by a negative factor).
      s.c_mu = std::min(1.0 - s.c1 - 1e-8, (dn + 2.0) / 3.0 * c_mu_full);
      s.c_sigma = (s.mu_eff + 2.0) / (dn + s.mu_eff + 3.0);
      s.d_sigma =
          1.0 + 2.0 * std::max(0.0, std::sqrt((s.mu_eff - 1.0) / (dn + 1.0)) - 1.0) + s.c_sigma;
      s.c_c = 4.0 / (dn + 4.0);
      return s;
    }
    const Eigen::ArrayXd prime = std::log((lambda + 1) / 2.0) - rank.log();
    const Eigen::ArrayXd pos = prime.head(s.mu);
    const Eigen::ArrayXd neg = prime.tail(lambda - s.mu);
    s.mu_eff = pos.sum() * pos.sum() / pos.square().sum();

    s.c1 = 2.0 / ((dn + 1.3) * (dn + 1.3) + s.mu_eff);
    // 1 - c1 - 1e-8 as in `cmaes` (the bound only binds for large populations).
    s.c_mu = std::min(1.0 - s.c1 - 1e-8, 2.0 * (s.mu_eff - 2.0 + 1.0 / s.mu_eff) /
                                             ((dn + 2.0) * (dn + 2.0) + s.mu_eff));
    s.c_sigma = (s.mu_eff + 2.0) / (dn + s.mu_eff + 5.0);
    s.d_sigma =
        1.0 + 2.0 * std::max(0.0, std::sqrt((s.mu_eff - 1.0) / (dn + 1.0)) - 1.0) + s.c_sigma;
    s.c_c = (4.0 + s.mu_eff / dn) / (dn + 4.0 + 2.0 * s.mu_eff / dn);

    s.weights.head(s.mu) = pos / pos.sum();
    if (neg.size() > 0 && neg.abs().sum() > 0.0) {
      const double mu_eff_minus = neg.sum() * neg.sum() / neg.square().sum();
      const double scale =
          std::min({1.0 + s.c1 / s.c_mu, 1.0 + 2.0 * mu_eff_minus / (s.mu_eff + 2.0),
                    (1.0 - s.c1 - s.c_mu) / (dn * s.c_mu)});
      s.weights.tail(lambda - s.mu) = (scale * neg / neg.abs().sum()).matrix();
    }
    return s;
  }
};

/// Why a CMA-ES run should stop (the termination tests of ALGORITHMS.md section 3.3).
enum class CmaStop {
  None,
  /// Every coordinate's standard deviation and evolution path below tol_x.
  TolX,
  /// sigma times the largest axis grew above tol_x_up.
  TolXUp,
  /// The best and worst values of the last 10 + ceil(30 n / lambda) generations within tol_fun.
  TolFun,
  /// A step of 0.1 sigma along a principal axis no longer changes the mean.
  NoEffectAxis,
  /// A step of 0.2 standard deviations along a coordinate no longer changes it.
  NoEffectCoord,
  /// The condition number of the covariance exceeds tol_condition.
  ConditionCov
};

/// Short name of a CmaStop: "none", "tolx", "tolxup", "tolfun", "noeffectaxis",
/// "noeffectcoord" or "conditioncov" (as in the `cmaes` package's comments).
inline const char* to_string(CmaStop stop) {
  switch (stop) {
    case CmaStop::TolX:
      return "tolx";
    case CmaStop::TolXUp:
      return "tolxup";
    case CmaStop::TolFun:
      return "tolfun";
    case CmaStop::NoEffectAxis:
      return "noeffectaxis";
    case CmaStop::NoEffectCoord:
      return "noeffectcoord";
    case CmaStop::ConditionCov:
      return "conditioncov";
    case CmaStop::None:
      break;
  }
  return "none";
}

/// Tolerances of the termination tests; the defaults are those of the `cmaes` library.
struct CmaTolerances {
  /// tol_x = tol_x_factor * sigma0.
  double tol_x_factor = 1e-12;
  double tol_x_up = 1e4;
  double tol_fun = 1e-12;
  double tol_condition = 1e14;
};

/// CMA-ES on R^n (minimization) with ask / tell, independent of studies.
///
/// Candidates are x = m + sigma B D z with z ~ N(0, I) and C = B D^2 B^T. tell takes one whole
/// generation and applies the standard update: weighted recombination of the mu best,
/// cumulative step-size adaptation, rank-one and rank-mu covariance updates with the active
/// (negative) weights, each scaled by n / (||C^{-1/2} y||^2 + 1e-8). The eigendecomposition of
/// C is refreshed lazily, every max(1, floor(1 / (10 n (c1 + c_mu)))) generations (that is
/// every generation below about 150 dimensions, like `cmaes` always). The separable variant keeps
/// only the diagonal of C (B = I).
///
/// The update is that of the `cmaes` package (CMA and SepCMA, version 0.9.1), constants
/// included: tests/detail/cmaes_test.cpp replays its traces (bench/tools/cmaes_trace.py) and
/// agrees to about 1e-14. The termination tests are the intended ones of that package, see
/// stop_reason().
///
/// With a margin (Hamano et al. 2022, see CmaMargin) the distribution of the discrete
/// coordinates is corrected after each update, and evaluated() maps a candidate to the point
/// to evaluate; the update itself always uses the candidates as sampled.
class CmaEs {
 public:
  /// A run from `mean` with step size `sigma` > 0, population `lambda` (0: default) and C = I.
  CmaEs(Eigen::VectorXd mean, double sigma, int lambda = 0, bool separable = false,
        CmaTolerances tolerances = {})
      : s_(CmaStrategy::make(static_cast<int>(mean.size()), lambda, separable)),
        separable_(separable),
        tol_(tolerances),
        sigma0_(sigma),
        sigma_(sigma),
        mean_(std::move(mean)) {
    if (!(sigma > 0.0) || !std::isfinite(sigma))
      throw InvalidArgument("hpo::detail::CmaEs: sigma must be positive and finite");
    const Eigen::Index n = mean_.size();
    c_ = Eigen::MatrixXd::Identity(separable ? 0 : n, separable ? 0 : n);
    b_ = c_;
    diag_ = Eigen::VectorXd::Ones(n);
    d_ = Eigen::VectorXd::Ones(n);
    p_sigma_ = Eigen::VectorXd::Zero(n);
    p_c_ = Eigen::VectorXd::Zero(n);
    history_length_ = 10 + static_cast<int>(std::ceil(30.0 * static_cast<double>(n) / s_.lambda));
  }

  /// Number of coordinates.
  int dim() const { return s_.n; }
  /// lambda, the candidates per generation.
  int population_size() const { return s_.lambda; }
  /// Generations told so far.
  int generation() const { return generation_; }
  bool separable() const { return separable_; }
  const CmaStrategy& strategy() const { return s_; }
  const Eigen::VectorXd& mean() const { return mean_; }
  double sigma() const { return sigma_; }
  /// C (diagonal for the separable variant).
  Eigen::MatrixXd covariance() const {
    if (separable_) return diag_.asDiagonal();
    return c_;
  }
  /// The axis lengths D (square roots of the eigenvalues of C, as of the last refresh).
  const Eigen::VectorXd& axis_lengths() const { return d_; }
  /// The evolution paths p_sigma (step size) and p_c (covariance).
  const Eigen::VectorXd& p_sigma() const { return p_sigma_; }
  const Eigen::VectorXd& p_c() const { return p_c_; }

  /// Enables the margin correction for the coordinates with `n_cells[j]` >= 2 grid cells
  /// (0 or 1: continuous); see CmaMargin.
  void enable_margin(const std::vector<int>& n_cells) {
    if (static_cast<int>(n_cells.size()) != s_.n)
      throw InvalidArgument("hpo::detail::CmaEs::enable_margin: one cell count per coordinate");
    margin_ = CmaMargin(n_cells, 1.0 / (static_cast<double>(s_.n) * s_.lambda));
  }
  /// The margin, if enabled.
  const std::optional<CmaMargin>& margin() const { return margin_; }

  /// A candidate m + sigma B D z, z ~ N(0, I) drawn from `rng`.
  Eigen::VectorXd sample(Rng& rng) const {
    Eigen::VectorXd z(s_.n);
    for (Eigen::Index j = 0; j < z.size(); ++j) z[j] = rng.normal();
    if (separable_) return mean_ + sigma_ * d_.cwiseProduct(z);
    return mean_ + sigma_ * (b_ * d_.cwiseProduct(z));
  }

  /// A candidate inside [0, 1]^n: drawn up to `max_tries` times, then clipped.
  Eigen::VectorXd sample_in_unit_cube(Rng& rng, int max_tries = 100) const {
    Eigen::VectorXd x = sample(rng);
    for (int t = 1; t < max_tries && !in_unit_cube(x); ++t) x = sample(rng);
    return x.cwiseMax(0.0).cwiseMin(1.0);
  }

  /// The point to evaluate for candidate `x`: x itself, or with a margin
  /// m + A (x - m) on the discrete coordinates, clipped to [0, 1].
  Eigen::VectorXd evaluated(const Eigen::VectorXd& x) const {
    if (!margin_) return x;
    return (mean_ + margin_->scale().cwiseProduct(x - mean_)).cwiseMax(0.0).cwiseMin(1.0);
  }

  /// One generation: column k of `xs` is a candidate, `values[k]` its value (lower is better;
  /// NaN ranks last). Needs exactly lambda candidates.
  void tell(const Eigen::MatrixXd& xs, const Eigen::VectorXd& values) {
    const Eigen::Index n = s_.n, lambda = s_.lambda, mu = s_.mu;
    if (xs.rows() != n || xs.cols() != lambda || values.size() != lambda)
      throw InvalidArgument(fmt::format(
          "hpo::detail::CmaEs::tell: expected {} candidates of dimension {}, got {} x {} and {} "
          "values",
          lambda, n, xs.rows(), xs.cols(), values.size()));
    ++generation_;
    std::vector<Eigen::Index> order(static_cast<std::size_t>(lambda));
    std::iota(order.begin(), order.end(), Eigen::Index{0});
    std::stable_sort(order.begin(), order.end(), [&](Eigen::Index a, Eigen::Index b) {
      return values[a] < values[b] || (std::isnan(values[b]) && !std::isnan(values[a]));
    });
    record_history(values[order.front()], values[order.back()]);

    Eigen::MatrixXd y(n, lambda);
    for (Eigen::Index k = 0; k < lambda; ++k)
      y.col(k) = (xs.col(order[static_cast<std::size_t>(k)]) - mean_) / sigma_;
    const Eigen::VectorXd& w = s_.weights;
    const Eigen::VectorXd y_w = y.leftCols(mu) * w.head(mu);
    mean_ += s_.c_m * sigma_ * y_w;

    // C^{-1/2} y with the current eigendecomposition.
    const Eigen::MatrixXd z =
        separable_ ? Eigen::MatrixXd(d_.cwiseInverse().asDiagonal() * y)
                   : Eigen::MatrixXd(b_ * (d_.cwiseInverse().asDiagonal() * (b_.transpose() * y)));
    const double cs = s_.c_sigma, cc = s_.c_c;
    p_sigma_ = (1.0 - cs) * p_sigma_ +
               std::sqrt(cs * (2.0 - cs) * s_.mu_eff) * (z.leftCols(mu) * w.head(mu));
    const double ps_norm = p_sigma_.norm();
    sigma_ = std::min(sigma_ * std::exp(cs / s_.d_sigma * (ps_norm / s_.chi_n - 1.0)), kSigmaMax);
    // The bias correction of ||p_sigma|| uses 2 (g + 1) with g the generations told including
    // this one, as `cmaes` does (Hansen's tutorial counts one generation less).
    const double ps_bias = std::sqrt(1.0 - std::pow(1.0 - cs, 2.0 * (generation_ + 1)));
    const bool h_sigma =
        ps_norm / ps_bias < (1.4 + 2.0 / (static_cast<double>(n) + 1.0)) * s_.chi_n;
    p_c_ = (1.0 - cc) * p_c_ + (h_sigma ? std::sqrt(cc * (2.0 - cc) * s_.mu_eff) : 0.0) * y_w;

    // Active weights are rescaled by n / (||C^{-1/2} y||^2 + 1e-8) (the 1e-8 of `cmaes`).
    Eigen::VectorXd w_o = w;
    for (Eigen::Index k = mu; k < lambda; ++k)
      if (w[k] < 0.0) w_o[k] = w[k] * static_cast<double>(n) / (z.col(k).squaredNorm() + kEps);
    const double delta = h_sigma ? 0.0 : cc * (2.0 - cc);
    const double decay = 1.0 + s_.c1 * delta - s_.c1 - s_.c_mu * w.sum();
    if (separable_) {
      diag_ = decay * diag_ + s_.c1 * p_c_.cwiseAbs2() + s_.c_mu * (y.cwiseAbs2() * w_o);
      d_ =
          diag_.unaryExpr([](double v) { return v < 0.0 ? kEps : v; }).cwiseMax(1e-300).cwiseSqrt();
    } else {
      c_ = decay * c_ + s_.c1 * p_c_ * p_c_.transpose() +
           s_.c_mu * (y * w_o.asDiagonal() * y.transpose());
      const double every = 1.0 / (10.0 * static_cast<double>(n) * (s_.c1 + s_.c_mu));
      if (generation_ - eigen_generation_ >= std::max(1, static_cast<int>(every))) refresh_eigen();
    }
    if (margin_) margin_->correct(mean_, sigma_, diagonal());
  }

  /// The first termination test that holds, or CmaStop::None.
  ///
  /// The tests and tolerances of `cmaes`' should_stop(), as that package describes them; two
  /// of its expressions differ from their description and are written here as described:
  /// TolX compares the standard deviations sigma sqrt(C_ii) and sigma |p_c| with tol_x
  /// (`cmaes`: sigma C_ii and the signed sigma p_c), and ConditionCov tests the condition
  /// number of C, (max D / min D)^2 (`cmaes`: max D / min D, its square root). They only
  /// matter with restarts, which Optuna 3.1 does not do by default.
  CmaStop stop_reason() const {
    const Eigen::VectorXd dc = diagonal();
    const double tol_x = tol_.tol_x_factor * sigma0_;
    if ((sigma_ * dc.cwiseSqrt().array() < tol_x).all() &&
        (sigma_ * p_c_.cwiseAbs().array() < tol_x).all())
      return CmaStop::TolX;
    if (sigma_ * d_.maxCoeff() > tol_.tol_x_up) return CmaStop::TolXUp;
    if (generation_ > history_length_ && !history_.empty()) {
      const auto [lo, hi] = std::minmax_element(history_.begin(), history_.end());
      if (*hi - *lo < tol_.tol_fun) return CmaStop::TolFun;
    }
    const Eigen::Index i = generation_ % s_.n;
    const Eigen::VectorXd axis =
        separable_ ? Eigen::VectorXd(Eigen::VectorXd::Unit(s_.n, i) * (0.1 * sigma_ * d_[i]))
                   : Eigen::VectorXd(0.1 * sigma_ * d_[i] * b_.col(i));
    if ((mean_ + axis).cwiseEqual(mean_).all()) return CmaStop::NoEffectAxis;
    if ((mean_ + 0.2 * sigma_ * dc.cwiseSqrt()).cwiseEqual(mean_).any())
      return CmaStop::NoEffectCoord;
    const double d_min = d_.minCoeff();
    if (d_min <= 0.0 || (d_.maxCoeff() / d_min) * (d_.maxCoeff() / d_min) > tol_.tol_condition)
      return CmaStop::ConditionCov;
    return CmaStop::None;
  }

  /// Whether a termination test holds.
  bool should_stop() const { return stop_reason() != CmaStop::None; }

  /// Whether every coordinate of `x` is in [0, 1].
  static bool in_unit_cube(const Eigen::VectorXd& x) {
    return (x.array() >= 0.0).all() && (x.array() <= 1.0).all();
  }

 private:
  Eigen::VectorXd diagonal() const { return separable_ ? diag_ : Eigen::VectorXd(c_.diagonal()); }

  void refresh_eigen() {
    eigen_generation_ = generation_;
    c_ = (c_ + c_.transpose()) / 2.0;
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(c_);
    // A negative eigenvalue (rounding) becomes 1e-8, as in `cmaes`.
    const Eigen::VectorXd eig =
        es.eigenvalues().unaryExpr([](double v) { return v < 0.0 ? kEps : v; }).cwiseMax(1e-300);
    b_ = es.eigenvectors();
    d_ = eig.cwiseSqrt();
    c_ = b_ * eig.asDiagonal() * b_.transpose();
  }

  /// Keeps the best and worst value of the last history_length_ generations.
  void record_history(double best, double worst) {
    const auto cap = static_cast<std::size_t>(2 * history_length_);
    if (history_.size() < cap) {
      history_.push_back(best);
      history_.push_back(worst);
    } else {
      history_[history_next_] = best;
      history_[history_next_ + 1] = worst;
      history_next_ = (history_next_ + 2) % cap;
    }
  }

  static constexpr double kEps = 1e-8;
  static constexpr double kSigmaMax = 1e32;

  CmaStrategy s_;
  bool separable_;
  CmaTolerances tol_;
  double sigma0_;
  double sigma_;
  Eigen::VectorXd mean_;
  Eigen::MatrixXd c_;     // full covariance (empty when separable)
  Eigen::MatrixXd b_;     // its eigenvectors (empty when separable)
  Eigen::VectorXd diag_;  // the separable covariance
  Eigen::VectorXd d_;     // axis lengths
  Eigen::VectorXd p_sigma_;
  Eigen::VectorXd p_c_;
  int generation_ = 0;
  int eigen_generation_ = 0;
  int history_length_ = 0;
  std::vector<double> history_;
  std::size_t history_next_ = 0;
  std::optional<CmaMargin> margin_;
};

}  // namespace hpo::detail
