// SPDX-License-Identifier: MIT
#include "support/catch.hpp"

#include "hpo/detail/acquisition.hpp"

#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;
using hpo::detail::acquisition_sigma;
using hpo::detail::AcquisitionValue;
using hpo::detail::expected_improvement;
using hpo::detail::log_expected_improvement;
using hpo::detail::log_probability_of_improvement;
using hpo::detail::probability_of_improvement;
using hpo::detail::upper_confidence_bound;

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kInvSqrt2Pi = 0.3989422804014327;

/// An acquisition function of (mean, sigma) with `best` (or beta) fixed.
using Acquisition = AcquisitionValue (*)(double, double, double);

/// Checks d_mean and d_sigma of f(mean, sigma, param) against central finite differences, with
/// steps 1e-5 sigma_eff (mean) and 1e-5 sigma (sigma), to a relative 1e-6 plus the rounding
/// noise of the difference quotient (for derivatives like phi(20) that it cannot resolve).
void check_derivatives(const std::string& name, Acquisition f, double mean, double sigma,
                       double param) {
  INFO(name << " at mean = " << mean << ", sigma = " << sigma << ", param = " << param);
  const AcquisitionValue at = f(mean, sigma, param);
  REQUIRE(std::isfinite(at.d_mean));
  REQUIRE(std::isfinite(at.d_sigma));
  const double hm = 1e-5 * acquisition_sigma(sigma);
  const double fd_mean =
      (f(mean + hm, sigma, param).value - f(mean - hm, sigma, param).value) / (2.0 * hm);
  const double noise = 1e-15 * (std::fabs(at.value) + 1.0);
  CHECK_THAT(fd_mean, WithinAbs(at.d_mean, 1e-6 * std::fabs(at.d_mean) + noise / hm));
  const double hs = 1e-5 * sigma;
  const double fd_sigma =
      (f(mean, sigma + hs, param).value - f(mean, sigma - hs, param).value) / (2.0 * hs);
  CHECK_THAT(fd_sigma, WithinAbs(at.d_sigma, 1e-6 * std::fabs(at.d_sigma) + noise / hs));
}

/// h(z) = phi(z) + z Phi(z) in long double, directly (a reference for z >= -12).
long double h_long_double(long double z) {
  const long double pdf = std::exp(-z * z / 2.0L) / std::sqrt(2.0L * 3.14159265358979323846264L);
  return pdf + z * std::erfc(-z / std::sqrt(2.0L)) / 2.0L;
}

}  // namespace

TEST_CASE("the variance floor", "[detail][acquisition]") {
  CHECK(acquisition_sigma(0.0) == 1e-6);
  CHECK_THAT(acquisition_sigma(1.0), WithinRel(1.0, 1e-12));
  CHECK_THAT(acquisition_sigma(1e-3), WithinRel(1e-3, 1e-6));
}

TEST_CASE("expected_improvement values", "[detail][acquisition]") {
  SECTION("mean at the incumbent: sigma phi(0), dEI/dmean = 1/2") {
    for (double sigma : {0.1, 1.0, 7.0}) {
      const AcquisitionValue ei = expected_improvement(3.0, sigma, 3.0);
      const double s = acquisition_sigma(sigma);
      CHECK_THAT(ei.value, WithinRel(s * kInvSqrt2Pi, 1e-15));
      CHECK_THAT(ei.d_mean, WithinRel(0.5, 1e-15));
      CHECK_THAT(ei.d_sigma, WithinRel(kInvSqrt2Pi * sigma / s, 1e-15));
      // The floor changes sigma by a relative 5e-13 / sigma^2.
      CHECK_THAT(ei.value, WithinRel(sigma * kInvSqrt2Pi, 1e-12 / (sigma * sigma)));
    }
  }
  SECTION("mpmath reference values (50 digits, floor included)") {
    // mean - best = 1, sigma = 2: z = 1/2.
    const AcquisitionValue a = expected_improvement(1.0, 2.0, 0.0);
    CHECK_THAT(a.value, WithinRel(1.3955931148027000755, 1e-14));
    CHECK_THAT(a.d_mean, WithinRel(0.69146246127399109955, 1e-14));
    CHECK_THAT(a.d_sigma, WithinRel(0.35206532676426647165, 1e-14));
    // mean - best = -1, sigma = 0.5: z = -2.
    CHECK_THAT(expected_improvement(-1.0, 0.5, 0.0).value,
               WithinRel(0.0042453513084688097415, 1e-14));
  }
  SECTION("against long double sigma h(z)") {
    for (int i = -1200; i <= 3000; i += 7) {
      const double z = 0.01 * i;
      const double sigma = 0.37;
      const double s = acquisition_sigma(sigma);
      const double mean = 0.25 + z * s;
      const long double zl = (static_cast<long double>(mean) - 0.25L) / s;
      INFO("z = " << z);
      CHECK_THAT(expected_improvement(mean, sigma, 0.25).value,
                 WithinRel(static_cast<double>(s * h_long_double(zl)), 1e-13));
    }
  }
  SECTION("sigma = 0: about max(mean - best, 0), finite derivatives") {
    CHECK_THAT(expected_improvement(1.3, 0.0, 1.0).value, WithinRel(0.3, 1e-12));
    CHECK_THAT(expected_improvement(0.7, 0.0, 1.0).value, WithinAbs(0.0, 1e-300));
    CHECK_THAT(expected_improvement(1.0, 0.0, 1.0).value, WithinRel(1e-6 * kInvSqrt2Pi, 1e-15));
    for (double mean : {0.7, 1.0, 1.3}) {
      const AcquisitionValue ei = expected_improvement(mean, 0.0, 1.0);
      INFO("mean = " << mean);
      CHECK(ei.value >= 0.0);
      CHECK(std::isfinite(ei.d_mean));
      CHECK(ei.d_sigma == 0.0);
      // Continuous in sigma at 0 (sigma_eff changes by a relative 5e-7 at sigma = 1e-9).
      CHECK_THAT(expected_improvement(mean, 1e-9, 1.0).value,
                 WithinAbs(ei.value, 1e-300 + 1e-6 * ei.value));
    }
  }
}

TEST_CASE("log_expected_improvement", "[detail][acquisition]") {
  SECTION("equals log(EI) where EI is representable") {
    for (int i = -350; i <= 300; ++i) {
      const double z = 0.1 * i + 0.001;
      for (double sigma : {0.01, 1.0, 30.0}) {
        const double mean = -2.0 + z * acquisition_sigma(sigma);
        INFO("z = " << z << ", sigma = " << sigma);
        const AcquisitionValue ei = expected_improvement(mean, sigma, -2.0);
        const AcquisitionValue log_ei = log_expected_improvement(mean, sigma, -2.0);
        REQUIRE(ei.value > 0.0);
        const double expected = std::log(ei.value);
        CHECK_THAT(log_ei.value, WithinAbs(expected, 1e-13 * std::fmax(1.0, std::fabs(expected))));
        // Chain rule: d log EI = d EI / EI.
        CHECK_THAT(log_ei.d_mean, WithinRel(ei.d_mean / ei.value, 1e-12));
        CHECK_THAT(log_ei.d_sigma, WithinRel(ei.d_sigma / ei.value, 1e-12));
      }
    }
  }
  SECTION("mpmath reference: mean - best = -1, sigma = 0.01 (z = -100, EI ~ 1e-2178)") {
    CHECK_THAT(log_expected_improvement(-1.0, 0.01, 0.0).value,
               WithinRel(-5014.7346989712413817, 1e-15));
  }
  SECTION("finite and strictly increasing in mean down to z = -1e4") {
    for (double sigma : {1e-3, 1.0}) {
      double previous = -std::numeric_limits<double>::infinity();
      std::vector<double> zs;
      for (int k = 4000; k > 0; --k) zs.push_back(-std::pow(10.0, 0.001 * k));
      for (int i = -999; i <= 10000; ++i) zs.push_back(0.001 * i);
      std::size_t failures = 0;
      for (double z : zs) {
        const AcquisitionValue v = log_expected_improvement(z * sigma, sigma, 0.0);
        const bool ok = std::isfinite(v.value) && v.value > previous && v.d_mean > 0.0 &&
                        std::isfinite(v.d_mean) && v.d_sigma > 0.0 && std::isfinite(v.d_sigma);
        if (!ok) {
          ++failures;
          INFO("z = " << z << ", sigma = " << sigma << ", value = " << v.value);
          CHECK(ok);
        }
        previous = v.value;
      }
      CHECK(failures == 0);
    }
  }
  SECTION("sigma = 0 stays finite") {
    for (double mean : {-1.0, 0.0, 1.0}) {
      const AcquisitionValue v = log_expected_improvement(mean, 0.0, 0.0);
      INFO("mean = " << mean);
      CHECK(std::isfinite(v.value));
      CHECK(std::isfinite(v.d_mean));
      CHECK(v.d_sigma == 0.0);
    }
    // z = -1e6: log h ~ -5e11.
    CHECK_THAT(log_expected_improvement(-1.0, 0.0, 0.0).value, WithinRel(-5e11, 1e-9));
    CHECK_THAT(log_expected_improvement(1.0, 0.0, 0.0).value,
               WithinRel(0.0, 1e-12) || WithinAbs(0.0, 1e-11));
  }
}

TEST_CASE("probability_of_improvement and its log", "[detail][acquisition]") {
  CHECK_THAT(probability_of_improvement(2.0, 1.0, 2.0).value, WithinRel(0.5, 1e-15));
  CHECK_THAT(probability_of_improvement(2.0, 1.0, 2.0).d_mean, WithinRel(kInvSqrt2Pi, 1e-12));
  CHECK_THAT(probability_of_improvement(2.0, 1.0, 2.0).d_sigma, WithinAbs(0.0, 1e-300));
  // mpmath: mean - best = -1, sigma = 0.5 (z = -2) and sigma = 0.01 (z = -100).
  CHECK_THAT(probability_of_improvement(-1.0, 0.5, 0.0).value,
             WithinRel(0.022750131948395171066, 1e-14));
  CHECK_THAT(log_probability_of_improvement(-1.0, 0.5, 0.0).value,
             WithinRel(-3.7831843336725390867, 1e-14));
  CHECK_THAT(log_probability_of_improvement(-1.0, 0.01, 0.0).value,
             WithinRel(-5005.5241586892065882, 1e-14));

  for (int i = -300; i <= 80; ++i) {
    const double z = 0.1 * i + 0.001;
    const double sigma = 0.8;
    const double mean = 1.0 + z * acquisition_sigma(sigma);
    INFO("z = " << z);
    const AcquisitionValue pi = probability_of_improvement(mean, sigma, 1.0);
    const AcquisitionValue log_pi = log_probability_of_improvement(mean, sigma, 1.0);
    // Above z = 0, log(PI) of a PI near 1 has only an absolute accuracy.
    if (z <= 0.0) {
      CHECK_THAT(log_pi.value, WithinRel(std::log(pi.value), 1e-13));
    } else {
      CHECK_THAT(log_pi.value, WithinAbs(std::log(pi.value), 3e-16));
    }
    CHECK_THAT(log_pi.d_mean, WithinRel(pi.d_mean / pi.value, 1e-12));
    CHECK_THAT(log_pi.d_sigma,
               WithinAbs(pi.d_sigma / pi.value, 1e-12 * std::fabs(log_pi.d_sigma) + 1e-300));
  }
  // sigma = 0: a step (Phi(+-1e6)), finite log, zero d_sigma.
  CHECK(probability_of_improvement(1.5, 0.0, 1.0).value == 1.0);
  CHECK(probability_of_improvement(0.5, 0.0, 1.0).value == 0.0);
  CHECK(probability_of_improvement(1.0, 0.0, 1.0).value == 0.5);
  const AcquisitionValue tail = log_probability_of_improvement(0.0, 0.0, 1.0);
  CHECK(std::isfinite(tail.value));
  CHECK(std::isfinite(tail.d_mean));
  CHECK(tail.d_sigma == 0.0);
  // Strictly increasing in mean far into the lower tail.
  double previous = -std::numeric_limits<double>::infinity();
  for (int k = 4000; k >= -3000; --k) {
    const double z = -std::pow(10.0, 0.001 * k);
    const double value = log_probability_of_improvement(z, 1.0, 0.0).value;
    INFO("z = " << z);
    REQUIRE(std::isfinite(value));
    REQUIRE(value > previous);
    previous = value;
  }
}

TEST_CASE("acquisition derivatives against finite differences", "[detail][acquisition]") {
  const double best = 0.25;
  for (double offset : {-3.0, -1.0, -0.2, 0.0, 0.3, 2.0}) {
    for (double sigma : {1e-3, 0.1, 1.0, 3.0}) {
      const double mean = best + offset;
      check_derivatives("EI", expected_improvement, mean, sigma, best);
      check_derivatives("log EI", log_expected_improvement, mean, sigma, best);
      check_derivatives("PI", probability_of_improvement, mean, sigma, best);
      check_derivatives("log PI", log_probability_of_improvement, mean, sigma, best);
      check_derivatives("UCB", upper_confidence_bound, mean, sigma, 2.5);
    }
  }
}

TEST_CASE("upper_confidence_bound", "[detail][acquisition]") {
  const AcquisitionValue u = upper_confidence_bound(1.0, 2.0, 4.0);
  CHECK(u.value == 5.0);
  CHECK(u.d_mean == 1.0);
  CHECK(u.d_sigma == 2.0);
  CHECK(upper_confidence_bound(-1.5, 3.0, 0.0).value == -1.5);
  CHECK(upper_confidence_bound(-1.5, 0.0, 9.0).value == -1.5);
  CHECK(upper_confidence_bound(0.0, 1.0, 2.0).value == std::sqrt(2.0));
}

TEST_CASE("gp_ucb_beta follows Srinivas et al. Theorem 1", "[detail][acquisition]") {
  using hpo::detail::gp_ucb_beta;
  // 2 log(|D| t^2 pi^2 / (6 delta)) directly.
  for (double t : {1.0, 2.0, 10.0, 137.0}) {
    for (double n : {1.0, 50.0, 2048.0}) {
      for (double delta : {0.01, 0.1, 0.5}) {
        INFO("t = " << t << ", n = " << n << ", delta = " << delta);
        const double direct = 2.0 * std::log(n * t * t * kPi * kPi / (6.0 * delta));
        CHECK_THAT(gp_ucb_beta(t, n, delta), WithinRel(direct, 1e-14));
      }
    }
  }
  // |D| = 1, t = 1, delta = pi^2/6 gives log 1 = 0.
  CHECK_THAT(gp_ucb_beta(1.0, 1.0, kPi * kPi / 6.0), WithinAbs(0.0, 1e-15));
  // Grows like 4 log t: doubling t adds 4 log 2; increases with |D|, decreases with delta.
  double previous = gp_ucb_beta(1.0, 100.0, 0.1);
  for (double t = 2.0; t <= 1e6; t *= 2.0) {
    const double beta = gp_ucb_beta(t, 100.0, 0.1);
    CHECK_THAT(beta - previous, WithinRel(4.0 * std::log(2.0), 1e-12));
    previous = beta;
  }
  CHECK(gp_ucb_beta(5.0, 200.0, 0.1) > gp_ucb_beta(5.0, 100.0, 0.1));
  CHECK(gp_ucb_beta(5.0, 100.0, 0.05) > gp_ucb_beta(5.0, 100.0, 0.1));
  // No overflow for huge arguments.
  CHECK(std::isfinite(gp_ucb_beta(1e200, 1e300, 1e-10)));
}
