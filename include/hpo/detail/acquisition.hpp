// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>

#include "hpo/detail/normal.hpp"

namespace hpo::detail {

/// An acquisition value with its partial derivatives in the posterior mean and standard
/// deviation.
struct AcquisitionValue {
  /// The acquisition value.
  double value = 0.0;
  /// Its partial derivative in the posterior mean.
  double d_mean = 0.0;
  /// Its partial derivative in the posterior standard deviation.
  double d_sigma = 0.0;
};

/// Variance added to sigma^2 by the improvement-based acquisitions (EI, log EI, PI, log PI):
/// they use sigma_eff = sqrt(sigma^2 + kAcquisitionVarianceFloor), so sigma = 0 gives finite
/// values and derivatives (as Optuna's 1e-12 stabilizing noise). This changes sigma by a
/// relative 5e-13 / sigma^2 only, and the reported d_sigma includes d sigma_eff / d sigma =
/// sigma / sigma_eff (0 at sigma = 0).
inline constexpr double kAcquisitionVarianceFloor = 1e-12;

/// The floored standard deviation sqrt(sigma^2 + kAcquisitionVarianceFloor).
inline double acquisition_sigma(double sigma) {
  return std::sqrt(sigma * sigma + kAcquisitionVarianceFloor);
}

/// h(z) = phi(z) + z Phi(z) (EI of a standard normal above 0), directly for z > -1 and as
/// exp(log_h(z)) below, where the direct sum loses digits and then underflows to 0.
inline double improvement_h(double z) {
  if (z > -1.0) return normal_pdf(z) + z * normal_cdf(z);
  return std::exp(log_h(z));
}

/// Expected improvement over `best` of a maximized objective with posterior N(mean, sigma^2):
/// EI = s h(z), z = (mean - best) / s, s = acquisition_sigma(sigma); dEI/dmean = Phi(z),
/// dEI/ds = phi(z). At sigma = 0 this is max(mean - best, 0) up to about 4e-7 (s = 1e-6).
inline AcquisitionValue expected_improvement(double mean, double sigma, double best) {
  const double s = acquisition_sigma(sigma);
  const double z = (mean - best) / s;
  return {s * improvement_h(z), normal_cdf(z), normal_pdf(z) * (sigma / s)};
}

/// log of expected_improvement: log h(z) + log s (Ament et al. 2023), finite and strictly
/// increasing in mean far below the point where EI underflows (until z^2 overflows, |z| ~
/// 1.3e154). d/dmean = (Phi/h)(z) / s; d/ds = (phi/h)(z) / s, with phi/h = 1 - z Phi/h for
/// z < 0 (no cancellation there) and phi/h directly for z >= 0.
inline AcquisitionValue log_expected_improvement(double mean, double sigma, double best) {
  const double s = acquisition_sigma(sigma);
  const double z = (mean - best) / s;
  double ratio = 0.0;  // Phi(z) / h(z)
  const double value = log_h_with_derivative(z, ratio);
  const double pdf_over_h = z < 0.0 ? 1.0 - z * ratio : normal_pdf(z) / improvement_h(z);
  return {value + std::log(s), ratio / s, pdf_over_h / s * (sigma / s)};
}

/// Probability of improvement Phi(z), z = (mean - best) / s, s = acquisition_sigma(sigma);
/// d/dmean = phi(z) / s, d/ds = -z phi(z) / s.
inline AcquisitionValue probability_of_improvement(double mean, double sigma, double best) {
  const double s = acquisition_sigma(sigma);
  const double z = (mean - best) / s;
  const double pdf = normal_pdf(z);
  return {normal_cdf(z), pdf / s, -z * pdf / s * (sigma / s)};
}

/// log of probability_of_improvement, log Phi(z) via log_normal_cdf (finite far into the lower
/// tail); d/dmean = (phi/Phi)(z) / s, d/ds = -z (phi/Phi)(z) / s.
inline AcquisitionValue log_probability_of_improvement(double mean, double sigma, double best) {
  const double s = acquisition_sigma(sigma);
  const double z = (mean - best) / s;
  const double ratio = d_log_normal_cdf(z);
  return {log_normal_cdf(z), ratio / s, -z * ratio / s * (sigma / s)};
}

/// log of the probability that a constraint c ~ N(mean, sigma^2) is satisfied, log P(c <=
/// threshold) = log Phi(z) with z = (threshold - mean) / s, s = acquisition_sigma(sigma) (the
/// "probability of feasibility" of Gardner et al. 2014 and Gelbart et al. 2014, in logs so that
/// it stays finite far into the infeasible side). It is log PI of -c above -threshold:
/// d/dmean = -(phi/Phi)(z) / s, d/ds = -z (phi/Phi)(z) / s.
inline AcquisitionValue log_probability_of_feasibility(double mean, double sigma,
                                                       double threshold) {
  const AcquisitionValue a = log_probability_of_improvement(-mean, sigma, -threshold);
  return {a.value, -a.d_mean, a.d_sigma};
}

/// Upper confidence bound mean + sqrt(beta) sigma (the sqrt(beta) convention of BoTorch and
/// Optuna), for beta >= 0; no variance floor is needed.
inline AcquisitionValue upper_confidence_bound(double mean, double sigma, double beta) {
  const double root_beta = std::sqrt(beta);
  return {mean + root_beta * sigma, 1.0, root_beta};
}

/// The GP-UCB beta of Srinivas et al. 2010, Theorem 1 (finite domain) with |D| = n_candidates:
/// 2 log(n_candidates t^2 pi^2 / (6 delta)), for t >= 1, n_candidates >= 1, 0 < delta < 1.
/// Evaluated as a sum of logs, so it does not overflow for huge t or n_candidates.
inline double gp_ucb_beta(double t, double n_candidates, double delta) {
  constexpr double kLogPiSquaredOver6 = 0.49770030247074535;  // log(pi^2 / 6)
  return 2.0 * (std::log(n_candidates) + 2.0 * std::log(t) + kLogPiSquaredOver6 - std::log(delta));
}

}  // namespace hpo::detail
