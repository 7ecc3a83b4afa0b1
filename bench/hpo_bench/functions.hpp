// SPDX-License-Identifier: MIT
#pragma once

/// Test functions of the sampler benchmark (bench/hpo_bench): the standard synthetic suite of
/// ALGORITHMS.md section 8, a shifted variant of each, and one mixed-variable function.
///
/// All are minimised. Names, domains, dimensions and f* follow
/// shared/anchors/bench_optuna.py where that script has the function (branin, hartmann3,
/// hartmann6, rosenbrock 4-d, ackley 5-d, levy 4-d, styblinski 4-d, rastrigin 4-d,
/// ackley_shift, rastrigin_shift), so that hpo's CSV and Optuna's concatenate into one table.
///
/// Shifted variants, `<name>_shift`: the box moved by +15 % of its width in every dimension,
/// as bench_optuna.py does for ackley_shift and rastrigin_shift, so that an optimum at (or
/// near) the centre of the box is no longer there. The function itself is not moved, so f* is
/// unchanged; it stays attained because at least one global minimiser is still inside the box.
/// One exception: hartmann3's minimiser (0.1146, 0.5556, 0.8525) would fall out of
/// [0.15, 1.15] in the first coordinate, so hartmann3_shift moves that coordinate by -15 %
/// instead ([-0.15, 0.85] x [0.15, 1.15]^2). branin_shift keeps two of Branin's three
/// minimisers, (pi, 2.275) and (3 pi, 2.475). Outside the standard domain the formulas are
/// evaluated as they are; every function's infimum over R^d equals f* (sums of non-negative
/// terms, Branin's cos >= -1, separable Styblinski-Tang, Six-hump camel's known global minimum;
/// Hartmann: checked by multistart local search over the shifted boxes).
///
/// The mixed-variable function `mixed` has two floats x0, x1 in [-5, 5], an integer n in
/// [0, 20] and a categorical c in {"a", "b", "c", "d"}:
///
///     f = g[c] + (x0 - u[c] - (n - 3) / 4)^2 + 2 (x1 - v[c])^2 + (n - 3)^2 / 2
///     u = (-2, 1.5, 3, 0), v = (1, -2.5, 0, 4), g = (1, 0, 0.5, 2)   (for a, b, c, d)
///
/// Every term is >= 0 and g is 0 only for "b", so f* = 0 exactly, attained only at
/// (x0, x1, n, c) = (1.5, -2.5, 3, "b"): off the centre in every parameter, the categorical's
/// best choice is not its first, and the x0 optimum moves with n.
///
/// Points are passed as arrays of doubles in parameter order; an integer parameter is passed
/// as its value, a categorical one as the index of its choice.

#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hpo_bench {

/// pi to double precision.
inline constexpr double kPi = 3.14159265358979323846;

/// How a parameter is suggested.
enum class ParamKind { Float, Int, Categorical };

/// One parameter of a test function: suggested as `suggest_float(name, low, high)`,
/// `suggest_int(name, low, high)` or `suggest_categorical(name, choices)`.
struct Param {
  std::string name;
  ParamKind kind = ParamKind::Float;
  double low = 0.0;   ///< lower bound (Float, Int); 0 for Categorical
  double high = 1.0;  ///< upper bound (Float, Int); number of choices - 1 for Categorical
  std::vector<std::string> choices;  ///< Categorical only

  /// Whether `x` is a valid value (a categorical as its index).
  bool contains(double x) const {
    if (!(x >= low && x <= high)) return false;
    return kind == ParamKind::Float || x == std::floor(x);
  }
};

/// The evaluation: the point (parameter order) and its number of parameters.
using EvalFn = double (*)(const double* x, std::size_t d);

/// A test function with its domain, exact minimum and known minimisers.
struct TestFunction {
  std::string name;         ///< as in bench_optuna.py, e.g. "ackley_shift"
  std::string description;  ///< one line, for --list
  std::vector<Param> params;
  double f_star = 0.0;                          ///< exact global minimum over the domain
  std::vector<std::vector<double>> minimizers;  ///< global minimisers inside the domain
  EvalFn eval = nullptr;

  /// Number of parameters.
  std::size_t dim() const { return params.size(); }
  /// Whether every parameter is a float (the function takes a plain vector).
  bool is_continuous() const {
    for (const Param& p : params)
      if (p.kind != ParamKind::Float) return false;
    return true;
  }
  /// f(x) for x[0..dim()).
  double operator()(const double* x) const { return eval(x, params.size()); }
  /// f(x); throws std::invalid_argument if x has the wrong size.
  double operator()(const std::vector<double>& x) const {
    if (x.size() != params.size())
      throw std::invalid_argument("hpo_bench: " + name + " takes " + std::to_string(params.size()) +
                                  " values, got " + std::to_string(x.size()));
    return eval(x.data(), x.size());
  }
  /// Whether x is a point of the domain.
  bool contains(const std::vector<double>& x) const {
    if (x.size() != params.size()) return false;
    for (std::size_t i = 0; i < x.size(); ++i)
      if (!params[i].contains(x[i])) return false;
    return true;
  }
};

// ---------------------------------------------------------------------------------------------
// The formulas.

/// Branin (2-d): (x2 - b x1^2 + c x1 - r)^2 + s (1 - t) cos x1 + s.
inline double branin(const double* x, std::size_t /*d*/) {
  const double b = 5.1 / (4.0 * kPi * kPi), c = 5.0 / kPi, r = 6.0, s = 10.0;
  const double t = 1.0 / (8.0 * kPi);
  const double q = x[1] - b * x[0] * x[0] + c * x[0] - r;
  return q * q + s * (1.0 - t) * std::cos(x[0]) + s;
}

/// Hartmann function with 4 terms in d = 3 or 6: -sum_i alpha_i exp(-sum_j A_ij (x_j - P_ij)^2).
template <std::size_t D>
double hartmann(const double* x, const double (&a)[4][D], const double (&p)[4][D]) {
  constexpr double alpha[4] = {1.0, 1.2, 3.0, 3.2};
  double sum = 0.0;
  for (std::size_t i = 0; i < 4; ++i) {
    double inner = 0.0;
    for (std::size_t j = 0; j < D; ++j) {
      const double diff = x[j] - 1e-4 * p[i][j];
      inner += a[i][j] * diff * diff;
    }
    sum += alpha[i] * std::exp(-inner);
  }
  return -sum;
}

/// Hartmann-3 (3-d), the SFU / BoTorch constants.
inline double hartmann3(const double* x, std::size_t /*d*/) {
  static constexpr double a[4][3] = {
      {3.0, 10.0, 30.0}, {0.1, 10.0, 35.0}, {3.0, 10.0, 30.0}, {0.1, 10.0, 35.0}};
  static constexpr double p[4][3] = {
      {3689, 1170, 2673}, {4699, 4387, 7470}, {1091, 8732, 5547}, {381, 5743, 8828}};
  return hartmann<3>(x, a, p);
}

/// Hartmann-6 (6-d), the SFU / BoTorch constants.
inline double hartmann6(const double* x, std::size_t /*d*/) {
  static constexpr double a[4][6] = {{10.0, 3.0, 17.0, 3.5, 1.7, 8.0},
                                     {0.05, 10.0, 17.0, 0.1, 8.0, 14.0},
                                     {3.0, 3.5, 1.7, 10.0, 17.0, 8.0},
                                     {17.0, 8.0, 0.05, 10.0, 0.1, 14.0}};
  static constexpr double p[4][6] = {{1312, 1696, 5569, 124, 8283, 5886},
                                     {2329, 4135, 8307, 3736, 1004, 9991},
                                     {2348, 1451, 3522, 2883, 3047, 6650},
                                     {4047, 8828, 8732, 5743, 1091, 381}};
  return hartmann<6>(x, a, p);
}

/// Rosenbrock: sum_{i<d} 100 (x_{i+1} - x_i^2)^2 + (x_i - 1)^2.
inline double rosenbrock(const double* x, std::size_t d) {
  double sum = 0.0;
  for (std::size_t i = 0; i + 1 < d; ++i) {
    const double q = x[i + 1] - x[i] * x[i];
    sum += 100.0 * q * q + (x[i] - 1.0) * (x[i] - 1.0);
  }
  return sum;
}

/// Ackley with a = 20, b = 0.2, c = 2 pi and means over the d coordinates.
inline double ackley(const double* x, std::size_t d) {
  const double n = static_cast<double>(d);
  double s1 = 0.0, s2 = 0.0;
  for (std::size_t i = 0; i < d; ++i) {
    s1 += x[i] * x[i];
    s2 += std::cos(2.0 * kPi * x[i]);
  }
  return -20.0 * std::exp(-0.2 * std::sqrt(s1 / n)) - std::exp(s2 / n) + 20.0 + std::exp(1.0);
}

/// Levy: w_i = 1 + (x_i - 1) / 4; sin^2(pi w_1) + sum_{i<d} (w_i - 1)^2 (1 + 10 sin^2(pi w_i +
/// 1)) + (w_d - 1)^2 (1 + sin^2(2 pi w_d)).
inline double levy(const double* x, std::size_t d) {
  auto w = [&](std::size_t i) { return 1.0 + (x[i] - 1.0) / 4.0; };
  const double s0 = std::sin(kPi * w(0));
  double sum = s0 * s0;
  for (std::size_t i = 0; i + 1 < d; ++i) {
    const double wi = w(i);
    const double s = std::sin(kPi * wi + 1.0);
    sum += (wi - 1.0) * (wi - 1.0) * (1.0 + 10.0 * s * s);
  }
  const double wd = w(d - 1);
  const double sd = std::sin(2.0 * kPi * wd);
  return sum + (wd - 1.0) * (wd - 1.0) * (1.0 + sd * sd);
}

/// Styblinski-Tang: 0.5 sum (x_i^4 - 16 x_i^2 + 5 x_i).
inline double styblinski_tang(const double* x, std::size_t d) {
  double sum = 0.0;
  for (std::size_t i = 0; i < d; ++i) {
    const double x2 = x[i] * x[i];
    sum += x2 * x2 - 16.0 * x2 + 5.0 * x[i];
  }
  return 0.5 * sum;
}

/// Rastrigin: 10 d + sum (x_i^2 - 10 cos(2 pi x_i)).
inline double rastrigin(const double* x, std::size_t d) {
  double sum = 10.0 * static_cast<double>(d);
  for (std::size_t i = 0; i < d; ++i) sum += x[i] * x[i] - 10.0 * std::cos(2.0 * kPi * x[i]);
  return sum;
}

/// Griewank: sum x_i^2 / 4000 - prod cos(x_i / sqrt(i)) + 1, i = 1..d.
inline double griewank(const double* x, std::size_t d) {
  double sum = 0.0, prod = 1.0;
  for (std::size_t i = 0; i < d; ++i) {
    sum += x[i] * x[i] / 4000.0;
    prod *= std::cos(x[i] / std::sqrt(static_cast<double>(i + 1)));
  }
  return sum - prod + 1.0;
}

/// Six-hump camel (2-d): (4 - 2.1 x1^2 + x1^4 / 3) x1^2 + x1 x2 + (-4 + 4 x2^2) x2^2.
inline double six_hump_camel(const double* x, std::size_t /*d*/) {
  const double a = x[0] * x[0], b = x[1] * x[1];
  return (4.0 - 2.1 * a + a * a / 3.0) * a + x[0] * x[1] + (-4.0 + 4.0 * b) * b;
}

/// The mixed-variable function (see the file comment): x0, x1 floats, x[2] = n, x[3] = index
/// of c in {"a", "b", "c", "d"}.
inline double mixed(const double* x, std::size_t /*d*/) {
  static constexpr double u[4] = {-2.0, 1.5, 3.0, 0.0};
  static constexpr double v[4] = {1.0, -2.5, 0.0, 4.0};
  static constexpr double g[4] = {1.0, 0.0, 0.5, 2.0};
  const auto c = static_cast<std::size_t>(x[3]);
  const double n = x[2] - 3.0;
  const double q0 = x[0] - u[c] - n / 4.0;
  const double q1 = x[1] - v[c];
  return g[c] + q0 * q0 + 2.0 * q1 * q1 + n * n / 2.0;
}

// ---------------------------------------------------------------------------------------------
// Exact constants.

/// Styblinski-Tang's per-coordinate minimiser, the root of 4 x^3 - 32 x + 5 = 0 near -2.9.
inline constexpr double kStyblinskiX = -2.903534027771178;
/// Styblinski-Tang's per-coordinate minimum (f* = d times this).
inline constexpr double kStyblinskiF1 = -39.16616570377142;
/// Hartmann-3's minimum with the SFU constants (SFU rounds it to -3.86278).
inline constexpr double kHartmann3F = -3.862779787332663;
/// Hartmann-6's minimum.
inline constexpr double kHartmann6F = -3.3223680114155153;
/// Six-hump camel's minimum, at +-(0.0898420136830, -0.712656403270).
inline constexpr double kSixHumpF = -1.0316284534898774;

// ---------------------------------------------------------------------------------------------
// The registry.

/// d float parameters x0..x{d-1}, each in [low, high].
inline std::vector<Param> box(std::size_t d, double low, double high) {
  std::vector<Param> ps;
  for (std::size_t i = 0; i < d; ++i)
    ps.push_back(Param{"x" + std::to_string(i), ParamKind::Float, low, high, {}});
  return ps;
}

/// Float parameters x0, x1, ... with the given per-dimension bounds.
inline std::vector<Param> box(const std::vector<std::pair<double, double>>& bounds) {
  std::vector<Param> ps;
  for (std::size_t i = 0; i < bounds.size(); ++i)
    ps.push_back(
        Param{"x" + std::to_string(i), ParamKind::Float, bounds[i].first, bounds[i].second, {}});
  return ps;
}

/// `f` on its box moved by `fraction[i]` times the width in dimension i (+0.15 = 15 % upwards),
/// named `<name>_shift`; keeps the minimisers that are still inside.
inline TestFunction shifted(const TestFunction& f, const std::vector<double>& fraction) {
  TestFunction s = f;
  s.name = f.name + "_shift";
  s.description = f.description + ", box shifted";
  for (std::size_t i = 0; i < s.params.size(); ++i) {
    const double width = f.params[i].high - f.params[i].low;
    s.params[i].low = f.params[i].low + fraction[i] * width;
    s.params[i].high = f.params[i].high + fraction[i] * width;
  }
  s.minimizers.clear();
  for (const std::vector<double>& m : f.minimizers)
    if (s.contains(m)) s.minimizers.push_back(m);
  return s;
}

/// The standard functions, unshifted, in the order of bench_optuna.py then griewank, sixhump.
inline std::vector<TestFunction> standard_functions() {
  std::vector<TestFunction> fs;
  fs.push_back({"branin",
                "Branin 2-d",
                box({{-5.0, 10.0}, {0.0, 15.0}}),
                5.0 / (4.0 * kPi),
                {{-kPi, 12.275}, {kPi, 2.275}, {3.0 * kPi, 2.475}},
                branin});
  fs.push_back({"hartmann3",
                "Hartmann 3-d",
                box(3, 0.0, 1.0),
                kHartmann3F,
                {{0.114589, 0.555649, 0.852547}},
                hartmann3});
  fs.push_back({"hartmann6",
                "Hartmann 6-d",
                box(6, 0.0, 1.0),
                kHartmann6F,
                {{0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573}},
                hartmann6});
  fs.push_back({"rosenbrock",
                "Rosenbrock 4-d",
                box(4, -5.0, 10.0),
                0.0,
                {std::vector<double>(4, 1.0)},
                rosenbrock});
  fs.push_back({"ackley",
                "Ackley 5-d",
                box(5, -32.768, 32.768),
                0.0,
                {std::vector<double>(5, 0.0)},
                ackley});
  fs.push_back({"levy", "Levy 4-d", box(4, -10.0, 10.0), 0.0, {std::vector<double>(4, 1.0)}, levy});
  fs.push_back({"styblinski",
                "Styblinski-Tang 4-d",
                box(4, -5.0, 5.0),
                4.0 * kStyblinskiF1,
                {std::vector<double>(4, kStyblinskiX)},
                styblinski_tang});
  fs.push_back({"rastrigin",
                "Rastrigin 4-d",
                box(4, -5.12, 5.12),
                0.0,
                {std::vector<double>(4, 0.0)},
                rastrigin});
  fs.push_back({"griewank",
                "Griewank 4-d",
                box(4, -600.0, 600.0),
                0.0,
                {std::vector<double>(4, 0.0)},
                griewank});
  fs.push_back({"sixhump",
                "Six-hump camel 2-d",
                box({{-3.0, 3.0}, {-2.0, 2.0}}),
                kSixHumpF,
                {{0.0898420136830, -0.712656403270}, {-0.0898420136830, 0.712656403270}},
                six_hump_camel});
  return fs;
}

/// The mixed-variable function (see the file comment).
inline TestFunction mixed_function() {
  std::vector<Param> ps = box(2, -5.0, 5.0);
  ps.push_back(Param{"n", ParamKind::Int, 0.0, 20.0, {}});
  ps.push_back(Param{"c", ParamKind::Categorical, 0.0, 3.0, {"a", "b", "c", "d"}});
  return {"mixed", "2 floats + 1 int + 1 categorical", std::move(ps), 0.0, {{1.5, -2.5, 3.0, 1.0}},
          mixed};
}

/// Every function: the standard ones, their shifted variants, then `mixed`. This is what
/// `--functions all` runs.
inline const std::vector<TestFunction>& all_functions() {
  static const std::vector<TestFunction> fs = [] {
    std::vector<TestFunction> out = standard_functions();
    const std::size_t n = out.size();
    for (std::size_t i = 0; i < n; ++i) {
      const TestFunction& f = out[i];
      std::vector<double> fraction(f.dim(), 0.15);
      if (f.name == "hartmann3") fraction[0] = -0.15;  // +15 % would cut off the minimiser
      out.push_back(shifted(f, fraction));
    }
    out.push_back(mixed_function());
    return out;
  }();
  return fs;
}

/// The function called `name`, if any.
inline const TestFunction* find_function(std::string_view name) {
  for (const TestFunction& f : all_functions())
    if (f.name == name) return &f;
  return nullptr;
}

}  // namespace hpo_bench
