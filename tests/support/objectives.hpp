// SPDX-License-Identifier: MIT
#pragma once

/// Test objectives shared by the sampler tests, as define-by-run objectives on hpo::Trial.
/// bench/hpo_bench/functions.hpp has the same functions on plain arrays for the benchmarks;
/// these suggest their own parameters ("x", "y" for Branin, "x0".."x{d-1}" otherwise).

#include <cmath>
#include <string>

#include "hpo/trial/trial.hpp"

namespace hpo_test {

inline constexpr double kPi = 3.14159265358979323846;

/// Branin on [-5, 10] x [0, 15]; minimum kBraninMin at three points.
inline double branin(hpo::Trial& t) {
  const double x = t.suggest_float("x", -5.0, 10.0);
  const double y = t.suggest_float("y", 0.0, 15.0);
  const double b = 5.1 / (4 * kPi * kPi), c = 5 / kPi, s = 1 / (8 * kPi);
  return std::pow(y - b * x * x + c * x - 6, 2) + 10 * (1 - s) * std::cos(x) + 10;
}
inline constexpr double kBraninMin = 0.39788735772973816;

/// Hartmann 6-d on the unit cube; minimum kHartmann6Min.
inline double hartmann6(hpo::Trial& t) {
  static const double alpha[4] = {1.0, 1.2, 3.0, 3.2};
  static const double a[4][6] = {{10, 3, 17, 3.5, 1.7, 8},
                                 {0.05, 10, 17, 0.1, 8, 14},
                                 {3, 3.5, 1.7, 10, 17, 8},
                                 {17, 8, 0.05, 10, 0.1, 14}};
  static const double p[4][6] = {{0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886},
                                 {0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991},
                                 {0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650},
                                 {0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381}};
  double x[6];
  for (int j = 0; j < 6; ++j) x[j] = t.suggest_float("x" + std::to_string(j), 0.0, 1.0);
  double f = 0.0;
  for (int i = 0; i < 4; ++i) {
    double e = 0.0;
    for (int j = 0; j < 6; ++j) e += a[i][j] * (x[j] - p[i][j]) * (x[j] - p[i][j]);
    f -= alpha[i] * std::exp(-e);
  }
  return f;
}
inline constexpr double kHartmann6Min = -3.3223680114155153;

/// Rastrigin in 4 dimensions on [-5.12, 5.12]^4; minimum 0 at the origin.
inline double rastrigin4(hpo::Trial& t) {
  double f = 40.0;
  for (int j = 0; j < 4; ++j) {
    const double x = t.suggest_float("x" + std::to_string(j), -5.12, 5.12);
    f += x * x - 10.0 * std::cos(2.0 * kPi * x);
  }
  return f;
}

/// Rosenbrock on [-5, 10]^4 (as in the benchmark suite); minimum 0 at (1, 1, 1, 1).
inline double rosenbrock4(hpo::Trial& t) {
  double x[4];
  for (int i = 0; i < 4; ++i) x[i] = t.suggest_float("x" + std::to_string(i), -5.0, 10.0);
  double f = 0.0;
  for (int i = 0; i < 3; ++i)
    f += 100.0 * std::pow(x[i + 1] - x[i] * x[i], 2) + std::pow(1.0 - x[i], 2);
  return f;
}

}  // namespace hpo_test
