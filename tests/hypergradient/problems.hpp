// SPDX-License-Identifier: MIT
#pragma once

/// Seeded test problems for the hypergradient optimizers (an ill-conditioned convex quadratic
/// and a logistic regression on a small synthetic data set), a loop that runs an optimizer on
/// them, and the central-difference check of the hypergradient.

#include <Eigen/Core>
#include <Eigen/QR>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <random>
#include <vector>

#include "hpo/errors.hpp"
#include "support/catch.hpp"

namespace hd_test {

/// Portable normal draws: raw mt19937_64 bits and Box-Muller (the std distributions differ
/// between standard libraries).
class Normal {
 public:
  explicit Normal(std::uint64_t seed) : engine_(seed) {}
  /// A uniform draw in (0, 1).
  double uniform() {
    return (static_cast<double>(engine_() >> 11) + 0.5) * (1.0 / 9007199254740992.0);
  }
  /// A standard normal draw.
  double operator()() {
    const double u1 = uniform();
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  /// A vector of n standard normal draws.
  Eigen::VectorXd vector(Eigen::Index n) {
    Eigen::VectorXd v(n);
    for (Eigen::Index i = 0; i < n; ++i) v(i) = (*this)();
    return v;
  }

 private:
  std::mt19937_64 engine_;
};

/// f(x) = 0.5 (x - x*)' A (x - x*) in 16 dimensions, A = Q diag(1, 1.6, ..., 10) Q' with Q a
/// random rotation (condition number 10), x* ~ 0.1 N(0, I), start 0: f(start) ~ 0.5, f* = 0.
/// Gradient descent with a fixed rate converges for rates below 2 / 10 = 0.2.
struct Quadratic {
  Eigen::MatrixXd a;
  Eigen::VectorXd x_star;

  explicit Quadratic(Eigen::Index dim = 16, std::uint64_t seed = 1) {
    Normal normal(seed);
    Eigen::MatrixXd m(dim, dim);
    for (Eigen::Index j = 0; j < dim; ++j) m.col(j) = normal.vector(dim);
    const Eigen::MatrixXd q = Eigen::HouseholderQR<Eigen::MatrixXd>(m).householderQ();
    const Eigen::VectorXd eig = Eigen::VectorXd::LinSpaced(dim, 1.0, 10.0);
    a = q * eig.asDiagonal() * q.transpose();
    x_star = 0.1 * normal.vector(dim);
  }
  /// f(x).
  double loss(const Eigen::VectorXd& x) const {
    const Eigen::VectorXd r = x - x_star;
    return 0.5 * r.dot(a * r);
  }
  /// grad f(x); the step number is ignored (full batch).
  Eigen::VectorXd grad(const Eigen::VectorXd& x, int /*step*/ = 0) const {
    return a * (x - x_star);
  }
  /// The starting point.
  Eigen::VectorXd start() const { return Eigen::VectorXd::Zero(x_star.size()); }
  /// The minimum value.
  double min_loss() const { return 0.0; }
};

/// L2-regularised logistic regression with a bias on 200 seeded points in 10 dimensions whose
/// features have scales from 0.3 to 3 (ill-conditioned), labels drawn from a logistic model (not
/// separable). loss() is the full-batch objective mean log(1 + exp(-y x.w)) + l2/2 |w|^2;
/// grad(w, step) is its gradient on minibatch step % batches (consecutive blocks of 200 /
/// batches points, the same every epoch), the full gradient with batches = 1.
struct LogisticRegression {
  Eigen::MatrixXd x;  // n x (d + 1), last column 1 (the bias)
  Eigen::VectorXd y;  // labels in {-1, +1}
  double l2;
  int batches;

  explicit LogisticRegression(int batches_ = 1, double l2_ = 0.01, Eigen::Index n = 200,
                              Eigen::Index d = 10, std::uint64_t seed = 2)
      : l2(l2_), batches(batches_) {
    Normal normal(seed);
    x.resize(n, d + 1);
    const Eigen::VectorXd scale = Eigen::VectorXd::LinSpaced(d, 0.3, 3.0);
    for (Eigen::Index i = 0; i < n; ++i) {
      x.row(i).head(d) = normal.vector(d).cwiseProduct(scale).transpose();
      x(i, d) = 1.0;
    }
    const Eigen::VectorXd w_true = normal.vector(d + 1);
    y.resize(n);
    for (Eigen::Index i = 0; i < n; ++i) {
      const double p = 1.0 / (1.0 + std::exp(-x.row(i).dot(w_true)));
      y(i) = normal.uniform() < p ? 1.0 : -1.0;
    }
  }
  /// The full-batch objective.
  double loss(const Eigen::VectorXd& w) const {
    const Eigen::ArrayXd margin = y.array() * (x * w).array();
    // log(1 + exp(-m)), stable for both signs of m.
    const Eigen::ArrayXd l = (-margin).max(0.0) + (-margin.abs()).exp().log1p();
    return l.mean() + 0.5 * l2 * w.squaredNorm();
  }
  /// The gradient on minibatch step % batches.
  Eigen::VectorXd grad(const Eigen::VectorXd& w, int step = 0) const {
    const Eigen::Index size = x.rows() / batches;
    const Eigen::Index first = (step % batches) * size;
    const auto xb = x.middleRows(first, size);
    const Eigen::ArrayXd margin = y.segment(first, size).array() * (xb * w).array();
    // d/dm log(1 + exp(-m)) = -1 / (1 + exp(m))
    const Eigen::VectorXd coef = (-y.segment(first, size).array() / (1.0 + margin.exp())).matrix();
    return xb.transpose() * coef / static_cast<double>(size) + l2 * w;
  }
  /// The starting point.
  Eigen::VectorXd start() const { return Eigen::VectorXd::Zero(x.cols()); }
};

/// What run() records.
struct Run {
  double loss = 0.0;        ///< loss after the last step; +inf if the run diverged
  std::vector<double> lrs;  ///< lr() after each step
  Eigen::VectorXd x;        ///< final parameters
};

/// Runs `steps` steps of `opt` on `problem` from its start. A run that diverges (a gradient
/// that is no longer finite, or the optimizer throwing hpo::Error because its rate did) stops
/// early and reports an infinite loss.
template <class Optimizer, class Problem>
Run run(Optimizer& opt, const Problem& problem, int steps) {
  Run r;
  r.x = problem.start();
  for (int t = 0; t < steps; ++t) {
    const Eigen::VectorXd g = problem.grad(r.x, t);
    if (!g.allFinite()) {
      r.loss = HUGE_VAL;
      return r;
    }
    try {
      opt.step(r.x, g);
    } catch (const hpo::Error&) {
      r.loss = HUGE_VAL;
      return r;
    }
    r.lrs.push_back(opt.lr());
  }
  const double loss = problem.loss(r.x);
  r.loss = std::isfinite(loss) ? loss : HUGE_VAL;
  return r;
}

/// The fixed rate (hypergrad_lr = 0) among 10^(k/20), k = -80..40 (1e-4 to 100), with the
/// lowest loss after `steps` steps. `make(lr, hypergrad_lr)` builds the optimizer.
template <class Make, class Problem>
double best_fixed_lr(const Make& make, const Problem& problem, int steps) {
  double best_loss = HUGE_VAL;
  double best_lr = 0.0;
  for (int k = -80; k <= 40; ++k) {
    const double lr = std::pow(10.0, k / 20.0);
    auto opt = make(lr, 0.0);
    const double loss = run(opt, problem, steps).loss;
    if (loss < best_loss) {
      best_loss = loss;
      best_lr = lr;
    }
  }
  return best_lr;
}

/// The minimum of problem.loss(), by 3000 full-batch steps of gradient descent with Nesterov
/// momentum 0.9 and rate 0.5 (the gradient norm ends below 1e-14 on the default problem).
inline double logistic_min_loss(LogisticRegression problem) {
  problem.batches = 1;
  Eigen::VectorXd w = problem.start();
  Eigen::VectorXd b = Eigen::VectorXd::Zero(w.size());
  for (int t = 0; t < 3000; ++t) {
    const Eigen::VectorXd g = problem.grad(w);
    b = 0.9 * b + g;
    w -= 0.5 * (g + 0.9 * b);
  }
  return problem.loss(w);
}

/// The result of hypergradient_check().
struct HypergradientCheck {
  double reported = 0.0;           ///< opt.hypergradient() after step t + 1
  double finite_difference = 0.0;  ///< (f(theta_t(alpha_t + e)) - f(theta_t(alpha_t - e))) / 2e
  double alpha = 0.0;              ///< alpha_t
  double shift_up = 0.0;           ///< the rate of the re-run step minus alpha_t (should be e)
  double shift_down = 0.0;         ///< alpha_t minus the rate of the other re-run (also e)
};

/// Runs `t + 1` steps of `opt` on `problem` (with loss f, whose gradient the optimizer sees plus
/// wd * theta: f_total = f + wd/2 |theta|^2), and compares the hypergradient reported by step
/// t + 1, which should be d f_total(theta_t) / d alpha_t, with central differences: step t is
/// re-run from a copy of the optimizer and parameters taken before it, with the rate it uses
/// moved by +-e (set_lr(lr() +- e) before the step moves alpha_t by +-e, since the hypergradient
/// of step t does not depend on the rate it starts from). Needs t >= 1 and no clipping there.
template <class Optimizer, class Problem>
HypergradientCheck hypergradient_check(Optimizer opt, const Problem& problem, int t, double wd,
                                       double rel_eps = 1e-5) {
  const auto f_total = [&](const Eigen::VectorXd& theta) {
    return problem.loss(theta) + 0.5 * wd * theta.squaredNorm();
  };
  Eigen::VectorXd x = problem.start();
  for (int s = 1; s < t; ++s) opt.step(x, problem.grad(x, s - 1));
  const Optimizer before = opt;  // state after t - 1 steps
  const Eigen::VectorXd x_before = x;
  const Eigen::VectorXd g_t = problem.grad(x_before, t - 1);
  opt.step(x, g_t);  // step t, with rate alpha_t = opt.lr()
  const double alpha_t = opt.lr();
  const double e = rel_eps * alpha_t;
  double f[2];
  double alpha[2];
  for (int side = 0; side < 2; ++side) {
    Optimizer moved = before;
    moved.set_lr(before.lr() + (side == 0 ? e : -e));
    Eigen::VectorXd xm = x_before;
    moved.step(xm, g_t);
    f[side] = f_total(xm);
    alpha[side] = moved.lr();  // alpha_t +- e, up to rounding
  }
  opt.step(x, problem.grad(x, t));  // step t + 1 computes h_{t+1}
  return {opt.hypergradient(), (f[0] - f[1]) / (alpha[0] - alpha[1]), alpha_t, alpha[0] - alpha_t,
          alpha_t - alpha[1]};
}

/// max over lrs[first, last) of lr.
inline double max_lr(const std::vector<double>& lrs, std::size_t first, std::size_t last) {
  return *std::max_element(lrs.begin() + static_cast<std::ptrdiff_t>(first),
                           lrs.begin() + static_cast<std::ptrdiff_t>(last));
}

/// (max - min) / |final| of the rate over the last 20 % of the steps.
inline double last_fifth_relative_change(const std::vector<double>& lrs) {
  const auto first = lrs.begin() + static_cast<std::ptrdiff_t>(lrs.size() * 4 / 5);
  const auto [lo, hi] = std::minmax_element(first, lrs.end());
  return (*hi - *lo) / std::abs(lrs.back());
}

/// On logistic regression, from alpha_0 = 0.1 and 10 times the best fixed rate: with each of
/// `betas` the optimizer made by make(lr, beta) ends below the fixed rate (beta 0), and with
/// `beta_mid` it also closes all but `fraction` of the fixed rate's distance to the minimum.
template <class Make>
void check_beats_fixed_rate(Make make, const LogisticRegression& problem, int steps,
                            std::initializer_list<double> betas, double beta_mid, double fraction) {
  const double f_min = logistic_min_loss(problem);
  const double good = best_fixed_lr(make, problem, steps);
  for (double factor : {0.1, 10.0}) {
    auto plain_opt = make(factor * good, 0.0);
    const double plain = run(plain_opt, problem, steps).loss;
    for (double beta : betas) {
      INFO("alpha_0 = " << factor << " x " << good << ", hypergrad_lr = " << beta);
      auto opt = make(factor * good, beta);
      REQUIRE(run(opt, problem, steps).loss < plain);
    }
    auto opt = make(factor * good, beta_mid);
    INFO("alpha_0 = " << factor << " x " << good << ", hypergrad_lr = " << beta_mid);
    REQUIRE(run(opt, problem, steps).loss - f_min < fraction * (plain - f_min));
  }
}

}  // namespace hd_test
