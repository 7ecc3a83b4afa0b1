// SPDX-License-Identifier: MIT
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "hpo/errors.hpp"

namespace hpo::detail {

/// Options of minimize_lbfgs.
struct LbfgsOptions {
  /// Number of (s, y) correction pairs kept; 0 gives projected steepest descent.
  int memory = 10;
  /// Most iterations (one direction and its line search each) before giving up.
  int max_iterations = 200;
  /// Stop when the inf-norm of the projected gradient is at most this.
  double gradient_tolerance = 1e-5;
  /// Stop after a step with f_prev - f <= value_tolerance * max(|f_prev|, |f|, 1).
  double value_tolerance = 1e-12;
  /// Most trial points (the step halved each time) per line search.
  int max_line_search = 25;
};

/// Why minimize_lbfgs stopped.
enum class LbfgsStatus {
  /// The projected gradient is small: a (local) minimum over the box.
  GradientTolerance,
  /// The last step barely decreased f.
  ValueTolerance,
  /// options.max_iterations iterations were done.
  MaxIterations,
  /// No trial point along the projected gradient passed the Armijo test.
  LineSearchFailed,
  /// f or its gradient at the (projected) start is NaN or infinite.
  NonFiniteStart,
};

/// Result of minimize_lbfgs: the best point seen (never worse than the start), f there and the
/// gradient there, with counts of iterations and calls of f.
struct LbfgsResult {
  Eigen::VectorXd x;
  double value = std::numeric_limits<double>::quiet_NaN();
  Eigen::VectorXd gradient;
  int iterations = 0;
  int evaluations = 0;
  LbfgsStatus status = LbfgsStatus::MaxIterations;
  /// Whether it stopped on the gradient or the value tolerance.
  bool converged() const {
    return status == LbfgsStatus::GradientTolerance || status == LbfgsStatus::ValueTolerance;
  }
};

/// The curvature pairs of an L-BFGS run (a ring buffer), kept to warm-start a later run on a
/// similar function: a GP refitted after one more observation, for instance, starts with a good
/// inverse-Hessian model instead of a steepest-descent step.
struct LbfgsMemory {
  Eigen::MatrixXd s, y;
  Eigen::VectorXd rho;
  Eigen::Index oldest = 0, stored = 0;
};

/// Minimizes f over the box [lower, upper] (entries may be -inf / +inf) from x0, which is first
/// projected into the box. f has the signature double(const Eigen::VectorXd& x, Eigen::VectorXd&
/// grad) and must write grad (size x.size()).
///
/// Projected L-BFGS, in the style of Kim, Sra & Dhillon's projected quasi-Newton method. Each
/// iteration drops the "binding" variables (at a bound with the gradient pointing out of the box),
/// takes the L-BFGS two-loop direction on the others, and backtracks (Armijo, halving) along the
/// projected path P(x + t d). Unlike L-BFGS-B there is no generalized Cauchy point and no subspace
/// minimization: bounds are handled by the binding set and projection only. A trial point where f
/// is NaN or +inf (or its gradient is not finite) just fails the Armijo test, so f may signal
/// "infeasible" that way. When a quasi-Newton step fails, the memory is dropped and the projected
/// gradient tried; LineSearchFailed is reported only if that fails too. Only accepted steps move
/// x, so the result is the best point seen. Throws hpo::InvalidArgument if the sizes of x0, lower
/// and upper differ, some lower > upper (or is NaN), memory < 0, max_line_search < 1, or f writes
/// a gradient of the wrong size at the start. Allocates only before the iteration loop.
///
/// With `memory`, the run starts from its pairs when their sizes match (n variables, options.memory
/// pairs), and leaves its own pairs there when it ends.
template <class F>
LbfgsResult minimize_lbfgs(F&& f, Eigen::VectorXd x0, const Eigen::VectorXd& lower,
                           const Eigen::VectorXd& upper, const LbfgsOptions& options = {},
                           LbfgsMemory* memory = nullptr) {
  using Eigen::Index;
  constexpr const char* kWhere = "hpo::detail::minimize_lbfgs: ";
  const Index n = x0.size();
  if (lower.size() != n || upper.size() != n)
    throw InvalidArgument(std::string(kWhere) + "x0, lower and upper have sizes " +
                          std::to_string(n) + ", " + std::to_string(lower.size()) + " and " +
                          std::to_string(upper.size()));
  if (!(lower.array() <= upper.array()).all())
    throw InvalidArgument(std::string(kWhere) +
                          "some lower bound is above its upper bound (or NaN)");
  if (options.memory < 0 || options.max_line_search < 1)
    throw InvalidArgument(std::string(kWhere) + "memory must be >= 0 and max_line_search >= 1");

  LbfgsResult r;
  Eigen::VectorXd& x = r.x;
  Eigen::VectorXd& g = r.gradient;
  double& fx = r.value;
  x = std::move(x0);
  x = x.cwiseMax(lower).cwiseMin(upper);
  g.setZero(n);
  fx = f(x, g);
  r.evaluations = 1;
  if (g.size() != n)
    throw InvalidArgument(std::string(kWhere) + "f wrote a gradient of the wrong size");
  if (!std::isfinite(fx) || !g.allFinite()) {
    r.status = LbfgsStatus::NonFiniteStart;
    return r;
  }

  const Index m = options.memory;
  Eigen::MatrixXd s_hist(n, m), y_hist(n, m);  // pair j in column j of a ring buffer
  Eigen::VectorXd rho(m), alpha(m);
  Eigen::VectorXd d(n), x_trial(n), g_trial(n);
  Eigen::ArrayXd free(n);  // the mask M: 1 for free variables, 0 for binding ones
  Index oldest = 0, stored = 0;
  if (memory && memory->s.rows() == n && memory->s.cols() == m && memory->y.rows() == n &&
      memory->y.cols() == m && memory->rho.size() == m && memory->stored <= m &&
      memory->oldest < std::max<Index>(m, 1)) {
    s_hist = memory->s;
    y_hist = memory->y;
    rho = memory->rho;
    oldest = memory->oldest;
    stored = memory->stored;
  }

  // Updates `free` for the current x, g and returns the inf-norm of the projected gradient.
  const auto projected_gradient_norm = [&]() {
    free = 1.0 - ((x.array() <= lower.array() && g.array() > 0.0) ||
                  (x.array() >= upper.array() && g.array() < 0.0))
                     .cast<double>();
    return n == 0 ? 0.0 : (free * g.array()).abs().maxCoeff();
  };

  double pg_norm = projected_gradient_norm();
  for (;;) {
    if (pg_norm <= options.gradient_tolerance) {
      r.status = LbfgsStatus::GradientTolerance;
      break;
    }
    if (r.iterations >= options.max_iterations) {
      r.status = LbfgsStatus::MaxIterations;
      break;
    }
    ++r.iterations;

    // Two-loop recursion on the free variables: d = -M H M g, M the 0/1 mask of free variables.
    if (stored > 0) {
      d = (free * g.array()).matrix();
      for (Index k = stored - 1; k >= 0; --k) {
        const Index j = (oldest + k) % m;
        alpha(j) = rho(j) * s_hist.col(j).dot(d);
        d -= alpha(j) * y_hist.col(j);
      }
      const Index newest = (oldest + stored - 1) % m;
      d *= s_hist.col(newest).dot(y_hist.col(newest)) / y_hist.col(newest).squaredNorm();
      for (Index k = 0; k < stored; ++k) {
        const Index j = (oldest + k) % m;
        d += (alpha(j) - rho(j) * y_hist.col(j).dot(d)) * s_hist.col(j);
      }
      d = -(free * d.array()).matrix();
      // Free variables sitting at a bound must not be pushed out of the box either.
      d = ((x.array() <= lower.array() && d.array() < 0.0) ||
           (x.array() >= upper.array() && d.array() > 0.0))
              .select(0.0, d.array())
              .matrix();
      if (!(g.dot(d) < 0.0)) stored = 0;  // not a descent direction: forget the history
    }
    const bool quasi_newton = stored > 0;
    double t = 1.0;
    if (!quasi_newton) {
      d = -(free * g.array()).matrix();
      t = std::min(1.0, 1.0 / pg_norm);  // first step moves no variable by more than 1
    }

    // Backtracking Armijo search along the projected path.
    bool accepted = false;
    double f_trial = fx;
    for (int k = 0; k < options.max_line_search && !accepted; ++k, t *= 0.5) {
      x_trial = (x + t * d).cwiseMax(lower).cwiseMin(upper);
      f_trial = f(x_trial, g_trial);
      ++r.evaluations;
      const double predicted = g.dot(x_trial - x);
      accepted = std::isfinite(f_trial) && predicted < 0.0 && f_trial <= fx + 1e-4 * predicted &&
                 g_trial.allFinite();
    }
    if (!accepted) {
      if (quasi_newton) {
        stored = 0;  // retry along the projected gradient
        continue;
      }
      r.status = LbfgsStatus::LineSearchFailed;
      break;
    }

    // Keep the pair only if it satisfies the curvature condition.
    if (m > 0) {
      const double sy = (x_trial - x).dot(g_trial - g);
      if (sy > 1e-10 * (g_trial - g).squaredNorm()) {
        const Index slot = stored < m ? (oldest + stored) % m : oldest;
        s_hist.col(slot) = x_trial - x;
        y_hist.col(slot) = g_trial - g;
        rho(slot) = 1.0 / sy;
        if (stored < m) {
          ++stored;
        } else {
          oldest = (oldest + 1) % m;
        }
      }
    }
    const double f_prev = fx;
    x.swap(x_trial);
    g.swap(g_trial);
    fx = f_trial;
    pg_norm = projected_gradient_norm();
    if (pg_norm > options.gradient_tolerance &&
        f_prev - fx <=
            options.value_tolerance * std::max({std::fabs(f_prev), std::fabs(fx), 1.0})) {
      r.status = LbfgsStatus::ValueTolerance;
      break;
    }
  }
  if (memory) {
    memory->s = std::move(s_hist);
    memory->y = std::move(y_hist);
    memory->rho = std::move(rho);
    memory->oldest = oldest;
    memory->stored = stored;
  }
  return r;
}

}  // namespace hpo::detail
