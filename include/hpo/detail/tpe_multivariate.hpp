// SPDX-License-Identifier: MIT
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <utility>
#include <variant>
#include <vector>

#include "hpo/detail/parzen_estimator.hpp"
#include "hpo/detail/rng.hpp"
#include "hpo/detail/transform.hpp"
#include "hpo/distributions.hpp"

namespace hpo::detail {

/// One parameter as TPE models it: a continuous range, a grid (int or stepped float) or a
/// categorical, with the maps between internal values and model coordinates.
struct TpeDimension {
  Distribution distribution;
  bool categorical = false;
  bool discrete = false;
  int n_choices = 0;
  NumericRange range{};

  /// The dimension of `d` (not single-valued).
  static TpeDimension of(const Distribution& d) {
    TpeDimension out{d};
    if (const auto* c = std::get_if<CategoricalDistribution>(&d)) {
      out.categorical = true;
      out.n_choices = static_cast<int>(c->size());
    } else {
      out.range = numeric_range(d);
      out.discrete = out.range.step > 0.0;
    }
    return out;
  }

  /// Internal value -> model coordinate (unit coordinate, or a categorical's index).
  double coordinate(double internal) const {
    return categorical ? internal : to_unit(distribution, internal);
  }
  /// The unit-coordinate cell [a, b] of grid value `internal`: its value -/+ step / 2.
  std::pair<double, double> cell(double internal) const {
    double a = internal - range.step / 2, b = internal + range.step / 2;
    if (range.log) a = std::log(a), b = std::log(b);
    const double w = range.hi - range.lo;
    return {clamp_unit((a - range.lo) / w), clamp_unit((b - range.lo) / w)};
  }
  /// Model coordinate -> internal value (rounded to the grid, clipped to the range).
  double internal(double coordinate) const {
    return categorical ? coordinate : from_unit(distribution, coordinate);
  }
};

/// The joint Parzen estimator of multivariate TPE: one mixture of product kernels over several
/// parameters, each observation a component with the Scott-type bandwidth in every numeric
/// dimension (Optuna 4.9's multivariate rule), plus the prior.
class MultivariateParzenEstimator {
 public:
  /// The estimator of observations `obs` (one row per trial, in trial-number order; one column
  /// per dimension, holding model coordinates: TpeDimension::coordinate). `weights`, one per
  /// observation, replace Optuna's default weights if given.
  MultivariateParzenEstimator(std::vector<TpeDimension> dims, const Eigen::MatrixXd& obs,
                              const ParzenParameters& p,
                              const Eigen::ArrayXd& weights = Eigen::ArrayXd())
      : dims_(std::move(dims)) {
    const auto m = static_cast<int>(obs.rows());
    weight_ = tpe_mixture_weights(m, p.prior_weight, weights);
    base_ = weight_.log();
    const std::size_t d = dims_.size();
    for (std::size_t j = 0; j < d; ++j) {
      const TpeDimension& dim = dims_[j];
      const auto col = static_cast<Eigen::Index>(j);
      if (dim.categorical) {
        std::vector<int> observed(static_cast<std::size_t>(m));
        for (int i = 0; i < m; ++i)
          observed[static_cast<std::size_t>(i)] = static_cast<int>(obs(i, col));
        categorical_.push_back(categorical_mixture(std::move(observed), dim.n_choices, p));
        numeric_.emplace_back();
        inv_sigma_.emplace_back();
        continue;
      }
      Eigen::ArrayXd mu(m);
      mu = obs.col(col).array();
      numeric_.push_back(scott_numeric_mixture(mu, d, p));
      inv_sigma_.push_back(numeric_.back().sigma.inverse());
      categorical_.emplace_back();
      const NumericMixture& nm = numeric_.back();
      base_ -= nm.log_z;
      if (!dim.discrete) {
        // The bandwidth is the same for every observation; the prior's is 1.
        const double log_sigma = std::log(nm.sigma[0]);
        base_.head(m) -= kLogSqrt2Pi + log_sigma;
        base_[m] -= kLogSqrt2Pi;
      }
    }
  }

  /// Number of components (observations and the prior).
  Eigen::Index size() const { return weight_.size(); }

  /// A draw from the mixture, as internal values (one per dimension).
  Eigen::VectorXd sample(Rng& rng) const {
    const Eigen::Index k = sample_index(weight_, rng);
    Eigen::VectorXd x(static_cast<Eigen::Index>(dims_.size()));
    for (std::size_t j = 0; j < dims_.size(); ++j) {
      const auto col = static_cast<Eigen::Index>(j);
      if (dims_[j].categorical)
        x[col] = categorical_[j].sample(k, rng);
      else
        x[col] = dims_[j].internal(numeric_[j].sample(k, rng));
    }
    return x;
  }

  /// log of the density (mass, on grids and categoricals) at each row of `x` (internal values).
  Eigen::VectorXd log_pdf(const Eigen::MatrixXd& x) const {
    const Eigen::Index n = x.rows();
    // One column per row of x (contiguous over the components).
    Eigen::MatrixXd acc = base_.matrix().replicate(1, n);
    for (std::size_t j = 0; j < dims_.size(); ++j) {
      const TpeDimension& dim = dims_[j];
      const auto col = static_cast<Eigen::Index>(j);
      if (dim.categorical) {
        for (Eigen::Index r = 0; r < n; ++r)
          acc.col(r) += categorical_[j].component_log_prob(static_cast<int>(x(r, col))).matrix();
      } else if (!dim.discrete) {
        const NumericMixture& nm = numeric_[j];
        const Eigen::ArrayXd& inv = inv_sigma_[j];
        for (Eigen::Index r = 0; r < n; ++r) {
          const double u = dim.coordinate(x(r, col));
          acc.col(r).array() -= 0.5 * ((u - nm.mu) * inv).square();
        }
      } else {
        add_grid_terms(numeric_[j], dim, x.col(col), acc);
      }
    }
    Eigen::VectorXd out(n);
    for (Eigen::Index r = 0; r < n; ++r) out[r] = log_sum_exp(acc.col(r).array());
    return out;
  }

 private:
  /// Adds each component's log mass of each row's grid cell (acc: components x rows), computed once
  /// per distinct (centre, bandwidth) and distinct cell: repeated grid values are common.
  static void add_grid_terms(const NumericMixture& nm, const TpeDimension& dim,
                             const Eigen::VectorXd& values, Eigen::MatrixXd& acc) {
    const Eigen::Index k = nm.size();
    std::vector<std::pair<std::pair<double, double>, Eigen::Index>> keyed(
        static_cast<std::size_t>(k));
    for (Eigen::Index i = 0; i < k; ++i)
      keyed[static_cast<std::size_t>(i)] = {{nm.mu[i], nm.sigma[i]}, i};
    std::sort(keyed.begin(), keyed.end());
    for (Eigen::Index r = 0; r < values.size(); ++r) {
      const auto [a, b] = dim.cell(values[r]);
      double term = 0.0;
      for (std::size_t i = 0; i < keyed.size(); ++i) {
        const auto& [key, comp] = keyed[i];
        if (i == 0 || key != keyed[i - 1].first)
          term = log_normal_mass((a - key.first) / key.second, (b - key.first) / key.second);
        acc(comp, r) += term;
      }
    }
  }

  std::vector<TpeDimension> dims_;
  Eigen::ArrayXd weight_;
  /// log weight plus the per-component constants of every dimension's kernel.
  Eigen::ArrayXd base_;
  std::vector<NumericMixture> numeric_;
  std::vector<Eigen::ArrayXd> inv_sigma_;
  std::vector<CategoricalMixture> categorical_;
};

}  // namespace hpo::detail
