// SPDX-License-Identifier: MIT
#pragma once

// Two-objective test problems shared by the multi-objective sampler tests.

#include <Eigen/Core>
#include <cmath>
#include <string>
#include <vector>

#include "hpo/multi_objective/hypervolume.hpp"
#include "hpo/multi_objective/pareto.hpp"
#include "hpo/study/direction.hpp"
#include "hpo/study/study.hpp"
#include "hpo/trial/trial.hpp"

namespace hpo_test {

/// Two minimized objectives.
inline const std::vector<hpo::Direction> kMinMin{hpo::Direction::Minimize,
                                                 hpo::Direction::Minimize};

/// ZDT1 with 10 variables in [0, 1]: the Pareto front is f2 = 1 - sqrt(f1), f1 in [0, 1].
inline std::vector<double> zdt1(hpo::Trial& t) {
  double x[10];
  for (int i = 0; i < 10; ++i) x[i] = t.suggest_float("x" + std::to_string(i), 0.0, 1.0);
  double g = 0.0;
  for (int i = 1; i < 10; ++i) g += x[i];
  g = 1.0 + 9.0 * g / 9.0;
  return {x[0], g * (1.0 - std::sqrt(x[0] / g))};
}

/// Hypervolume of the study's Pareto front up to (1.1, 1.1) (0 for an empty front); the true
/// ZDT1 front's is 0.8767.
inline double zdt1_hypervolume(const hpo::Study& study) {
  std::vector<std::vector<double>> values;
  for (const auto& t : study.best_trials()) values.push_back(t.values);
  if (values.empty()) return 0.0;
  return hpo::hypervolume(hpo::to_minimization(values, kMinMin), Eigen::Vector2d(1.1, 1.1));
}

/// Minimize (x, y) on [0, 1]^2 subject to x + y >= 1: the front is the segment x + y = 1.
inline std::vector<double> segment_above_diagonal(hpo::Trial& t) {
  const double x = t.suggest_float("x", 0.0, 1.0);
  const double y = t.suggest_float("y", 0.0, 1.0);
  t.set_constraints({1.0 - x - y});
  return {x, y};
}

}  // namespace hpo_test
