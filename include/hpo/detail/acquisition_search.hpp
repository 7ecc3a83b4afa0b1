// SPDX-License-Identifier: MIT
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <utility>
#include <variant>
#include <vector>

#include "hpo/detail/acquisition.hpp"
#include "hpo/detail/gp.hpp"
#include "hpo/detail/lbfgs.hpp"
#include "hpo/detail/rng.hpp"
#include "hpo/detail/sobol.hpp"
#include "hpo/detail/transform.hpp"

namespace hpo::detail {

/// Which acquisition function a GP sampler maximizes.
enum class AcquisitionKind { LogEI, EI, PI, UCB };

/// A constraint c(x) <= 0 of a constrained acquisition: the GP of its standardized values and
/// the standardized value of 0, so that P(c(x) <= 0) = Phi((threshold - mean(x)) / sigma(x)).
struct FeasibilityTerm {
  /// The constraint's posterior (not owned; must outlive the acquisition's use).
  const GpPosterior* gp = nullptr;
  /// The standardized constraint value that separates feasible (below) from infeasible.
  double threshold = 0.0;
};

/// An acquisition function of the posterior (maximized; outputs standardized so that larger
/// is better). The variance gets Optuna's 1e-12 stabilizer before the square root, so sigma
/// and its derivative stay finite at observed points. PI is maximized as log PI (same
/// maximizer, no flat underflowed regions).
///
/// With constraints, the log probability of feasibility of every constraint (independent GPs)
/// is added to log-EI and log PI, and EI is multiplied by the probability of feasibility
/// (Gardner et al. 2014); UCB takes no constraints (the caller rejects them). Without an
/// objective term (no feasible observation yet) the acquisition is the log probability of
/// feasibility alone, whatever the kind.
struct Acquisition {
  AcquisitionKind kind = AcquisitionKind::LogEI;
  /// The incumbent: the best standardized observation (the best feasible one with constraints).
  double best = 0.0;
  /// UCB's beta (mean + sqrt(beta) sigma).
  double beta = 2.0;
  /// The constraints (empty: unconstrained).
  std::vector<FeasibilityTerm> constraints;
  /// Whether the objective term takes part: false while no observation is feasible.
  bool use_objective = true;

  /// Value and partial derivatives in mean and latent variance (the objective term alone).
  AcquisitionValue operator()(double mean, double var, double* d_var = nullptr) const {
    const double sigma = std::sqrt(std::max(var, 0.0) + 1e-12);
    AcquisitionValue a{};
    switch (kind) {
      case AcquisitionKind::LogEI:
        a = log_expected_improvement(mean, sigma, best);
        break;
      case AcquisitionKind::EI:
        a = expected_improvement(mean, sigma, best);
        break;
      case AcquisitionKind::PI:
        a = log_probability_of_improvement(mean, sigma, best);
        break;
      case AcquisitionKind::UCB:
        a = upper_confidence_bound(mean, sigma, beta);
        break;
    }
    if (d_var) *d_var = a.d_sigma / (2.0 * sigma);
    return a;
  }

  /// The value alone (no derivatives) at mean and latent variance (the objective term alone).
  double value(double mean, double var) const {
    const double sigma = std::sqrt(std::max(var, 0.0) + 1e-12);
    const double s = acquisition_sigma(sigma);
    const double z = (mean - best) / s;
    switch (kind) {
      case AcquisitionKind::LogEI:
        return log_h(z) + std::log(s);
      case AcquisitionKind::EI:
        return s * improvement_h(z);
      case AcquisitionKind::PI:
        return log_normal_cdf(z);
      case AcquisitionKind::UCB:
        break;
    }
    return mean + std::sqrt(beta) * sigma;
  }

  /// Values at every row of `x`, constraints included (NaN counts as -inf).
  Eigen::VectorXd evaluate(const GpPosterior& gp, const Eigen::MatrixXd& x) const {
    Eigen::VectorXd out(x.rows());
    if (use_objective) {
      Eigen::VectorXd mean, var;
      gp.predict(x, mean, var);
      for (Eigen::Index i = 0; i < out.size(); ++i) out[i] = value(mean[i], var[i]);
    }
    if (!constraints.empty()) {
      Eigen::ArrayXd log_feasible = Eigen::ArrayXd::Zero(x.rows());
      Eigen::VectorXd mean, var;
      for (const FeasibilityTerm& c : constraints) {
        c.gp->predict(x, mean, var);
        // sigma as in value(), then acquisition_sigma(sigma), as log_probability_of_feasibility.
        const Eigen::ArrayXd sigma = (var.array().cwiseMax(0.0) + 1e-12).sqrt();
        const Eigen::ArrayXd s = (sigma.square() + kAcquisitionVarianceFloor).sqrt();
        log_feasible += ((c.threshold - mean.array()) / s).unaryExpr([](double z) {
          return log_normal_cdf(z);
        });
      }
      if (!use_objective)
        out = log_feasible.matrix();
      else if (kind == AcquisitionKind::EI)
        out.array() *= log_feasible.exp();
      else
        out.array() += log_feasible;
    }
    return out.unaryExpr(
        [](double v) { return std::isnan(v) ? -std::numeric_limits<double>::infinity() : v; });
  }

  /// The value at one encoded point `x`, constraints included, and its gradient in `x`
  /// (`grad`, one entry per column).
  double value_and_gradient(const GpPosterior& gp, const Eigen::VectorXd& x,
                            Eigen::VectorXd& grad) const {
    double mean = 0.0, var = 0.0, dv = 0.0, value = 0.0;
    Eigen::VectorXd d_mean, d_var;
    if (use_objective) {
      gp.predict_with_gradient(x, mean, var, d_mean, d_var);
      const AcquisitionValue a = (*this)(mean, var, &dv);
      grad = a.d_mean * d_mean + dv * d_var;
      value = a.value;
    } else {
      grad = Eigen::VectorXd::Zero(x.size());
    }
    if (constraints.empty()) return value;

    double log_feasible = 0.0;
    Eigen::VectorXd d_log_feasible = Eigen::VectorXd::Zero(x.size());
    for (const FeasibilityTerm& c : constraints) {
      c.gp->predict_with_gradient(x, mean, var, d_mean, d_var);
      const double sigma = std::sqrt(std::max(var, 0.0) + 1e-12);
      const AcquisitionValue f = log_probability_of_feasibility(mean, sigma, c.threshold);
      log_feasible += f.value;
      d_log_feasible += f.d_mean * d_mean + (f.d_sigma / (2.0 * sigma)) * d_var;
    }
    if (!use_objective) {
      grad = d_log_feasible;
      return log_feasible;
    }
    if (kind == AcquisitionKind::EI) {  // EI * PF: d = PF (dEI + EI dlog PF)
      const double pf = std::exp(log_feasible);
      grad = pf * (grad + value * d_log_feasible);
      return value * pf;
    }
    grad += d_log_feasible;
    return value + log_feasible;
  }
};

/// Options of AcquisitionSearch.
struct AcquisitionSearchOptions {
  /// Scrambled-Sobol points of the preliminary sweep.
  int n_candidates = 1024;
  /// Local searches: the best sweep point, the warm starts, the rest by roulette.
  int n_local_search = 10;
  /// Rounds of (continuous L-BFGS, then each discrete parameter on its grid) per start.
  int max_rounds = 10;
  /// Discrete parameters with at most this many values are searched exhaustively; larger
  /// grids are relaxed to continuous in the L-BFGS step, then searched on the grid within
  /// grid_window steps of the relaxed optimum.
  int exhaustive_limit = 16;
  int grid_window = 4;
  /// L-BFGS settings of the continuous step (unit-cube coordinates).
  int lbfgs_max_iterations = 200;
  double lbfgs_gradient_tolerance = 1e-2;
};

/// One point of the search and its acquisition value.
struct ScoredPoint {
  double value;
  Eigen::VectorXd x;
};

/// Maximizes an acquisition function over the encoded search space, as Optuna's GPSampler
/// does (ALGORITHMS.md 1.6): a scrambled-Sobol sweep, then local searches from the best sweep
/// point, the warm starts (the incumbent) and points drawn by roulette (probability
/// exp(a - a_max)), each alternating L-BFGS over the continuous columns with a search of every
/// discrete parameter on its grid until a round changes nothing.
///
/// The transform must use one-hot categoricals. Rows of the result are valid encodings: grid
/// parameters at their cell centres, categoricals one-hot.
class AcquisitionSearch {
 public:
  AcquisitionSearch(const SearchSpaceTransform& transform, AcquisitionSearchOptions options)
      : transform_(transform), options_(options) {
    for (const auto& p : transform.params()) {
      Dim d{p.first_column, p.n_columns, Kind::Continuous, 0, &p.distribution};
      if (std::holds_alternative<CategoricalDistribution>(p.distribution)) {
        d.kind = Kind::Categorical;
        d.size = static_cast<std::uint64_t>(p.n_columns);
      } else if (const std::uint64_t n = grid_size(p.distribution); n > 0) {
        d.kind = n <= static_cast<std::uint64_t>(options.exhaustive_limit) ? Kind::SmallGrid
                                                                           : Kind::LargeGrid;
        d.size = n;
      }
      if (d.kind == Kind::Continuous || d.kind == Kind::LargeGrid)
        relaxed_columns_.push_back(d.column);
      if (d.kind != Kind::Continuous) has_discrete_ = true;
      dims_.push_back(d);
    }
  }

  /// The local optima, best first, followed by the best sweep points: the caller takes the
  /// first one it accepts (for instance, the first that is not a duplicate).
  std::vector<ScoredPoint> run(const GpPosterior& gp, const Acquisition& acq,
                               const std::vector<Eigen::VectorXd>& warm_starts,
                               std::uint64_t seed) const {
    const auto n_params = static_cast<std::size_t>(dims_.size());
    const SobolEngine sobol(std::max<std::size_t>(n_params, 1), true, seed);
    const Eigen::MatrixXd u =
        sobol.points(0, static_cast<std::size_t>(std::max(options_.n_candidates, 1)));
    Eigen::MatrixXd cand(u.rows(), transform_.n_columns());
    for (Eigen::Index i = 0; i < u.rows(); ++i) cand.row(i) = encode_unit(u.row(i));
    const Eigen::VectorXd values = acq.evaluate(gp, cand);

    std::vector<Eigen::Index> order(static_cast<std::size_t>(values.size()));
    std::iota(order.begin(), order.end(), Eigen::Index{0});
    std::sort(order.begin(), order.end(),
              [&](Eigen::Index a, Eigen::Index b) { return values[a] > values[b]; });

    // Starts: best sweep point, warm starts, then roulette over the rest.
    std::vector<Eigen::VectorXd> starts{cand.row(order.front()).transpose()};
    for (const auto& w : warm_starts) starts.push_back(w);
    Rng rng(seed ^ 0x5EA5C4ULL);
    std::vector<double> weight(order.size());
    const double top = values[order.front()];
    for (std::size_t k = 1; k < order.size(); ++k) {
      const double v = values[order[k]];
      weight[k] = std::isfinite(v) ? std::exp(v - top) : 0.0;
    }
    while (static_cast<int>(starts.size()) < options_.n_local_search) {
      const double total = std::accumulate(weight.begin(), weight.end(), 0.0);
      if (!(total > 0.0)) break;
      double r = rng.uniform() * total;
      std::size_t k = 1;
      for (; k + 1 < weight.size() && r >= weight[k]; ++k) r -= weight[k];
      if (weight[k] <= 0.0) break;
      weight[k] = 0.0;
      starts.push_back(cand.row(order[k]).transpose());
    }

    std::vector<ScoredPoint> out;
    for (const auto& s : starts) out.push_back(local_search(gp, acq, s));
    std::sort(out.begin(), out.end(),
              [](const ScoredPoint& a, const ScoredPoint& b) { return a.value > b.value; });
    const std::size_t n_sweep = std::min<std::size_t>(order.size(), 64);
    for (std::size_t k = 0; k < n_sweep; ++k)
      out.push_back({values[order[k]], cand.row(order[k]).transpose()});
    return out;
  }

  /// The encoded row of a point of the unit cube with one coordinate per parameter: grid
  /// parameters snapped to their cell, categoricals one-hot.
  Eigen::VectorXd encode_unit(const Eigen::Ref<const Eigen::RowVectorXd>& u) const {
    Eigen::VectorXd x = Eigen::VectorXd::Zero(transform_.n_columns());
    for (std::size_t p = 0; p < dims_.size(); ++p) {
      const Dim& d = dims_[p];
      const double up = clamp_unit(u[static_cast<Eigen::Index>(p)]);
      if (d.kind == Kind::Categorical)
        x[d.column + static_cast<Eigen::Index>(from_unit(*d.distribution, up))] = 1.0;
      else if (d.kind == Kind::Continuous)
        x[d.column] = up;
      else
        x[d.column] = snap(d, up);
    }
    return x;
  }

 private:
  enum class Kind { Continuous, SmallGrid, LargeGrid, Categorical };
  struct Dim {
    Eigen::Index column;
    Eigen::Index n_columns;
    Kind kind;
    std::uint64_t size;  // number of grid values or choices
    const Distribution* distribution;
  };

  static std::uint64_t grid_size(const Distribution& dist) {
    if (const auto* i = std::get_if<IntDistribution>(&dist))
      return i->span() / static_cast<std::uint64_t>(i->step()) + 1;
    const auto& f = std::get<FloatDistribution>(dist);
    if (f.step() <= 0.0) return 0;
    return static_cast<std::uint64_t>(std::llround((f.high() - f.low()) / f.step())) + 1;
  }

  static double snap(const Dim& d, double u) {
    return to_unit(*d.distribution, from_unit(*d.distribution, u));
  }

  /// The unit coordinates of the grid values to try for discrete dimension `d` at `x`.
  std::vector<double> grid_choices(const Dim& d, double u) const {
    std::vector<double> out;
    const double internal = from_unit(*d.distribution, u);
    if (d.kind == Kind::SmallGrid) {
      for (std::uint64_t k = 0; k < d.size; ++k)
        out.push_back(
            to_unit(*d.distribution, from_unit(*d.distribution, (static_cast<double>(k) + 0.5) /
                                                                    static_cast<double>(d.size))));
      return out;
    }
    const NumericRange r = numeric_range(*d.distribution);
    for (int k = -options_.grid_window; k <= options_.grid_window; ++k) {
      const double v = internal + k * r.step;
      if (v < r.low || v > r.high) continue;
      out.push_back(to_unit(*d.distribution, v));
    }
    return out;
  }

  ScoredPoint local_search(const GpPosterior& gp, const Acquisition& acq, Eigen::VectorXd x) const {
    const auto nr = static_cast<Eigen::Index>(relaxed_columns_.size());
    double best = acq.evaluate(gp, x.transpose())[0];
    for (int round = 0; round < options_.max_rounds; ++round) {
      bool changed = false;
      if (nr > 0) {
        // Preconditioned by the lengthscales, as Optuna does: z_k = x_k / l_k on [0, 1 / l_k],
        // so that every coordinate has the same curvature scale.
        Eigen::VectorXd scale(nr), z(nr);
        for (Eigen::Index k = 0; k < nr; ++k) {
          const Eigen::Index j = relaxed_columns_[static_cast<std::size_t>(k)];
          scale[k] = std::sqrt(std::max(gp.weights()[j], 1e-12));
          z[k] = x[j] * scale[k];
        }
        Eigen::VectorXd full = x, d_full;
        auto f = [&](const Eigen::VectorXd& zz, Eigen::VectorXd& grad) {
          for (Eigen::Index k = 0; k < nr; ++k)
            full[relaxed_columns_[static_cast<std::size_t>(k)]] = zz[k] / scale[k];
          const double value = acq.value_and_gradient(gp, full, d_full);
          grad.resize(nr);
          for (Eigen::Index k = 0; k < nr; ++k)
            grad[k] = -d_full[relaxed_columns_[static_cast<std::size_t>(k)]] / scale[k];
          return std::isnan(value) ? std::numeric_limits<double>::infinity() : -value;
        };
        LbfgsOptions lb;
        lb.max_iterations = options_.lbfgs_max_iterations;
        lb.gradient_tolerance = options_.lbfgs_gradient_tolerance;
        const LbfgsResult r = minimize_lbfgs(f, z, Eigen::VectorXd::Zero(nr), scale, lb);
        Eigen::VectorXd next = x;
        for (Eigen::Index k = 0; k < nr; ++k)
          next[relaxed_columns_[static_cast<std::size_t>(k)]] =
              std::clamp(r.x[k] / scale[k], 0.0, 1.0);
        for (const Dim& d : dims_)
          if (d.kind == Kind::LargeGrid) next[d.column] = snap(d, next[d.column]);
        const double v = acq.evaluate(gp, next.transpose())[0];
        if (v > best) {
          changed = (next - x).cwiseAbs().maxCoeff() > 1e-12;
          best = v;
          x = next;
        }
      }
      for (const Dim& d : dims_) {
        if (d.kind == Kind::Continuous) continue;
        Eigen::MatrixXd rows;
        if (d.kind == Kind::Categorical) {
          rows = x.transpose().replicate(d.n_columns, 1);
          rows.middleCols(d.column, d.n_columns).setIdentity();
        } else {
          const std::vector<double> choices = grid_choices(d, x[d.column]);
          rows = x.transpose().replicate(static_cast<Eigen::Index>(choices.size()), 1);
          for (std::size_t k = 0; k < choices.size(); ++k)
            rows(static_cast<Eigen::Index>(k), d.column) = choices[k];
        }
        const Eigen::VectorXd v = acq.evaluate(gp, rows);
        Eigen::Index arg = 0;
        if (v.maxCoeff(&arg) > best) {
          best = v[arg];
          x = rows.row(arg).transpose();
          changed = true;
        }
      }
      if (!changed || !has_discrete_) break;
    }
    return {best, x};
  }

  const SearchSpaceTransform& transform_;
  AcquisitionSearchOptions options_;
  std::vector<Dim> dims_;
  std::vector<Eigen::Index> relaxed_columns_;
  bool has_discrete_ = false;
};

}  // namespace hpo::detail
