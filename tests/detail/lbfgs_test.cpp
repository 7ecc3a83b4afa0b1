// SPDX-License-Identifier: MIT
#include "support/catch.hpp"

#include <Eigen/Core>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <string>

#include <hpo/detail/lbfgs.hpp>
#include <hpo/errors.hpp>

using Eigen::Index;
using Eigen::VectorXd;
using hpo::detail::LbfgsOptions;
using hpo::detail::LbfgsStatus;
using hpo::detail::minimize_lbfgs;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// sum_i 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2, minimum 0 at (1, ..., 1).
double rosenbrock(const VectorXd& x, VectorXd& g) {
  g.setZero(x.size());
  double f = 0.0;
  for (Index i = 0; i + 1 < x.size(); ++i) {
    const double a = x(i + 1) - x(i) * x(i);
    const double b = 1.0 - x(i);
    f += 100.0 * a * a + b * b;
    g(i) += -400.0 * x(i) * a - 2.0 * b;
    g(i + 1) += 200.0 * a;
  }
  return f;
}

// The standard start (-1.2, 1, -1.2, 1, ...).
VectorXd rosenbrock_start(Index n) {
  VectorXd x(n);
  for (Index i = 0; i < n; ++i) x(i) = i % 2 == 0 ? -1.2 : 1.0;
  return x;
}

// The vector of `v` (comma initializers trip GCC 12's -Wmaybe-uninitialized above -O0).
VectorXd values(std::initializer_list<double> v) {
  VectorXd x(static_cast<Index>(v.size()));
  Index i = 0;
  for (double e : v) x(i++) = e;
  return x;
}

VectorXd constant(Index n, double v) {
  return VectorXd::Constant(n, v);
}

// 1/2 (x - c)' A (x - c) for a fixed symmetric positive definite, non-diagonal A.
struct Quadratic {
  Eigen::MatrixXd a;
  VectorXd c;
  double operator()(const VectorXd& x, VectorXd& g) const {
    const VectorXd r = x - c;
    g = a * r;
    return 0.5 * r.dot(g);
  }
};

Quadratic make_quadratic(const VectorXd& c) {
  const Index n = c.size();
  Eigen::MatrixXd b(n, n);
  for (Index i = 0; i < n; ++i)
    for (Index j = 0; j < n; ++j) b(i, j) = std::sin(static_cast<double>(3 * i + 7 * j + 1));
  return {b * b.transpose() + Eigen::MatrixXd::Identity(n, n), c};
}

// First-order optimality over the box: at a lower bound the gradient is >= 0, at an upper
// bound <= 0, elsewhere ~0.
void check_kkt(const VectorXd& x, const VectorXd& g, const VectorXd& lower, const VectorXd& upper,
               double tol) {
  for (Index i = 0; i < x.size(); ++i) {
    INFO("i = " << i << ", x = " << x(i) << ", g = " << g(i));
    CHECK(x(i) >= lower(i));
    CHECK(x(i) <= upper(i));
    if (x(i) == lower(i) && x(i) == upper(i)) continue;
    if (x(i) == lower(i)) {
      CHECK(g(i) >= -tol);
    } else if (x(i) == upper(i)) {
      CHECK(g(i) <= tol);
    } else {
      CHECK(std::fabs(g(i)) <= tol);
    }
  }
}

}  // namespace

TEST_CASE("unconstrained Rosenbrock reaches (1, ..., 1)", "[detail][lbfgs]") {
  for (Index n : {Index{2}, Index{10}}) {
    INFO("n = " << n);
    LbfgsOptions options;
    options.gradient_tolerance = 1e-9;
    const auto r = minimize_lbfgs(rosenbrock, rosenbrock_start(n), constant(n, -kInf),
                                  constant(n, kInf), options);
    CHECK(r.converged());
    CHECK(r.iterations < 200);
    CHECK((r.x - constant(n, 1.0)).lpNorm<Eigen::Infinity>() < 1e-5);
    CHECK(r.value < 1e-10);
    VectorXd g;
    CHECK(rosenbrock(r.x, g) == r.value);
    CHECK(g == r.gradient);
  }
}

TEST_CASE("Rosenbrock with a bound cutting off the minimum", "[detail][lbfgs]") {
  // x_0 <= 0.5: the minimum over the box is at x_0 = 0.5, x_1 = 0.25 (a = 0, b minimal).
  const VectorXd lower = constant(2, -kInf);
  const VectorXd upper = values({0.5, kInf});
  const auto r = minimize_lbfgs(rosenbrock, rosenbrock_start(2), lower, upper);
  CHECK(r.converged());
  CHECK(r.x(0) == 0.5);
  CHECK(r.x(1) == Approx(0.25).margin(1e-6));
  check_kkt(r.x, r.gradient, lower, upper, 1e-5);
}

TEST_CASE("a separable quadratic with the optimum outside the box ends at its projection",
          "[detail][lbfgs]") {
  const VectorXd c = values({-2.0, 0.3, 5.0, 0.7});
  const VectorXd w = values({1.0, 10.0, 0.1, 100.0});
  const auto f = [&](const VectorXd& x, VectorXd& g) {
    g = (w.array() * (x - c).array()).matrix();
    return 0.5 * (x - c).dot(g);
  };
  const VectorXd lower = constant(4, 0.0), upper = constant(4, 1.0);
  const auto r = minimize_lbfgs(f, constant(4, 0.5), lower, upper);
  CHECK(r.converged());
  CHECK(r.x(0) == 0.0);
  CHECK(r.x(1) == Approx(0.3).margin(1e-6));
  CHECK(r.x(2) == 1.0);
  CHECK(r.x(3) == Approx(0.7).margin(1e-6));
  check_kkt(r.x, r.gradient, lower, upper, 1e-5);
}

TEST_CASE("a coupled quadratic over a box satisfies the KKT conditions", "[detail][lbfgs]") {
  const Index n = 8;
  VectorXd c(n);
  for (Index i = 0; i < n; ++i) c(i) = 3.0 * std::cos(static_cast<double>(i));  // in [-3, 3]
  const Quadratic f = make_quadratic(c);
  const VectorXd lower = constant(n, -1.0), upper = constant(n, 1.0);
  for (const double start : {-1.0, 0.0, 0.9, 7.0}) {
    INFO("start = " << start);
    const auto r = minimize_lbfgs(f, constant(n, start), lower, upper);
    CHECK(r.converged());
    check_kkt(r.x, r.gradient, lower, upper, 1e-4);
    // Some bounds are active, or the problem would not test anything.
    CHECK(((r.x.array() == -1.0) || (r.x.array() == 1.0)).count() > 0);
  }
}

TEST_CASE("variables with lower == upper stay pinned", "[detail][lbfgs]") {
  // f = (x0 - 2)^2 + (x1 - 3)^2 + x0 x1 + (x2 + 1)^2 with x1 pinned at 0.5:
  // x0 = 2 - x1 / 2 = 1.75, x2 = -1.
  const auto f = [](const VectorXd& x, VectorXd& g) {
    g.resize(3);
    g << 2.0 * (x(0) - 2.0) + x(1), 2.0 * (x(1) - 3.0) + x(0), 2.0 * (x(2) + 1.0);
    return (x(0) - 2.0) * (x(0) - 2.0) + (x(1) - 3.0) * (x(1) - 3.0) + x(0) * x(1) +
           (x(2) + 1.0) * (x(2) + 1.0);
  };
  const VectorXd lower = values({-5.0, 0.5, -kInf});
  const VectorXd upper = values({5.0, 0.5, kInf});
  const auto r = minimize_lbfgs(f, VectorXd::Zero(3), lower, upper);
  CHECK(r.converged());
  CHECK(r.x(0) == Approx(1.75).margin(1e-6));
  CHECK(r.x(1) == 0.5);
  CHECK(r.x(2) == Approx(-1.0).margin(1e-6));
}

TEST_CASE("one-sided infinite bounds", "[detail][lbfgs]") {
  // Minimum of the coupled quadratic at c; x_0 >= 2 (lower only) and x_1 <= -2 (upper only)
  // cut it off, x_2 is unbounded.
  const VectorXd c = values({0.0, 0.0, 0.0});
  const Quadratic f = make_quadratic(c);
  const VectorXd lower = values({2.0, -kInf, -kInf});
  const VectorXd upper = values({kInf, -2.0, kInf});
  const auto r = minimize_lbfgs(f, constant(3, 10.0), lower, upper);
  CHECK(r.converged());
  check_kkt(r.x, r.gradient, lower, upper, 1e-5);
  CHECK(r.x.allFinite());
}

TEST_CASE("+inf and NaN values mark an infeasible region", "[detail][lbfgs]") {
  SECTION("log barrier: the minimum inside the finite region is found") {
    // f = sum x_i^2 - log(x_i - 1/2), +inf for x_i <= 1/2; minimum at x_i = 1.
    const auto f = [](const VectorXd& x, VectorXd& g) {
      g = (2.0 * x.array() - 1.0 / (x.array() - 0.5)).matrix();
      if ((x.array() <= 0.5).any()) return kInf;
      return x.squaredNorm() - (x.array() - 0.5).log().sum();
    };
    for (const double start : {0.5001, 0.6, 20.0}) {
      INFO("start = " << start);
      const auto r = minimize_lbfgs(f, constant(3, start), constant(3, -kInf), constant(3, kInf));
      CHECK(r.converged());
      CHECK(std::isfinite(r.value));
      CHECK((r.x - constant(3, 1.0)).lpNorm<Eigen::Infinity>() < 1e-5);
    }
  }
  SECTION("NaN below 1/2: the result stays finite and at least as good as the start") {
    // The quadratic pulls towards 0.2, where f is NaN.
    const auto f = [](const VectorXd& x, VectorXd& g) {
      g = 2.0 * (x - constant(x.size(), 0.2));
      if ((x.array() < 0.5).any()) return kNaN;
      return (x - constant(x.size(), 0.2)).squaredNorm();
    };
    VectorXd g0;
    const VectorXd x0 = values({0.9, 3.0});
    const double f0 = f(x0, g0);
    const auto r = minimize_lbfgs(f, x0, constant(2, -kInf), constant(2, kInf));
    CHECK(std::isfinite(r.value));
    CHECK(r.value < f0);
    CHECK((r.x.array() >= 0.5).all());
    // Stuck where x_0 reaches 1/2: every step along the gradient leaves the region. That edge is
    // not a bound, so it is not handled like one; the point is only that nothing breaks.
    CHECK(r.x(0) == Approx(0.5).margin(1e-3));
  }
  SECTION("a non-finite start returns at once") {
    const auto f = [](const VectorXd& x, VectorXd& g) {
      g = x;
      return x(0) < 0.5 ? kNaN : x.squaredNorm();
    };
    // x0 = (-3, 0.2) is projected to (0, 0.2) first, where f is NaN.
    const auto r = minimize_lbfgs(f, values({-3.0, 0.2}), constant(2, 0.0), constant(2, 1.0));
    CHECK(r.status == LbfgsStatus::NonFiniteStart);
    CHECK_FALSE(r.converged());
    CHECK(r.x == values({0.0, 0.2}));
    CHECK(std::isnan(r.value));
    CHECK(r.evaluations == 1);
    CHECK(r.iterations == 0);

    const auto inf_start = minimize_lbfgs(
        [](const VectorXd& x, VectorXd& g) {
          g = x;
          return kInf;
        },
        VectorXd::Zero(2), constant(2, -1.0), constant(2, 1.0));
    CHECK(inf_start.status == LbfgsStatus::NonFiniteStart);
    CHECK(inf_start.value == kInf);
  }
}

TEST_CASE("the result is never worse than the start and evaluations are counted",
          "[detail][lbfgs]") {
  int calls = 0;
  const auto counted = [&calls](const VectorXd& x, VectorXd& g) {
    ++calls;
    return rosenbrock(x, g);
  };
  const VectorXd x0 = rosenbrock_start(6);
  VectorXd g0;
  const double f0 = rosenbrock(x0, g0);

  SECTION("stopped by max_iterations") {
    LbfgsOptions options;
    options.max_iterations = 3;
    const auto r = minimize_lbfgs(counted, x0, constant(6, -kInf), constant(6, kInf), options);
    CHECK(r.status == LbfgsStatus::MaxIterations);
    CHECK_FALSE(r.converged());
    CHECK(r.iterations == 3);
    CHECK(r.value < f0);
    CHECK(r.evaluations == calls);
    CHECK(r.evaluations >= 4);
  }
  SECTION("a wrong gradient makes the line search fail at the start") {
    const auto wrong = [&](const VectorXd& x, VectorXd& g) {
      const double v = counted(x, g);
      g = -g;
      return v;
    };
    LbfgsOptions options;
    options.max_line_search = 7;
    const auto r = minimize_lbfgs(wrong, x0, constant(6, -kInf), constant(6, kInf), options);
    CHECK(r.status == LbfgsStatus::LineSearchFailed);
    CHECK(r.x == x0);
    CHECK(r.value == f0);
    CHECK(r.evaluations == calls);
    CHECK(r.evaluations == 1 + 7);
  }
  SECTION("a start already at the optimum") {
    const auto r = minimize_lbfgs(counted, constant(6, 1.0), constant(6, 0.0), constant(6, 1.0));
    CHECK(r.status == LbfgsStatus::GradientTolerance);
    CHECK(r.value == 0.0);
    CHECK(r.iterations == 0);
    CHECK(r.evaluations == 1);
    CHECK(calls == 1);
  }
}

TEST_CASE("many short runs on the unit cube stay in the box", "[detail][lbfgs]") {
  // A multimodal function, as an acquisition function would be: every run ends at a KKT point.
  const auto f = [](const VectorXd& x, VectorXd& g) {
    g = (-6.0 * (6.0 * x.array()).cos() + 2.0 * (x.array() - 0.3)).matrix();
    return -(6.0 * x.array()).sin().sum() + (x.array() - 0.3).square().sum();
  };
  const Index n = 5;
  const VectorXd lower = constant(n, 0.0), upper = constant(n, 1.0);
  for (int k = 0; k < 20; ++k) {
    VectorXd x0(n);
    for (Index i = 0; i < n; ++i) x0(i) = std::fmod(0.618034 * static_cast<double>(k * 7 + i), 1.4);
    VectorXd g0;
    const auto r = minimize_lbfgs(f, x0, lower, upper);
    INFO("run " << k);
    CHECK(r.converged());
    CHECK(r.value <= f(x0.cwiseMin(upper), g0));
    check_kkt(r.x, r.gradient, lower, upper, 1e-5);
  }
}

TEST_CASE("memory 0 is projected steepest descent", "[detail][lbfgs]") {
  const Quadratic f = make_quadratic(constant(3, 0.25));
  LbfgsOptions options;
  options.memory = 0;
  options.max_iterations = 5000;
  const auto r = minimize_lbfgs(f, constant(3, 1.0), constant(3, 0.0), constant(3, 1.0), options);
  CHECK(r.converged());
  CHECK((r.x - constant(3, 0.25)).lpNorm<Eigen::Infinity>() < 1e-4);
}

TEST_CASE("minimize_lbfgs rejects inconsistent arguments", "[detail][lbfgs]") {
  const auto f = [](const VectorXd& x, VectorXd& g) {
    g = x;
    return 0.5 * x.squaredNorm();
  };
  const VectorXd z2 = VectorXd::Zero(2), one2 = constant(2, 1.0);
  using Catch::Matchers::StartsWith;
  CHECK_THROWS_AS(minimize_lbfgs(f, VectorXd::Zero(3), z2, one2), hpo::InvalidArgument);
  CHECK_THROWS_AS(minimize_lbfgs(f, z2, VectorXd::Zero(3), one2), hpo::InvalidArgument);
  CHECK_THROWS_AS(minimize_lbfgs(f, z2, z2, constant(1, 1.0)), hpo::InvalidArgument);
  CHECK_THROWS_WITH(minimize_lbfgs(f, z2, one2, z2), StartsWith("hpo::detail::minimize_lbfgs: "));
  CHECK_THROWS_AS(minimize_lbfgs(f, z2, values({0.0, 2.0}), one2), hpo::InvalidArgument);
  CHECK_THROWS_AS(minimize_lbfgs(f, z2, values({0.0, kNaN}), one2), hpo::InvalidArgument);
  LbfgsOptions options;
  options.memory = -1;
  CHECK_THROWS_AS(minimize_lbfgs(f, z2, -one2, one2, options), hpo::InvalidArgument);
  // Equal bounds are fine, and an empty problem is trivially solved.
  CHECK(minimize_lbfgs(f, z2, one2, one2).x == one2);
  const auto empty = minimize_lbfgs(f, VectorXd(), VectorXd(), VectorXd());
  CHECK(empty.status == LbfgsStatus::GradientTolerance);
  CHECK(empty.value == 0.0);
}

TEST_CASE("a run warm-started with the curvature of a similar run needs fewer iterations",
          "[detail][lbfgs]") {
  // Two quadratics with the same badly scaled Hessian and nearby optima, as consecutive GP
  // fits are: the second run starts from the first one's optimum and its (s, y) pairs.
  VectorXd c1(6), c2(6);
  c1 << 1, -2, 0.5, 3, -1, 2;
  c2 = c1 + VectorXd::Constant(6, 0.1);
  const Quadratic q1 = make_quadratic(c1), q2 = make_quadratic(c2);
  const VectorXd lo = constant(6, -kInf), hi = constant(6, kInf);
  LbfgsOptions options;
  options.gradient_tolerance = 1e-8;
  hpo::detail::LbfgsMemory memory;
  const auto first = minimize_lbfgs(q1, constant(6, 0.0), lo, hi, options, &memory);
  REQUIRE(first.converged());
  CHECK(memory.stored > 0);
  const auto cold = minimize_lbfgs(q2, first.x, lo, hi, options);
  const auto warm = minimize_lbfgs(q2, first.x, lo, hi, options, &memory);
  REQUIRE(cold.converged());
  REQUIRE(warm.converged());
  CHECK((warm.x - c2).cwiseAbs().maxCoeff() < 1e-6);
  CHECK(warm.iterations < cold.iterations);
  // A memory of another size is ignored, not misused.
  hpo::detail::LbfgsMemory other;
  other.s = Eigen::MatrixXd::Ones(3, options.memory);
  other.y = Eigen::MatrixXd::Ones(3, options.memory);
  other.rho = VectorXd::Ones(options.memory);
  other.stored = 2;
  CHECK(minimize_lbfgs(q2, first.x, lo, hi, options, &other).converged());
  CHECK(other.s.rows() == 6);
}
