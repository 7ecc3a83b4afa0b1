// SPDX-License-Identifier: MIT
//
// The benchmark's test functions (bench/hpo_bench/functions.hpp): every function equals f* at
// its known minimisers, the minimisers lie in the domain, and a few other values checked by
// hand.

#include <cmath>
#include <string>
#include <vector>

#include "../../bench/hpo_bench/functions.hpp"
#include "support/catch.hpp"

namespace {

using hpo_bench::find_function;
using hpo_bench::kPi;
using hpo_bench::TestFunction;

const TestFunction& get(const std::string& name) {
  const TestFunction* f = find_function(name);
  REQUIRE(f != nullptr);
  return *f;
}

}  // namespace

TEST_CASE("hpo_bench: the registry has every function, shifted variant and the mixed one",
          "[bench]") {
  const std::vector<std::string> base{"branin", "hartmann3",  "hartmann6", "rosenbrock", "ackley",
                                      "levy",   "styblinski", "rastrigin", "griewank",   "sixhump"};
  const auto& all = hpo_bench::all_functions();
  CHECK(all.size() == 2 * base.size() + 1);
  for (const std::string& name : base) {
    CHECK(find_function(name) != nullptr);
    CHECK(find_function(name + "_shift") != nullptr);
  }
  CHECK(find_function("mixed") != nullptr);
  CHECK(find_function("nope") == nullptr);
  // Dimensions as in bench_optuna.py.
  CHECK(get("branin").dim() == 2);
  CHECK(get("hartmann3").dim() == 3);
  CHECK(get("hartmann6").dim() == 6);
  CHECK(get("rosenbrock").dim() == 4);
  CHECK(get("ackley").dim() == 5);
  CHECK(get("levy").dim() == 4);
  CHECK(get("styblinski").dim() == 4);
  CHECK(get("rastrigin").dim() == 4);
  CHECK(get("griewank").dim() == 4);
  CHECK(get("sixhump").dim() == 2);
  CHECK(get("mixed").dim() == 4);
  // Parameter names x0..x{d-1}, as the Optuna script suggests them.
  for (const TestFunction& f : all) {
    if (!f.is_continuous()) continue;
    for (std::size_t i = 0; i < f.dim(); ++i) CHECK(f.params[i].name == "x" + std::to_string(i));
  }
}

TEST_CASE("hpo_bench: every function equals f* at its known minimisers, inside its domain",
          "[bench]") {
  for (const TestFunction& f : hpo_bench::all_functions()) {
    INFO(f.name);
    REQUIRE_FALSE(f.minimizers.empty());
    for (const std::vector<double>& m : f.minimizers) {
      CHECK(f.contains(m));
      // The minimisers are exact except Hartmann's (6 digits) and Six-hump camel's (12).
      CHECK(std::abs(f(m) - f.f_star) <= 1e-10);
      CHECK(f(m) == Approx(f.f_star).margin(1e-4));
      // A nearby point is worse (a local minimum, not a saddle or a typo).
      for (std::size_t i = 0; i < f.dim(); ++i) {
        if (f.params[i].kind != hpo_bench::ParamKind::Float) continue;
        std::vector<double> y = m;
        y[i] += 1e-3;
        if (f.contains(y)) CHECK(f(y) > f.f_star);
      }
    }
  }
}

TEST_CASE("hpo_bench: the published minimisers of ALGORITHMS.md within 1e-4", "[bench]") {
  CHECK(get("hartmann3")({0.114614, 0.555649, 0.852547}) == Approx(-3.86278).margin(1e-4));
  CHECK(get("hartmann6")({0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573}) ==
        Approx(-3.32237).margin(1e-4));
  CHECK(get("sixhump")({0.0898, -0.7126}) == Approx(-1.0316284535).margin(1e-4));
  CHECK(get("sixhump")({-0.0898, 0.7126}) == Approx(-1.0316284535).margin(1e-4));
  CHECK(get("branin")({9.42478, 2.475}) == Approx(0.397887357729738).margin(1e-4));
  CHECK(get("branin").f_star == Approx(0.397887357729738).epsilon(1e-14));
  CHECK(get("styblinski").f_star == Approx(-39.16616570377142 * 4).epsilon(1e-14));
}

TEST_CASE("hpo_bench: values at other points, by hand", "[bench]") {
  // Branin at (0, 0): (-6)^2 + 10 (1 - 1/(8 pi)) + 10 = 56 - 10 / (8 pi).
  CHECK(get("branin")({0.0, 0.0}) == Approx(56.0 - 10.0 / (8.0 * kPi)).epsilon(1e-14));
  // Rosenbrock at 0: (d - 1) terms of (0 - 1)^2.
  CHECK(get("rosenbrock")({0.0, 0.0, 0.0, 0.0}) == Approx(3.0).epsilon(1e-14));
  // Rosenbrock at (2, 0, 0, 0): 100 (0 - 4)^2 + 1 + 1 + 1.
  CHECK(get("rosenbrock")({2.0, 0.0, 0.0, 0.0}) == Approx(1603.0).epsilon(1e-14));
  // Rastrigin at integer points: cos(2 pi k) = 1, so f = sum k^2.
  CHECK(get("rastrigin")({1.0, -2.0, 0.0, 3.0}) == Approx(14.0).epsilon(1e-12));
  // Rastrigin at (0.5, 0, 0, 0): 0.25 - 10 cos(pi) + 10 = 20.25.
  CHECK(get("rastrigin")({0.5, 0.0, 0.0, 0.0}) == Approx(20.25).epsilon(1e-12));
  // Ackley at (1, 1, 1, 1, 1): -20 exp(-0.2) - e + 20 + e = 20 (1 - exp(-0.2)).
  CHECK(get("ackley")({1.0, 1.0, 1.0, 1.0, 1.0}) ==
        Approx(20.0 * (1.0 - std::exp(-0.2))).epsilon(1e-12));
  // Styblinski-Tang at 0 is 0; at (1, 1, 1, 1): 0.5 * 4 * (1 - 16 + 5) = -20.
  CHECK(get("styblinski")({0.0, 0.0, 0.0, 0.0}) == 0.0);
  CHECK(get("styblinski")({1.0, 1.0, 1.0, 1.0}) == Approx(-20.0).epsilon(1e-14));
  // Levy at (-3, 1, 1, 1): w_1 = 0, so sin^2(0) + (0 - 1)^2 (1 + 10 sin^2(1)).
  const double s1 = std::sin(1.0);
  CHECK(get("levy")({-3.0, 1.0, 1.0, 1.0}) == Approx(1.0 + 10.0 * s1 * s1).epsilon(1e-12));
  // Griewank at (pi, 0, 0, 0): pi^2 / 4000 - cos(pi) + 1 = pi^2 / 4000 + 2.
  CHECK(get("griewank")({kPi, 0.0, 0.0, 0.0}) == Approx(kPi * kPi / 4000.0 + 2.0).epsilon(1e-12));
  // Six-hump camel at (1, 1): (4 - 2.1 + 1/3) + 1 + 0 = 3.2333...
  CHECK(get("sixhump")({1.0, 1.0}) == Approx(4.0 - 2.1 + 1.0 / 3.0 + 1.0).epsilon(1e-14));
  // Hartmann at the origin: -sum alpha_i exp(-sum_j A_ij P_ij^2), first term by hand.
  const double h3 = get("hartmann3")({0.0, 0.0, 0.0});
  CHECK(h3 < 0.0);
  CHECK(h3 > -(1.0 + 1.2 + 3.0 + 3.2));
}

TEST_CASE("hpo_bench: shifted variants move the box by 15 % of its width", "[bench]") {
  // As bench_optuna.py: ackley_shift, rastrigin_shift.
  const TestFunction& a = get("ackley_shift");
  for (const auto& p : a.params) {
    CHECK(p.low == -32.768 + 0.15 * 65.536);
    CHECK(p.high == 32.768 + 0.15 * 65.536);
  }
  const TestFunction& r = get("rastrigin_shift");
  for (const auto& p : r.params) {
    CHECK(p.low == -5.12 + 0.15 * 10.24);
    CHECK(p.high == 5.12 + 0.15 * 10.24);
  }
  // hartmann3_shift moves its first coordinate down, the others up.
  const TestFunction& h = get("hartmann3_shift");
  CHECK(h.params[0].low == Approx(-0.15));
  CHECK(h.params[1].low == Approx(0.15));
  CHECK(h.params[2].high == Approx(1.15));
  // Branin keeps (pi, 2.275) and (3 pi, 2.475); (-pi, 12.275) is outside.
  CHECK(get("branin_shift").minimizers.size() == 2);
  // Off-centre: the minimiser is at least 9 % of the width away from the centre in some
  // coordinate, for every shifted function.
  for (const TestFunction& f : hpo_bench::all_functions()) {
    if (f.name.size() < 6 || f.name.substr(f.name.size() - 6) != "_shift") continue;
    INFO(f.name);
    const TestFunction& base = get(f.name.substr(0, f.name.size() - 6));
    CHECK(f.f_star == base.f_star);
    for (const std::vector<double>& m : f.minimizers) {
      double far = 0.0;
      for (std::size_t i = 0; i < f.dim(); ++i) {
        const auto& p = f.params[i];
        far = std::max(far, std::abs(m[i] - 0.5 * (p.low + p.high)) / (p.high - p.low));
      }
      CHECK(far >= 0.09);
    }
  }
}

TEST_CASE("hpo_bench: the mixed-variable function", "[bench]") {
  const TestFunction& f = get("mixed");
  CHECK_FALSE(f.is_continuous());
  CHECK(f.params[2].kind == hpo_bench::ParamKind::Int);
  CHECK(f.params[3].kind == hpo_bench::ParamKind::Categorical);
  CHECK(f.params[3].choices == std::vector<std::string>{"a", "b", "c", "d"});
  CHECK(f.f_star == 0.0);
  CHECK(f({1.5, -2.5, 3.0, 1.0}) == 0.0);
  // Other choices at their own best continuous point: g[c].
  CHECK(f({-2.0, 1.0, 3.0, 0.0}) == 1.0);
  CHECK(f({3.0, 0.0, 3.0, 2.0}) == 0.5);
  CHECK(f({0.0, 4.0, 3.0, 3.0}) == 2.0);
  // n = 5 moves the x0 optimum by 0.5 and costs (5 - 3)^2 / 2 = 2.
  CHECK(f({2.0, -2.5, 5.0, 1.0}) == 2.0);
  // By hand at (0, 0, 0, "a"): 1 + (0 + 2 + 0.75)^2 + 2 * 1 + 4.5.
  CHECK(f({0.0, 0.0, 0.0, 0.0}) == Approx(1.0 + 2.75 * 2.75 + 2.0 + 4.5).epsilon(1e-14));
  // Exhaustive over the integer and categorical values on a coarse float grid: nothing < f*.
  double lowest = 1e300;
  for (int c = 0; c < 4; ++c)
    for (int n = 0; n <= 20; ++n)
      for (double x0 = -5.0; x0 <= 5.0; x0 += 0.25)
        for (double x1 = -5.0; x1 <= 5.0; x1 += 0.25)
          lowest = std::min(lowest, f({x0, x1, static_cast<double>(n), static_cast<double>(c)}));
  CHECK(lowest == 0.0);
  CHECK(f.contains({1.5, -2.5, 3.0, 1.0}));
  CHECK_FALSE(f.contains({1.5, -2.5, 3.5, 1.0}));
  CHECK_FALSE(f.contains({1.5, -2.5, 3.0, 4.0}));
}
