// SPDX-License-Identifier: MIT
#include "support/catch.hpp"

#include "hpo/detail/normal.hpp"

#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;
using hpo::detail::d_log_h;
using hpo::detail::d_log_normal_cdf;
using hpo::detail::erfcx;
using hpo::detail::log_h;
using hpo::detail::log_normal_cdf;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

/// Central finite difference of f at z; the step shrinks like 1/z in the upper tail, where
/// log Phi behaves like -exp(-z^2/2), and grows like |z| below.
template <typename F>
double central_difference(F f, double z) {
  const double step = z > 1.0 ? 1e-5 / z : 1e-5 * std::fmax(1.0, std::fabs(z));
  return (f(z + step) - f(z - step)) / (2.0 * step);
}

/// A grid from -1e6 to 30: a few far-tail points, then 0.05 steps over [-10, 10].
std::vector<double> derivative_grid() {
  std::vector<double> grid{-1e8,   -6.7e7, -1e6,  -1e5,  -1e4,  -1e3,  -300.0,
                           -100.0, -50.0,  -38.0, -30.0, -20.0, -15.0, -12.0};
  for (int i = -200; i <= 200; ++i) grid.push_back(0.05 * i + 0.001);
  for (double z : {12.0, 15.0, 20.0, 25.0, 30.0}) grid.push_back(z);
  return grid;
}

/// h(z) = phi(z) + z Phi(z) in long double, directly (loses about 2 log10|z| of its ~19 digits
/// to cancellation for z < 0, so it is a reference for z >= -12 only).
long double h_long_double(long double z) {
  const long double pdf = std::exp(-z * z / 2.0L) / std::sqrt(2.0L * 3.14159265358979323846264L);
  const long double cdf = std::erfc(-z / std::sqrt(2.0L)) / 2.0L;
  return pdf + z * cdf;
}

constexpr bool kLongDoubleIsExtended = std::numeric_limits<long double>::digits >= 64;

}  // namespace

TEST_CASE("normal_pdf, normal_cdf and log_normal_pdf", "[detail][normal]") {
  CHECK_THAT(hpo::detail::normal_pdf(0.0), WithinRel(0.3989422804014327, 1e-15));
  CHECK_THAT(hpo::detail::normal_pdf(1.0), WithinRel(0.24197072451914337, 1e-15));
  CHECK_THAT(hpo::detail::normal_cdf(0.0), WithinRel(0.5, 1e-15));
  CHECK_THAT(hpo::detail::normal_cdf(1.0), WithinRel(0.8413447460685429, 1e-15));
  // The lower tail keeps its relative accuracy: Phi(-30) = 4.906713927148187e-198.
  CHECK_THAT(hpo::detail::normal_cdf(-30.0), WithinRel(4.906713927148187e-198, 1e-14));
  CHECK_THAT(hpo::detail::normal_cdf(-38.0), WithinRel(2.885428360068784e-316, 1e-6));  // subnormal
  for (int i = -400; i <= 400; ++i) {
    const double z = 0.02 * i;
    INFO("z = " << z);
    CHECK_THAT(hpo::detail::normal_cdf(z) + hpo::detail::normal_cdf(-z), WithinRel(1.0, 1e-15));
    CHECK_THAT(hpo::detail::log_normal_pdf(z),
               WithinRel(std::log(hpo::detail::normal_pdf(z)), 1e-14));
  }
}

TEST_CASE("erfcx matches long double and the asymptotic series", "[detail][normal]") {
  CHECK(erfcx(0.0) == 1.0);
  // Reference values computed with mpmath at 50 digits.
  CHECK_THAT(erfcx(-26.0), WithinRel(7.6577249314905684e+293, 1e-13));
  CHECK_THAT(erfcx(-3.0), WithinRel(16205.988853999587, 1e-14));
  CHECK_THAT(erfcx(0.5), WithinRel(0.61569034419292587, 1e-14));
  CHECK_THAT(erfcx(3.99), WithinRel(0.1373240409142297, 1e-14));
  CHECK_THAT(erfcx(4.0), WithinRel(0.13699945762506139, 1e-14));
  CHECK_THAT(erfcx(4.01), WithinRel(0.13667636742994915, 1e-14));
  CHECK_THAT(erfcx(10.0), WithinRel(0.056140992743822586, 1e-14));
  CHECK_THAT(erfcx(1e5), WithinRel(5.6418958351954681e-6, 1e-14));
  CHECK_THAT(erfcx(1e100), WithinRel(5.6418958354775628e-101, 1e-14));
  // Limits and overflow.
  CHECK(erfcx(kInf) == 0.0);
  CHECK(erfcx(-kInf) == kInf);
  CHECK(erfcx(-27.0) == kInf);
  CHECK(std::isnan(erfcx(std::numeric_limits<double>::quiet_NaN())));

  if (kLongDoubleIsExtended) {
    // exp(x^2) erfc(x) in 80-bit long double (erfcl stays representable down to ~1e-4900):
    // an independent reference over both of erfcx's regimes, continued fraction included.
    for (int i = -2600; i <= 6000; ++i) {
      const double x = 0.01 * i + 0.0003;
      const long double xl = x;
      const long double reference = std::exp(xl * xl) * std::erfc(xl);
      INFO("x = " << x);
      CHECK_THAT(erfcx(x), WithinRel(static_cast<double>(reference), 2e-15));
    }
  } else {
    WARN("long double is not extended precision: long double erfcx checks skipped");
  }
  // Large x: 1/(x sqrt(pi)) (1 - 1/(2x^2) + 3/(4x^4) - 15/(8x^6) + 105/(16x^8)); the first
  // omitted term, 945/(32 x^10), is below 5e-14 relative from x = 30 on.
  for (double x = 30.0; x < 1e150; x *= 1.7) {
    const double u = 1.0 / (x * x);
    const double series = (1.0 - u / 2.0 + 3.0 * u * u / 4.0 - 15.0 * u * u * u / 8.0 +
                           105.0 * u * u * u * u / 16.0) /
                          (x * hpo::detail::kSqrtPi);
    INFO("x = " << x);
    CHECK_THAT(erfcx(x), WithinRel(series, x < 100.0 ? 1e-13 : 2e-15));
  }
}

TEST_CASE("log1mexp", "[detail][normal]") {
  using hpo::detail::log1mexp;
  CHECK_THAT(log1mexp(-std::log(2.0)), WithinRel(-std::log(2.0), 1e-15));
  CHECK_THAT(log1mexp(-1e-20), WithinRel(std::log(1e-20), 1e-15));  // 1 - e^w ~ -w
  CHECK_THAT(log1mexp(-50.0), WithinRel(-std::exp(-50.0), 1e-14));  // ~ -e^w
  CHECK_THAT(log1mexp(-1.0), WithinRel(std::log(1.0 - std::exp(-1.0)), 1e-15));
  CHECK(log1mexp(0.0) == -kInf);
}

TEST_CASE("log_normal_cdf in both tails", "[detail][normal]") {
  if (kLongDoubleIsExtended) {
    // Against long double: log(erfc(-z/sqrt 2)/2) below 0, log1p(-erfc(z/sqrt 2)/2) above.
    for (int i = -3500; i <= 3700; ++i) {
      const double z = 0.01 * i + 0.0003;
      const long double u = static_cast<long double>(z) / std::sqrt(2.0L);
      const long double reference =
          z < 0.0 ? std::log(std::erfc(-u) / 2.0L) : std::log1p(-std::erfc(u) / 2.0L);
      INFO("z = " << z);
      CHECK_THAT(log_normal_cdf(z), WithinRel(static_cast<double>(reference), 1e-14));
    }
  }
  // The upper tail keeps the tiny -(1 - Phi(z)) ~ -Phi(-z).
  CHECK_THAT(log_normal_cdf(10.0), WithinRel(-7.619853024160527e-24, 1e-13));
  CHECK_THAT(log_normal_cdf(30.0), WithinRel(-4.906713927148187e-198, 1e-14));
  // Reference values computed with mpmath at 50 digits.
  CHECK_THAT(log_normal_cdf(-1e3), WithinRel(-500007.82669481218431, 1e-15));
  CHECK_THAT(log_normal_cdf(-1e7), WithinRel(-50000000000017.037034, 1e-15));
  CHECK_THAT(log_normal_cdf(-40.0), WithinRel(-804.60844201375378817, 1e-15));
  // z = -40 against the asymptotic expansion of Phi(z) = phi(z)/|z| (1 - 1/z^2 + 3/z^4 -
  // 15/z^6 + ...): log Phi(z) = -z^2/2 - log(-z) - log sqrt(2 pi) + log(1 - 1/z^2 + 3/z^4 -
  // 15/z^6), off by about 105/z^8 = 1.6e-11 absolute, 2e-14 relative.
  const double z = -40.0;
  const double asymptote =
      -z * z / 2.0 - std::log(-z) - hpo::detail::kLogSqrt2Pi +
      std::log(1.0 - 1.0 / (z * z) + 3.0 / std::pow(z, 4.0) - 15.0 / std::pow(z, 6.0));
  CHECK_THAT(log_normal_cdf(z), WithinRel(asymptote, 1e-13));
  // Continuity where the formula switches (z = -1 and z = 0).
  for (double b : {-1.0, 0.0}) {
    INFO("b = " << b);
    CHECK_THAT(log_normal_cdf(std::nextafter(b, kInf)), WithinRel(log_normal_cdf(b), 1e-14));
  }
  CHECK(std::isfinite(log_normal_cdf(-1e150)));
}

TEST_CASE("d_log_normal_cdf against finite differences", "[detail][normal]") {
  for (double z : derivative_grid()) {
    INFO("z = " << z);
    const double analytic = d_log_normal_cdf(z);
    CHECK(std::isfinite(analytic));
    CHECK(analytic > 0.0);
    const double numeric = central_difference([](double x) { return log_normal_cdf(x); }, z);
    CHECK_THAT(numeric, WithinRel(analytic, 1e-6));
  }
  // Reference values (mpmath, 50 digits) and continuity across z = 0.
  CHECK_THAT(d_log_normal_cdf(-1e3), WithinRel(1000.00099999800001, 1e-15));
  CHECK_THAT(d_log_normal_cdf(-1e7), WithinRel(10000000.0000001, 1e-15));
  CHECK_THAT(d_log_normal_cdf(std::nextafter(0.0, -kInf)), WithinRel(d_log_normal_cdf(0.0), 1e-14));
  CHECK_THAT(d_log_normal_cdf(0.0), WithinRel(2.0 * 0.3989422804014327, 1e-15));
}

TEST_CASE("log_h matches high-precision reference values", "[detail][normal]") {
  // From ALGORITHMS.md 1.5 (450-digit arithmetic), except z = -30: the sheet's
  // -457.6618786977932 is wrong (mpmath at 50 digits gives -457.72465376059800405, and the
  // asymptote -z^2/2 - log sqrt(2 pi) - 2 log|z| - 3/z^2 = -457.72466 agrees).
  CHECK_THAT(log_h(2.0), WithinRel(0.6973835457882284, 1e-14));
  CHECK_THAT(log_h(1.0), WithinRel(0.08002621884930694, 1e-14));
  CHECK_THAT(log_h(0.0), WithinRel(-0.9189385332046728, 1e-14));
  CHECK_THAT(log_h(-1.0), WithinRel(-2.4851210257126413, 1e-14));
  CHECK_THAT(log_h(-5.0), WithinRel(-16.74430116266099, 1e-14));
  CHECK_THAT(log_h(-10.0), WithinRel(-55.55312203612235, 1e-14));
  CHECK_THAT(log_h(-20.0), WithinRel(-206.9178385094251, 1e-14));
  CHECK_THAT(log_h(-30.0), WithinRel(-457.72465376059800405, 1e-14));
  // mpmath at 50 digits, in the continued-fraction and asymptotic branches.
  CHECK_THAT(log_h(-1e3), WithinRel(-500014.73445209115845, 1e-15));
  CHECK_THAT(log_h(-1e5), WithinRel(-5000000023.9447894634, 1e-15));
  CHECK_THAT(log_h(-1e7), WithinRel(-50000000000033.15513, 1e-15));
  CHECK_THAT(log_h(-6e7), WithinRel(-1800000000000036.7386, 1e-15));
  CHECK_THAT(log_h(-7e7), WithinRel(-2450000000000037.047, 1e-15));
  CHECK_THAT(log_h(-1e8), WithinRel(-5000000000000037.7603, 1e-15));
  // Large positive z: h(z) -> z.
  CHECK_THAT(log_h(1e6), WithinRel(std::log(1e6), 1e-15));

  if (kLongDoubleIsExtended) {
    for (int i = -1200; i <= 4000; ++i) {
      const double z = 0.01 * i + 0.0007;
      INFO("z = " << z);
      const double reference = static_cast<double>(std::log(h_long_double(z)));
      // log h crosses 0 near z = 0.9, where only an absolute error bound makes sense.
      CHECK_THAT(log_h(z), WithinAbs(reference, 2e-15 * std::fmax(1.0, std::fabs(reference))));
    }
  } else {
    WARN("long double is not extended precision: long double log_h checks skipped");
  }
}

TEST_CASE("log_h is finite and strictly increasing from -1e8 to 40", "[detail][normal]") {
  std::vector<double> grid;
  for (int k = 8000; k > 0; --k) grid.push_back(-std::pow(10.0, 0.001 * k));  // -1e8 .. -1.002
  for (int i = -1000; i <= 41000; ++i) grid.push_back(0.001 * i);             // -1 .. 41
  double previous = -kInf;
  std::size_t failures = 0;
  for (double z : grid) {
    const double value = log_h(z);
    if (!std::isfinite(value) || !(value > previous)) {
      ++failures;
      INFO("z = " << z << " log_h = " << value << " previous = " << previous);
      CHECK(false);
    }
    previous = value;
  }
  CHECK(failures == 0);
}

TEST_CASE("d_log_h against finite differences and reference values", "[detail][normal]") {
  for (double z : derivative_grid()) {
    INFO("z = " << z);
    const double analytic = d_log_h(z);
    CHECK(std::isfinite(analytic));
    CHECK(analytic > 0.0);
    const double numeric = central_difference([](double x) { return log_h(x); }, z);
    CHECK_THAT(numeric, WithinRel(analytic, 1e-6));
  }
  // Phi(z) / h(z) from mpmath at 50 digits, and the asymptote -z - 2/z.
  CHECK_THAT(d_log_h(-1e3), WithinRel(1000.001999994000042, 1e-15));
  CHECK_THAT(d_log_h(-1e5), WithinRel(100000.00001999999999, 1e-15));
  CHECK_THAT(d_log_h(-1e7), WithinRel(10000000.0000002, 1e-15));
  CHECK_THAT(d_log_h(-1e9), WithinRel(1e9, 1e-15));
  CHECK_THAT(d_log_h(0.0), WithinRel(0.5 / 0.3989422804014327, 1e-15));
  CHECK_THAT(d_log_h(1e6), WithinRel(1e-6, 1e-12));
  if (kLongDoubleIsExtended) {
    for (int i = -1200; i <= 4000; ++i) {
      const double z = 0.01 * i + 0.0007;
      const long double zl = z;
      INFO("z = " << z);
      const long double cdf = std::erfc(-zl / std::sqrt(2.0L)) / 2.0L;
      CHECK_THAT(d_log_h(z), WithinRel(static_cast<double>(cdf / h_long_double(zl)), 2e-14));
    }
  }
}

TEST_CASE("log_h and d_log_h are continuous across their branch points", "[detail][normal]") {
  for (double b :
       {-1.0, hpo::detail::kLogHContinuedFractionBound, hpo::detail::kLogHAsymptoteBound}) {
    INFO("branch point " << b);
    // b belongs to the lower branch; its upper neighbour to the next one.
    const double above = std::nextafter(b, kInf);
    CHECK_THAT(log_h(above), WithinRel(log_h(b), 1e-15));
    CHECK_THAT(d_log_h(above), WithinRel(d_log_h(b), 1e-14));
    // A little further away on both sides the values line up with the derivative too.
    const double delta = 1e-6 * std::fabs(b);
    const double slope = (log_h(b + delta) - log_h(b - delta)) / (2.0 * delta);
    CHECK_THAT(slope, WithinRel(d_log_h(b), 1e-6));
  }
}
