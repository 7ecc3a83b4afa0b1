// SPDX-License-Identifier: MIT
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <limits>

#include "hpo/detail/gp.hpp"
#include "hpo/detail/lbfgs.hpp"

namespace hpo::detail {

/// How a GP hyperparameter fit went.
enum class GpFitStatus {
  /// L-BFGS from the warm start converged (or made progress and stopped on its limits).
  Fitted,
  /// The warm start failed; the fit from the defaults succeeded.
  FittedFromDefaults,
  /// Both fits failed: the defaults are used unfitted.
  Defaults
};

/// Options of fit_gp.
struct GpFitOptions {
  /// Lower bound of the noise variance (standardized outputs).
  double noise_floor = 1e-6;
  /// Keep the noise at the floor (deterministic objectives).
  bool fixed_noise = false;
  /// Iteration cap and gradient tolerance of L-BFGS in the raw (log) parameters.
  int max_iterations = 200;
  double gradient_tolerance = 1e-2;
  /// ... and relative decrease of the objective below which a step ends the fit.
  double value_tolerance = 1e-7;
};

/// Result of fit_gp.
struct GpFitResult {
  GpHyperparameters hyperparameters;
  /// The negative log posterior at hyperparameters (+inf for unfitted defaults that fail).
  double neg_log_posterior = std::numeric_limits<double>::infinity();
  GpFitStatus status = GpFitStatus::Defaults;
  /// L-BFGS iterations and objective evaluations, over every attempt.
  int iterations = 0;
  int evaluations = 0;
};

/// MAP fit of the kernel hyperparameters to rows `x` and standardized targets `y`, following
/// Optuna's GPSampler: L-BFGS in log space from `start` (the previous fit: a warm start), then
/// from the defaults if that fails, then the defaults unfitted. The raw parameters are kept
/// in a wide box (lengthscales 1e-3 .. 1e3 on the unit cube, sf2 1e-3 .. 1e3, noise up to 10)
/// so that a flat likelihood cannot run them to overflow.
///
/// `memory` (optional) carries the L-BFGS curvature pairs from one fit to the next, so that a
/// warm start also starts with the previous fit's curvature: this roughly halves the
/// iterations of a refit after one more observation. It is reset when the fit falls back to
/// the defaults.
inline GpFitResult fit_gp(const Eigen::MatrixXd& x, const Eigen::VectorXd& y,
                          const GpLayout& layout, const GpHyperparameters& start,
                          const GpFitOptions& options = {}, LbfgsMemory* memory = nullptr) {
  const GpNegLogPosterior objective(x, y, layout, options.noise_floor, options.fixed_noise);
  const Eigen::Index np = layout.n_params;
  Eigen::VectorXd lower(objective.size());
  Eigen::VectorXd upper(objective.size());
  lower.head(np).setConstant(std::log(1e-6));
  upper.head(np).setConstant(std::log(1e6));
  lower[np] = std::log(1e-3);
  upper[np] = std::log(1e3);
  if (!options.fixed_noise) {
    lower[np + 1] = std::log(1e-12);
    upper[np + 1] = std::log(10.0);
  }
  LbfgsOptions lb;
  lb.max_iterations = options.max_iterations;
  lb.gradient_tolerance = options.gradient_tolerance;
  lb.value_tolerance = options.value_tolerance;

  LbfgsMemory scratch;
  auto attempt = [&](const GpHyperparameters& from, GpFitStatus status, GpFitResult& out) {
    LbfgsMemory* mem = memory ? memory : &scratch;
    if (status != GpFitStatus::Fitted) *mem = LbfgsMemory{};
    const LbfgsResult r = minimize_lbfgs(objective, objective.to_raw(from), lower, upper, lb, mem);
    out.evaluations += r.evaluations;
    if (r.status == LbfgsStatus::NonFiniteStart || !std::isfinite(r.value)) return false;
    out.hyperparameters = objective.from_raw(r.x);
    out.neg_log_posterior = r.value;
    out.status = status;
    out.iterations += r.iterations;
    return true;
  };

  GpFitResult result;
  const bool warm_ok = start.inverse_squared_lengthscales.size() == np &&
                       start.inverse_squared_lengthscales.allFinite() &&
                       (start.inverse_squared_lengthscales.array() > 0.0).all() &&
                       start.signal_variance > 0.0 &&
                       (options.fixed_noise || start.noise_variance > options.noise_floor);
  GpHyperparameters defaults = GpHyperparameters::defaults(np);
  if (options.fixed_noise) defaults.noise_variance = options.noise_floor;
  if (warm_ok && attempt(start, GpFitStatus::Fitted, result)) return result;
  if (attempt(defaults, warm_ok ? GpFitStatus::FittedFromDefaults : GpFitStatus::Fitted, result))
    return result;
  result.hyperparameters = defaults;
  Eigen::VectorXd unused;
  result.neg_log_posterior = objective(objective.to_raw(defaults), unused);
  result.status = GpFitStatus::Defaults;
  return result;
}

}  // namespace hpo::detail
