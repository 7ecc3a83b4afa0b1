// SPDX-License-Identifier: MIT
#include "support/catch.hpp"

#include <Eigen/Core>
#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <hpo/detail/cmaes.hpp>
#include <hpo/detail/normal.hpp>
#include <hpo/detail/rng.hpp>

namespace {

using hpo::detail::CmaEs;
using hpo::detail::CmaStop;
using hpo::detail::CmaStrategy;
using Fn = std::function<double(const Eigen::VectorXd&)>;

struct RunResult {
  double best = INFINITY;
  Eigen::VectorXd best_x;
  int evaluations = 0;
  CmaStop stop = CmaStop::None;
};

// The plain ask/tell loop: generations until `target`, a termination test or `max_evals`.
RunResult minimize(CmaEs& es, const Fn& f, double target, int max_evals, std::uint64_t seed) {
  RunResult r;
  const int lambda = es.population_size();
  while (r.evaluations + lambda <= max_evals && r.best > target) {
    Eigen::MatrixXd xs(es.dim(), lambda);
    Eigen::VectorXd values(lambda);
    for (int k = 0; k < lambda; ++k) {
      auto rng = hpo::detail::Rng::stream(seed, static_cast<std::uint64_t>(es.generation()),
                                          static_cast<std::uint64_t>(k));
      xs.col(k) = es.sample(rng);
      values[k] = f(xs.col(k));
      if (values[k] < r.best) r.best = values[k], r.best_x = xs.col(k);
    }
    r.evaluations += lambda;
    es.tell(xs, values);
    r.stop = es.stop_reason();
    if (r.stop != CmaStop::None) break;
  }
  return r;
}

double sphere(const Eigen::VectorXd& x) {
  return x.squaredNorm();
}

double rosenbrock(const Eigen::VectorXd& x) {
  const Eigen::Index n = x.size();
  const Eigen::ArrayXd head = x.head(n - 1).array(), tail = x.tail(n - 1).array();
  return (100.0 * (tail - head.square()).square() + (1.0 - head).square()).sum();
}

// Separable, condition number 1e6.
double ellipsoid(const Eigen::VectorXd& x) {
  const auto n = static_cast<double>(x.size());
  double f = 0.0;
  for (Eigen::Index i = 0; i < x.size(); ++i)
    f += std::pow(1e6, static_cast<double>(i) / (n - 1.0)) * x[i] * x[i];
  return f;
}

}  // namespace

TEST_CASE("CMA-ES strategy parameters match the formulas", "[detail][cmaes]") {
  // Values computed by hand (in double precision) from the formulas of ALGORITHMS.md 3.3.
  struct Expected {
    int n, lambda, mu;
    double mu_eff, c1, c_mu, c_sigma, d_sigma, c_c, chi_n, w1, w_last, w_neg_sum;
  };
  const Expected table[] = {
      {2, 6, 3, 2.0286114646100617, 0.1548153998964136, 0.057859085071916304, 0.44620498737831715,
       1.4462049873783172, 0.6245545390268264, 1.254272742818995, 0.6370425712412168,
       -1.1559817781589212, -2.207323654840602},
      {5, 8, 4, 2.6001788261131793, 0.047292304159400896, 0.03816916070385781, 0.3650883760934854,
       1.3650883760934853, 0.4501995579928079, 2.1285237557247996, 0.5299301844787792,
       -0.9134980955117175, -2.2390187074409784},
      {10, 10, 5, 3.1672992814107026, 0.015283824524751714, 0.02015428276120838, 0.2844285879463675,
       1.2844285879463675, 0.29499038303562225, 3.0847265651690123, 0.45627264690340597,
       -0.5862218287788354, -1.7583412769304299}};
  for (const Expected& e : table) {
    INFO("n = " << e.n);
    const CmaStrategy s = CmaStrategy::make(e.n);
    CHECK(s.lambda == e.lambda);
    CHECK(s.mu == e.mu);
    CHECK(s.mu_eff == Approx(e.mu_eff).epsilon(1e-13));
    CHECK(s.c1 == Approx(e.c1).epsilon(1e-13));
    CHECK(s.c_mu == Approx(e.c_mu).epsilon(1e-13));
    CHECK(s.c_sigma == Approx(e.c_sigma).epsilon(1e-13));
    CHECK(s.d_sigma == Approx(e.d_sigma).epsilon(1e-13));
    CHECK(s.c_c == Approx(e.c_c).epsilon(1e-13));
    CHECK(s.c_m == 1.0);
    CHECK(s.chi_n == Approx(e.chi_n).epsilon(1e-13));
    CHECK(s.weights[0] == Approx(e.w1).epsilon(1e-13));
    CHECK(s.weights[s.lambda - 1] == Approx(e.w_last).epsilon(1e-13));
    CHECK(s.weights.head(s.mu).sum() == Approx(1.0).epsilon(1e-14));
    CHECK(s.weights.tail(s.lambda - s.mu).sum() == Approx(e.w_neg_sum).epsilon(1e-13));
    // Weights decrease with the rank.
    for (int i = 1; i < s.lambda; ++i) CHECK(s.weights[i] < s.weights[i - 1]);

    // Separable: learning rates times (n + 2) / 3, no active weights.
    const CmaStrategy sep = CmaStrategy::make(e.n, 0, true);
    CHECK(sep.c1 == Approx(e.c1 * (e.n + 2) / 3.0).epsilon(1e-13));
    CHECK(sep.c_mu == Approx(std::min(1.0 - sep.c1, e.c_mu * (e.n + 2) / 3.0)).epsilon(1e-13));
    CHECK(sep.weights.tail(sep.lambda - sep.mu).cwiseAbs().maxCoeff() == 0.0);
  }
  CHECK(CmaStrategy::make(3, 20).mu == 10);
  CHECK_THROWS_AS(CmaStrategy::make(0), hpo::InvalidArgument);
  CHECK_THROWS_AS(CmaStrategy::make(3, 1), hpo::InvalidArgument);
  CHECK_THROWS_AS(CmaEs(Eigen::VectorXd::Zero(2), 0.0), hpo::InvalidArgument);
}

TEST_CASE("CMA-ES minimizes a sphere and Rosenbrock-4", "[detail][cmaes]") {
  CmaEs sphere_es(Eigen::VectorXd::Constant(5, 3.0), 1.0);
  const RunResult s = minimize(sphere_es, sphere, 1e-12, 3000, 1);
  INFO("sphere: best " << s.best << " after " << s.evaluations);
  CHECK(s.best <= 1e-12);
  CHECK(sphere_es.sigma() < 1e-4);

  for (std::uint64_t seed : {2u, 3u}) {
    CmaEs es(Eigen::VectorXd::Zero(4), 0.5);
    const RunResult r = minimize(es, rosenbrock, 1e-10, 8000, seed);
    INFO("seed " << seed << " rosenbrock: best " << r.best << " after " << r.evaluations);
    CHECK(r.best <= 1e-10);
    CHECK((r.best_x.array() - 1.0).abs().maxCoeff() < 1e-4);
  }
}

TEST_CASE("Separable CMA-ES learns a separable ill-conditioned ellipsoid faster",
          "[detail][cmaes]") {
  CmaEs sep(Eigen::VectorXd::Constant(10, 1.0), 0.5, 0, true);
  const RunResult rs = minimize(sep, ellipsoid, 1e-8, 20000, 4);
  CmaEs full(Eigen::VectorXd::Constant(10, 1.0), 0.5);
  const RunResult rf = minimize(full, ellipsoid, 1e-8, 20000, 4);
  INFO("separable " << rs.evaluations << ", full " << rf.evaluations);
  CHECK(rs.best <= 1e-8);
  CHECK(rf.best <= 1e-8);
  CHECK(rs.evaluations < rf.evaluations);
  // The learned variances follow the 1e6 condition (axis i scaled by 1e-6^(i/9), so its
  // variance by 1e-6^(2i/9) relative to axis 0); about 1e-5 across 9 axes here.
  const Eigen::VectorXd c = sep.covariance().diagonal();
  CHECK(c[9] / c[0] < 1e-3);
}

TEST_CASE("CMA-ES stops on a flat function", "[detail][cmaes]") {
  CmaEs es(Eigen::VectorXd::Constant(2, 0.5), 0.2);
  const RunResult r = minimize(
      es, [](const Eigen::VectorXd&) { return 1.0; }, -INFINITY, 10000, 5);
  CHECK(r.stop == CmaStop::TolFun);
  CHECK(std::string(hpo::detail::to_string(r.stop)) == "tolfun");
  // The history spans 10 + ceil(30 n / lambda) = 20 generations of 6.
  CHECK(es.generation() == 21);
  CHECK(r.evaluations == 21 * 6);
}

TEST_CASE("CMA-ES candidates are clipped to the unit cube and reproducible", "[detail][cmaes]") {
  CmaEs es(Eigen::VectorXd::Constant(3, 0.95), 0.5);
  for (std::uint64_t k = 0; k < 50; ++k) {
    auto a = hpo::detail::Rng::stream(9, 0, k), b = hpo::detail::Rng::stream(9, 0, k);
    const Eigen::VectorXd x = es.sample_in_unit_cube(a);
    CHECK(CmaEs::in_unit_cube(x));
    CHECK(x == es.sample_in_unit_cube(b));
  }
  CHECK_THROWS_AS(es.tell(Eigen::MatrixXd::Zero(3, 2), Eigen::VectorXd::Zero(2)),
                  hpo::InvalidArgument);
}

TEST_CASE("normal_upper_quantile inverts the normal tail", "[detail][cmaes]") {
  for (double p : {0.5, 0.3, 0.1, 1e-2, 1e-4, 1e-8, 1e-10, 1e-20}) {
    const double z = hpo::detail::normal_upper_quantile(p);
    INFO("p = " << p << ", z = " << z);
    CHECK(hpo::detail::normal_cdf(-z) == Approx(p).epsilon(1e-12));
  }
  CHECK(hpo::detail::normal_upper_quantile(0.5) == Approx(0.0).margin(1e-12));
}

TEST_CASE("The margin keeps the probability of leaving the mean's cell at alpha",
          "[detail][cmaes]") {
  using hpo::detail::normal_cdf;
  const double alpha = 0.05;
  // Coordinate 0: continuous; 1: 5 cells, mean in the inner cell [0.4, 0.6); 2: 5 cells,
  // mean in the first cell [0, 0.2).
  hpo::detail::CmaMargin margin({0, 5, 5}, alpha);
  Eigen::VectorXd mean(3);
  mean << 0.33, 0.47, 0.05;
  const double sigma = 0.01;
  const Eigen::VectorXd c = Eigen::VectorXd::Ones(3);
  margin.correct(mean, sigma, c);
  CHECK(mean[0] == 0.33);
  CHECK(margin.scale()[0] == 1.0);
  // Inner cell: alpha / 2 on each side, the mean still inside.
  const double sd1 = sigma * margin.scale()[1];
  CHECK(mean[1] > 0.4);
  CHECK(mean[1] < 0.6);
  CHECK(normal_cdf((0.4 - mean[1]) / sd1) == Approx(alpha / 2).epsilon(1e-6));
  CHECK(normal_cdf(-(0.6 - mean[1]) / sd1) == Approx(alpha / 2).epsilon(1e-6));
  // First cell: the mean moved up until crossing into the second cell has probability alpha.
  CHECK(margin.scale()[2] == 1.0);
  CHECK(normal_cdf(-(0.2 - mean[2]) / sigma) == Approx(alpha).epsilon(1e-9));

  // A wide distribution needs no correction.
  hpo::detail::CmaMargin wide({5}, alpha);
  Eigen::VectorXd m(1);
  m << 0.5;
  wide.correct(m, 0.3, Eigen::VectorXd::Ones(1));
  CHECK(m[0] == 0.5);
  CHECK(wide.scale()[0] == 1.0);
}
