// SPDX-License-Identifier: MIT
#pragma once

// The numeric pieces of HypergradientSampler: SPSA gain sequences, Rademacher directions,
// difference quotients from probe pairs, and projected Adam steps in the unit cube.

#include <Eigen/Core>
#include <cmath>

#include "hpo/detail/rng.hpp"

namespace hpo::detail {

/// Step gain of iteration k (0-based): a0 ((A + 1) / (A + k + 1))^0.602 (Spall 1998), so that
/// the first step is a0 and the gain decays as k^-0.602 once k >> A.
inline double spsa_step_gain(double a0, double stability, int k) {
  return a0 * std::pow((stability + 1.0) / (stability + 1.0 + k), 0.602);
}

/// Perturbation size of iteration k: c0 / (k + 1)^0.101 (Spall 1998).
inline double spsa_perturbation(double c0, int k) {
  return c0 / std::pow(1.0 + k, 0.101);
}

/// n independent +1/-1 entries with equal probability.
inline Eigen::VectorXd rademacher(Rng& rng, Eigen::Index n) {
  return Eigen::VectorXd::NullaryExpr(n, [&rng] { return (rng() >> 63) != 0 ? 1.0 : -1.0; });
}

/// Averages of difference quotients, coordinate by coordinate.
///
/// A probe pair at points x+ and x- with objective values y+ and y- gives, for every
/// coordinate j in `mask` where the two points differ, (y+ - y-) / (x+_j - x-_j): SPSA's
/// estimate when the points are x +/- c Delta (all coordinates), a central difference when they
/// are x +/- c e_j (one coordinate). Differences are those of the points actually evaluated, so
/// pairs clipped at the edge of the cube or moved by rounding stay consistent.
struct DifferenceQuotients {
  Eigen::VectorXd sum, count;

  explicit DifferenceQuotients(Eigen::Index n)
      : sum(Eigen::VectorXd::Zero(n)), count(Eigen::VectorXd::Zero(n)) {}

  /// Adds the pair; `mask` holds 1 for the coordinates the pair estimates, 0 elsewhere.
  void add(const Eigen::VectorXd& x_plus, double y_plus, const Eigen::VectorXd& x_minus,
           double y_minus, const Eigen::VectorXd& mask) {
    const Eigen::ArrayXd dx = (x_plus - x_minus).array();
    const Eigen::ArrayXd used = (mask.array() != 0.0 && dx.abs() > 1e-12).cast<double>();
    sum.array() += used * (y_plus - y_minus) / dx.abs().max(1e-12) * dx.sign();
    count.array() += used;
  }

  /// Whether every coordinate has at least one quotient.
  bool complete() const { return (count.array() > 0.0).all(); }

  /// The mean quotient of each coordinate (0 where there is none).
  Eigen::VectorXd mean() const {
    return (count.array() > 0.0).select(sum.array() / count.array().max(1.0), 0.0).matrix();
  }
};

/// Adam (Kingma & Ba 2015) steps projected onto the unit cube: x <- clip(x - a mhat /
/// (sqrt(vhat) + eps)), with bias-corrected moments. The normalization makes the step about `a`
/// per coordinate whatever the scale of the objective.
struct ProjectedAdam {
  Eigen::VectorXd m, v;
  int t = 0;
  double beta1, beta2, epsilon;

  ProjectedAdam(Eigen::Index n, double b1, double b2, double eps)
      : m(Eigen::VectorXd::Zero(n)),
        v(Eigen::VectorXd::Zero(n)),
        beta1(b1),
        beta2(b2),
        epsilon(eps) {}

  /// The point after one step of gain `a` from `x` along gradient `g`.
  Eigen::VectorXd step(const Eigen::VectorXd& x, const Eigen::VectorXd& g, double a) {
    ++t;
    m = beta1 * m + (1.0 - beta1) * g;
    v = beta2 * v + (1.0 - beta2) * g.cwiseAbs2();
    const double c1 = 1.0 - std::pow(beta1, t), c2 = 1.0 - std::pow(beta2, t);
    const Eigen::ArrayXd update = (m.array() / c1) / ((v.array() / c2).sqrt() + epsilon);
    return (x.array() - a * update).max(0.0).min(1.0).matrix();
  }
};

}  // namespace hpo::detail
