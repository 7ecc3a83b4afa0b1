// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>
#include <limits>

namespace hpo::detail {

/// sqrt(2).
inline constexpr double kSqrt2 = 1.4142135623730950488;
/// sqrt(pi).
inline constexpr double kSqrtPi = 1.7724538509055160273;
/// sqrt(pi / 2).
inline constexpr double kSqrtHalfPi = 1.2533141373155002512;
/// log(2 pi) / 2 = log(sqrt(2 pi)).
inline constexpr double kLogSqrt2Pi = 0.91893853320467274178;
/// log(pi / 2) / 2 = log(sqrt(pi / 2)).
inline constexpr double kLogSqrtHalfPi = 0.22579135264472743236;

/// Splits |x| < 64 into a head with at most 26 significant bits (20 after the binary point),
/// whose square is exact in double, and the exact remainder x - head.
inline void split_for_square(double x, double& head, double& tail) {
  head = std::ldexp(std::trunc(std::ldexp(x, 20)), -20);
  tail = x - head;
}

/// exp(x^2) without the rounding error of forming x*x (which alone costs a relative x^2 eps):
/// with x = head + tail (split_for_square), exp(head^2) exp(tail (2 head + tail)) has the
/// accuracy of std::exp itself. +inf once it overflows (|x| > 26.7).
inline double exp_square(double x) {
  if (!(std::fabs(x) < 32.0)) return std::isnan(x) ? x : std::numeric_limits<double>::infinity();
  double head = 0.0;
  double tail = 0.0;
  split_for_square(x, head, tail);
  return std::exp(head * head) * std::exp(tail * (2.0 * head + tail));
}

/// exp(-x^2 / 2), accurate like exp_square; 0 once it underflows (|x| > 38.6).
inline double exp_neg_half_square(double x) {
  if (!(std::fabs(x) < 64.0)) return std::isnan(x) ? x : 0.0;
  double head = 0.0;
  double tail = 0.0;
  split_for_square(x, head, tail);
  return std::exp(-0.5 * head * head) * std::exp(-tail * (head + 0.5 * tail));
}

/// The continued fraction x + c k0 / (x + c (k0 + 1) / (x + c (k0 + 2) / (x + ...))) for
/// x > 0, evaluated by the modified Lentz method to full double precision. Converges in at
/// most about 55 terms for the x >= 4 (c = 1/2) and x >= 3 (c = 1) where it is used here.
inline double normal_tail_continued_fraction(double x, double c, double k0) {
  constexpr double kTiny = 1e-300;
  constexpr double kTolerance = std::numeric_limits<double>::epsilon() / 2.0;
  double f = x;
  double num = f;    // Lentz's C
  double den = 0.0;  // Lentz's D
  for (int j = 0; j < 1000; ++j) {
    const double a = c * (k0 + static_cast<double>(j));
    den = x + a * den;
    if (den == 0.0) den = kTiny;
    num = x + a / num;
    if (num == 0.0) num = kTiny;
    den = 1.0 / den;
    const double delta = num * den;
    f *= delta;
    if (std::fabs(delta - 1.0) <= kTolerance) break;
  }
  return f;
}

/// The standard normal density phi(z).
inline double normal_pdf(double z) {
  constexpr double kInvSqrt2Pi = 0.39894228040143267794;
  return kInvSqrt2Pi * exp_neg_half_square(z);
}

/// log phi(z) = -z^2/2 - log(sqrt(2 pi)).
inline double log_normal_pdf(double z) {
  return -0.5 * z * z - kLogSqrt2Pi;
}

/// The scaled complementary error function erfcx(x) = exp(x^2) erfc(x), to about 1e-15
/// relative error for every x. x < 0 uses 2 exp(x^2) - erfcx(-x) (+inf once exp(x^2)
/// overflows, below about -26.6); 0 <= x < 4 uses exp(x^2) erfc(x); x >= 4 the continued
/// fraction erfc(x) = exp(-x^2) / sqrt(pi) / (x + (1/2) / (x + 1 / (x + (3/2) / (x + ...)))),
/// which behaves like 1 / (x sqrt(pi)) for large x. erfcx(+inf) = 0, erfcx(-inf) = +inf.
inline double erfcx(double x) {
  if (std::isnan(x)) return x;
  if (x < 0.0) {
    const double e = exp_square(x);
    if (std::isinf(e)) return e;
    return 2.0 * e - erfcx(-x);
  }
  if (x < 4.0) return exp_square(x) * std::erfc(x);
  if (std::isinf(x)) return 0.0;
  return 1.0 / (kSqrtPi * normal_tail_continued_fraction(x, 0.5, 1.0));
}

/// The standard normal distribution function Phi(z), with small relative error in both tails:
/// erfc(-z / sqrt 2) / 2 for z >= -1, and exp(-z^2/2) erfcx(-z / sqrt 2) / 2 below, which
/// avoids erfc's sensitivity to the rounding of z / sqrt 2 (a relative z^2 eps; 1e-13 at
/// z = -30). 1 - Phi(z) for z >> 0 is available as normal_cdf(-z).
inline double normal_cdf(double z) {
  if (z < -1.0) return 0.5 * exp_neg_half_square(z) * erfcx(-z / kSqrt2);
  return 0.5 * std::erfc(-z / kSqrt2);
}

/// log Phi(z), accurate in both tails: for z > 0 log1p(-Phi(-z)); for -1 <= z <= 0 log Phi(z);
/// for z < -1 log(erfcx(-z / sqrt 2) / 2) - z^2/2, finite until z^2 overflows (|z| ~ 1.3e154).
inline double log_normal_cdf(double z) {
  if (z > 0.0) return std::log1p(-normal_cdf(-z));
  if (z >= -1.0) return std::log(normal_cdf(z));
  return std::log(0.5 * erfcx(-z / kSqrt2)) - 0.5 * z * z;
}

/// d/dz log Phi(z) = phi(z) / Phi(z), without underflow: for z < 0 it is
/// 1 / (sqrt(pi/2) erfcx(-z / sqrt 2)) (about -z for z << 0), for z >= 0 phi(z) / Phi(z).
inline double d_log_normal_cdf(double z) {
  if (z < 0.0) return 1.0 / (kSqrtHalfPi * erfcx(-z / kSqrt2));
  return normal_pdf(z) / normal_cdf(z);
}

/// log(1 - exp(w)) for w <= 0, accurate for w near 0 and for very negative w (Maechler 2012,
/// "Accurately Computing log(1 - exp(-|a|))"): log(-expm1(w)) above -log 2, else
/// log1p(-exp(w)).
inline double log1mexp(double w) {
  constexpr double kLog2 = 0.69314718055994530942;
  return w > -kLog2 ? std::log(-std::expm1(w)) : std::log1p(-std::exp(w));
}

/// Below this z, log_h and d_log_h use their asymptotic forms: -1 / sqrt(machine epsilon)
/// = -2^26 (about -6.7e7), where the next terms of the expansions fall below double resolution.
inline constexpr double kLogHAsymptoteBound = -67108864.0;

/// Below this z (and above the asymptote), log_h and d_log_h use the continued fraction of
/// the Mills ratio instead of erfcx, avoiding the cancellation in 1 - sqrt(pi/2) |z| erfcx.
inline constexpr double kLogHContinuedFractionBound = -3.0;

/// For t >= 3, the continued fraction D(t) = t + 2 / (t + 3 / (t + 4 / (t + ...))). With the
/// Mills ratio R(t) = (1 - Phi(t)) / phi(t) = 1 / (t + 1 / D(t)), for z = -t:
/// h(z) / phi(z) = 1 - t R(t) = 1 / (1 + t D(t)) and Phi(z) / h(z) = D(t), both free of
/// cancellation.
inline double mills_tail_continued_fraction(double t) {
  return normal_tail_continued_fraction(t, 1.0, 2.0);
}

/// log h(z) with h(z) = phi(z) + z Phi(z), so that log EI = log h(z) + log sigma (Ament et al.,
/// NeurIPS 2023, "Unexpected Improvements to Expected Improvement", eq. 9). Branches:
/// - z > -1: log(phi(z) + z Phi(z)) directly;
/// - -3 < z <= -1: -z^2/2 - log sqrt(2 pi) + log1mexp(log(erfcx(-z/sqrt 2) |z|) + log sqrt(pi/2)),
///   i.e. log(phi(z) (1 - sqrt(pi/2) |z| erfcx(-z/sqrt 2)));
/// - -1/sqrt(eps) < z <= -3: -z^2/2 - log sqrt(2 pi) - log(1 + |z| D(|z|)), the same quantity
///   computed with the Mills-ratio continued fraction (see mills_tail_continued_fraction),
///   which avoids eq. 9's cancellation for large |z| (its log1mexp argument tends to -1/z^2);
/// - z <= -1/sqrt(eps): the asymptote -z^2/2 - log sqrt(2 pi) - 2 log|z|.
/// Finite for -1.3e154 < z < +inf; relative error about 1e-15 (absolute ~4e-16 near its zero at
/// z ~ 0.9).
inline double log_h(double z) {
  if (z > -1.0) return std::log(normal_pdf(z) + z * normal_cdf(z));
  const double t = -z;
  if (z > kLogHContinuedFractionBound) {
    return log_normal_pdf(z) + log1mexp(std::log(erfcx(t / kSqrt2) * t) + kLogSqrtHalfPi);
  }
  if (z > kLogHAsymptoteBound) {
    return log_normal_pdf(z) - std::log1p(t * mills_tail_continued_fraction(t));
  }
  return log_normal_pdf(z) - 2.0 * std::log(t);
}

/// d/dz log h(z) = Phi(z) / h(z) (h' = Phi), branch by branch as in log_h:
/// - z > -1: Phi(z) / (phi(z) + z Phi(z));
/// - -3 < z <= -1: r / (1 - |z| r) with r = Phi(z) / phi(z) = sqrt(pi/2) erfcx(-z/sqrt 2);
/// - -1/sqrt(eps) < z <= -3: the Mills-ratio continued fraction D(|z|);
/// - below: the asymptote -z - 2/z.
/// Positive and finite for every finite z; about -z for z << 0 and 1/z for z >> 0. Relative
/// error below 1e-14 (largest, ~7e-15, in the erfcx branch, where 1 - |z| r cancels).
inline double d_log_h(double z) {
  if (z > -1.0) {
    const double cdf = normal_cdf(z);
    return cdf / (normal_pdf(z) + z * cdf);
  }
  const double t = -z;
  if (z > kLogHContinuedFractionBound) {
    const double r = kSqrtHalfPi * erfcx(t / kSqrt2);
    return r / (1.0 - t * r);
  }
  if (z > kLogHAsymptoteBound) return mills_tail_continued_fraction(t);
  return t + 2.0 / t;
}

/// log_h(z) and d_log_h(z) together, sharing the continued fraction where both use it.
inline double log_h_with_derivative(double z, double& derivative) {
  const double t = -z;
  if (z <= kLogHContinuedFractionBound && z > kLogHAsymptoteBound) {
    const double d = mills_tail_continued_fraction(t);
    derivative = d;
    return log_normal_pdf(z) - std::log1p(t * d);
  }
  derivative = d_log_h(z);
  return log_h(z);
}

}  // namespace hpo::detail
