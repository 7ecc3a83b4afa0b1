// SPDX-License-Identifier: MIT
//
// The problems of mo_bench, the same definitions as mo_optuna.py. All objectives are minimized
// and all variables lie in [0, 1].
//
//   zdt1, zdt2, zdt3  Zitzler, Deb, Thiele (2000), n variables:
//                     f1 = x1, g = 1 + 9 (x2 + ... + xn) / (n - 1), f2 = g h(f1, g),
//                     h = 1 - sqrt(f1/g)                          (ZDT1, convex front)
//                     h = 1 - (f1/g)^2                            (ZDT2, concave front)
//                     h = 1 - sqrt(f1/g) - (f1/g) sin(10 pi f1)   (ZDT3, five pieces)
//                     The front is g = 1 (x2..xn = 0). Reference point (11, 11): f2 <= g + f1
//                     <= 11, so every point of the box counts, even at small budgets.
//   dtlz2             Deb, Thiele, Laumanns, Zitzler (2002, 2005), M = 3 objectives, k = 10,
//                     n = M + k - 1 = 12: g = sum_{i = M..n} (x_i - 0.5)^2 and
//                     f_1 = (1 + g) cos(x_1 pi/2) ... cos(x_{M-1} pi/2)
//                     f_m = (1 + g) cos(x_1 pi/2) ... cos(x_{M-m} pi/2) sin(x_{M-m+1} pi/2)
//                     f_M = (1 + g) sin(x_1 pi/2)
//                     The front is the unit sphere in the positive octant (g = 0).
//                     Reference point (1.1, 1.1, 1.1).
//   c2dtlz2           C2-DTLZ2 (Jain, Deb 2014): DTLZ2 (M = 3, k = 10) under one constraint,
//                     feasible when c <= 0, with r = 0.4:
//                     c = min( min_i [(f_i - 1)^2 + sum_{j != i} f_j^2 - r^2],
//                              sum_i (f_i - 1/sqrt(M))^2 - r^2 )
//                     (inside a ball of radius r around a corner of the front or around its
//                     centre). Reference point (1.1, 1.1, 1.1).
//
// Optimal hypervolumes at those references: ZDT1 121 - 1/3, ZDT2 121 - 2/3, DTLZ2
// 1.1^3 - pi/6 in closed form; ZDT3 and C2-DTLZ2 numerically (mo_bench --optimal-hv).

#ifndef HPO_BENCH_MO_PROBLEMS_HPP
#define HPO_BENCH_MO_PROBLEMS_HPP

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

namespace mo_bench {

inline constexpr double kPi = 3.14159265358979323846;

/// ZDT1, ZDT2 or ZDT3 (`kind` 1, 2, 3) at x[0..n-1], n >= 2: writes f[0], f[1].
inline void zdt(int kind, const double* x, std::size_t n, double* f) {
  double sum = 0.0;
  for (std::size_t i = 1; i < n; ++i) sum += x[i];
  const double f1 = x[0];
  const double g = 1.0 + 9.0 * sum / static_cast<double>(n - 1);
  const double r = f1 / g;
  double h = 0.0;
  if (kind == 1)
    h = 1.0 - std::sqrt(r);
  else if (kind == 2)
    h = 1.0 - r * r;
  else
    h = 1.0 - std::sqrt(r) - r * std::sin(10.0 * kPi * f1);
  f[0] = f1;
  f[1] = g * h;
}

/// DTLZ2 with m objectives at x[0..n-1], n >= m: writes f[0..m-1].
inline void dtlz2(const double* x, std::size_t n, std::size_t m, double* f) {
  double g = 0.0;
  for (std::size_t i = m - 1; i < n; ++i) g += (x[i] - 0.5) * (x[i] - 0.5);
  for (std::size_t k = 0; k < m; ++k) {  // objective k + 1 of the paper
    double v = 1.0 + g;
    for (std::size_t i = 0; i + 1 + k < m; ++i) v *= std::cos(0.5 * kPi * x[i]);
    if (k > 0) v *= std::sin(0.5 * kPi * x[m - 1 - k]);
    f[k] = v;
  }
}

/// Radius of C2-DTLZ2's feasible balls for 3 objectives (Jain, Deb 2014).
inline constexpr double kC2Radius = 0.4;

/// C2-DTLZ2's constraint value at the objective vector f[0..m-1]: feasible when <= 0.
inline double c2_constraint(const double* f, std::size_t m, double r = kC2Radius) {
  double sumsq = 0.0;
  for (std::size_t i = 0; i < m; ++i) sumsq += f[i] * f[i];
  double corner = INFINITY;
  for (std::size_t i = 0; i < m; ++i)
    corner = std::min(corner, (f[i] - 1.0) * (f[i] - 1.0) + (sumsq - f[i] * f[i]) - r * r);
  const double a = 1.0 / std::sqrt(static_cast<double>(m));
  double centre = -r * r;
  for (std::size_t i = 0; i < m; ++i) centre += (f[i] - a) * (f[i] - a);
  return std::min(corner, centre);
}

// Hypervolumes of the true fronts at the reference points below (see --optimal-hv).
inline constexpr double kHvZdt1 = 121.0 - 1.0 / 3.0;
inline constexpr double kHvZdt2 = 121.0 - 2.0 / 3.0;
inline constexpr double kHvZdt3 = 128.7781161307;  // 10^7-point staircase integral
inline constexpr double kHvDtlz2 = 1.331 - kPi / 6.0;
inline constexpr double kHvC2Dtlz2 = 0.7296;  // grids on the feasible sphere, +- 1e-4

/// One problem: its size, reference point, optimal hypervolume and function.
struct Problem {
  std::string name;
  std::size_t n_var = 0;
  std::size_t n_obj = 0;
  std::vector<double> reference;
  double hv_optimal = 0.0;
  bool constrained = false;
  int kind = 0;  ///< 1, 2, 3: ZDT1..3; 0: DTLZ2 (constrained or not)

  /// Writes the objectives to f[0..n_obj-1] and returns the constraint value (0 when the
  /// problem has none).
  double operator()(const double* x, double* f) const {
    if (kind > 0) {
      zdt(kind, x, n_var, f);
      return 0.0;
    }
    dtlz2(x, n_var, n_obj, f);
    return constrained ? c2_constraint(f, n_obj) : 0.0;
  }
};

/// Every problem, with ZDT's number of variables `zdt_vars` (>= 2).
inline std::vector<Problem> all_problems(std::size_t zdt_vars) {
  const std::size_t m = 3, k = 10;
  const std::vector<double> ref2{11.0, 11.0}, ref3{1.1, 1.1, 1.1};
  return {
      Problem{"zdt1", zdt_vars, 2, ref2, kHvZdt1, false, 1},
      Problem{"zdt2", zdt_vars, 2, ref2, kHvZdt2, false, 2},
      Problem{"zdt3", zdt_vars, 2, ref2, kHvZdt3, false, 3},
      Problem{"dtlz2", m + k - 1, m, ref3, kHvDtlz2, false, 0},
      Problem{"c2dtlz2", m + k - 1, m, ref3, kHvC2Dtlz2, true, 0},
  };
}

}  // namespace mo_bench

#endif  // HPO_BENCH_MO_PROBLEMS_HPP
