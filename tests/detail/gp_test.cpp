// SPDX-License-Identifier: MIT
#include "support/catch.hpp"

#include <Eigen/Core>
#include <cmath>
#include <limits>

#include <hpo/detail/gp.hpp>
#include <hpo/detail/gp_fit.hpp>
#include <hpo/detail/rng.hpp>
#include <hpo/distributions.hpp>

using hpo::detail::GpHyperparameters;
using hpo::detail::GpLayout;
using hpo::detail::GpNegLogPosterior;
using hpo::detail::GpPosterior;

namespace {

// A space of two floats and a 3-way categorical: 2 + 3 one-hot columns, 3 lengthscales.
hpo::detail::SearchSpaceTransform mixed_transform() {
  hpo::SearchSpace space;
  space.emplace("a", hpo::FloatDistribution(0.0, 1.0));
  space.emplace("b", hpo::FloatDistribution(1e-3, 1.0, hpo::LogScale{}));
  space.emplace("c", hpo::CategoricalDistribution({"x", "y", "z"}));
  return hpo::detail::SearchSpaceTransform(space, hpo::detail::CategoricalEncoding::OneHot);
}

// n encoded rows of the mixed space from a fixed stream.
Eigen::MatrixXd mixed_rows(Eigen::Index n, std::uint64_t seed) {
  hpo::detail::Rng rng(seed);
  Eigen::MatrixXd x = Eigen::MatrixXd::Zero(n, 5);
  for (Eigen::Index i = 0; i < n; ++i) {
    x(i, 0) = rng.uniform();
    x(i, 1) = rng.uniform();
    x(i, 2 + static_cast<Eigen::Index>(rng.below(3))) = 1.0;
  }
  return x;
}

GpHyperparameters some_hyper() {
  GpHyperparameters h;
  h.inverse_squared_lengthscales = Eigen::Vector3d(4.0, 0.7, 2.5);
  h.signal_variance = 1.3;
  h.noise_variance = 0.01;
  return h;
}

}  // namespace

TEST_CASE("The Matern 5/2 kernel and its r^2 derivative", "[detail][gp]") {
  Eigen::ArrayXd r2(5);
  r2 << 0.0, 1e-8, 0.3, 1.0, 7.0;
  const Eigen::ArrayXd k = hpo::detail::matern52(r2);
  const Eigen::ArrayXd dk = hpo::detail::matern52_d_r2(r2);
  CHECK(k[0] == 1.0);
  CHECK(dk[0] == Approx(-5.0 / 6.0));
  // s = sqrt(5): (1 + sqrt5 + 5/3) e^-sqrt5.
  CHECK(k[3] == Approx((1.0 + std::sqrt(5.0) + 5.0 / 3.0) * std::exp(-std::sqrt(5.0))));
  for (Eigen::Index i = 1; i < r2.size(); ++i) {
    const double h = 1e-6 * std::max(r2[i], 1e-3);
    Eigen::ArrayXd hi = r2, lo = r2;
    hi[i] += h;
    lo[i] = std::max(0.0, lo[i] - h);
    const double fd =
        (hpo::detail::matern52(hi)[i] - hpo::detail::matern52(lo)[i]) / (hi[i] - lo[i]);
    CHECK(dk[i] == Approx(fd).epsilon(1e-5));
  }
}

TEST_CASE("The layout weights one-hot columns by half (a Hamming term)", "[detail][gp]") {
  const auto tf = mixed_transform();
  const GpLayout layout = GpLayout::of(tf);
  REQUIRE(layout.n_params == 3);
  const Eigen::VectorXd w = layout.column_weights(Eigen::Vector3d(2.0, 3.0, 4.0));
  CHECK(w[0] == 2.0);
  CHECK(w[1] == 3.0);
  CHECK(w[2] == 2.0);
  CHECK(w[4] == 2.0);
  // Two rows differing only in the categorical: r^2 = iota_c exactly.
  Eigen::MatrixXd x(2, 5);
  x << 0.2, 0.4, 1, 0, 0, 0.2, 0.4, 0, 0, 1;
  CHECK(hpo::detail::exact_sq_distances(x, w)(0, 1) == Approx(4.0));
  CHECK(hpo::detail::weighted_sq_distances(x, x, w)(0, 1) == Approx(4.0));
}

TEST_CASE("The GP log posterior gradient matches finite differences", "[detail][gp]") {
  const auto tf = mixed_transform();
  const GpLayout layout = GpLayout::of(tf);
  const Eigen::MatrixXd x = mixed_rows(25, 7);
  Eigen::VectorXd y(x.rows());
  for (Eigen::Index i = 0; i < y.size(); ++i)
    y[i] = std::sin(6.0 * x(i, 0)) + x(i, 1) * x(i, 1) + 0.5 * x(i, 3);
  y = (y.array() - y.mean()) / std::sqrt((y.array() - y.mean()).square().mean());

  for (bool fixed_noise : {false, true}) {
    const GpNegLogPosterior f(x, y, layout, 1e-6, fixed_noise);
    const Eigen::VectorXd theta = f.to_raw(some_hyper());
    Eigen::VectorXd grad;
    const double value = f(theta, grad);
    REQUIRE(std::isfinite(value));
    REQUIRE(grad.size() == (fixed_noise ? 4 : 5));
    for (Eigen::Index j = 0; j < theta.size(); ++j) {
      Eigen::VectorXd hi = theta, lo = theta, unused;
      hi[j] += 1e-5;
      lo[j] -= 1e-5;
      const double fd = (f(hi, unused) - f(lo, unused)) / 2e-5;
      INFO("fixed_noise " << fixed_noise << " theta " << j);
      CHECK(grad[j] == Approx(fd).epsilon(1e-5).margin(1e-6));
    }
  }
}

TEST_CASE("fit_gp raises the posterior and learns which inputs matter", "[detail][gp]") {
  hpo::SearchSpace space;
  for (const char* name : {"a", "b", "c"}) space.emplace(name, hpo::FloatDistribution(0.0, 1.0));
  const hpo::detail::SearchSpaceTransform tf(space);
  const GpLayout layout = GpLayout::of(tf);
  hpo::detail::Rng rng(3);
  Eigen::MatrixXd x(40, 3);
  for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = rng.uniform();
  // Depends strongly on a, weakly on b, not at all on c.
  Eigen::VectorXd y = (8.0 * x.col(0).array()).sin() + 0.2 * x.col(1).array();
  y = (y.array() - y.mean()) / std::sqrt((y.array() - y.mean()).square().mean());

  const GpNegLogPosterior f(x, y, layout, 1e-6, false);
  Eigen::VectorXd unused;
  const GpHyperparameters defaults = GpHyperparameters::defaults(3);
  const auto fit = hpo::detail::fit_gp(x, y, layout, defaults);
  CHECK(fit.status == hpo::detail::GpFitStatus::Fitted);
  CHECK(fit.neg_log_posterior < f(f.to_raw(defaults), unused) - 1.0);
  const Eigen::VectorXd& iota = fit.hyperparameters.inverse_squared_lengthscales;
  CHECK(iota[0] > iota[1]);
  CHECK(iota[1] > iota[2]);
  CHECK(fit.hyperparameters.noise_variance < 1e-2);

  // A warm start from the optimum stays there in few iterations.
  const auto again = hpo::detail::fit_gp(x, y, layout, fit.hyperparameters);
  CHECK(again.iterations <= 5);
  CHECK(again.neg_log_posterior == Approx(fit.neg_log_posterior).margin(1e-3));

  // Fixed noise stays at the floor.
  hpo::detail::GpFitOptions fixed;
  fixed.fixed_noise = true;
  CHECK(hpo::detail::fit_gp(x, y, layout, defaults, fixed).hyperparameters.noise_variance == 1e-6);
}

TEST_CASE("robust_cholesky never throws and says what it did", "[detail][gp]") {
  double jitter = -2.0;
  Eigen::Matrix3d spd;
  spd << 4, 2, 0, 2, 3, 1, 0, 1, 2;
  Eigen::MatrixXd l = hpo::detail::robust_cholesky(spd, &jitter);
  CHECK(jitter == 0.0);
  CHECK((l * l.transpose() - spd).norm() < 1e-12);

  // Rank one (duplicated points without noise): rescued by jitter.
  const Eigen::MatrixXd singular = Eigen::MatrixXd::Ones(4, 4);
  l = hpo::detail::robust_cholesky(singular, &jitter);
  CHECK(jitter > 0.0);
  CHECK(jitter < 1e-2);
  CHECK(l.allFinite());
  CHECK((l * l.transpose() - singular).norm() < 1e-2);

  // Indefinite beyond any small jitter, and NaN: the diagonal fallback.
  Eigen::Matrix2d indefinite;
  indefinite << 1, 0, 0, -1e6;
  l = hpo::detail::robust_cholesky(indefinite, &jitter);
  CHECK(jitter == -1.0);
  CHECK(l.allFinite());
  Eigen::Matrix2d nan = Eigen::Matrix2d::Identity();
  nan(0, 1) = nan(1, 0) = std::numeric_limits<double>::quiet_NaN();
  CHECK(hpo::detail::robust_cholesky(nan, &jitter).allFinite());
}

TEST_CASE("GpPosterior interpolates, extends by blocks and differentiates", "[detail][gp]") {
  const auto tf = mixed_transform();
  const GpLayout layout = GpLayout::of(tf);
  const Eigen::MatrixXd x = mixed_rows(30, 11);
  Eigen::VectorXd y = (5.0 * x.col(0).array()).cos() + x.col(1).array() - x.col(4).array();
  GpHyperparameters h = some_hyper();
  h.noise_variance = 1e-6;
  const GpPosterior gp(x, y, layout, h);
  CHECK(gp.jitter() == 0.0);

  // Near-interpolation with tiny noise, and small variance at the data.
  Eigen::VectorXd mean, var;
  gp.predict(x, mean, var);
  CHECK((mean - y).cwiseAbs().maxCoeff() < 1e-3);
  CHECK(var.maxCoeff() < 1e-4);
  CHECK(var.minCoeff() >= 0.0);

  // Extending by a block equals conditioning on all rows at once.
  GpPosterior part(x.topRows(20), y.head(20), layout, h);
  part.append(x.bottomRows(10), y.tail(10));
  CHECK((part.cholesky() - gp.cholesky()).cwiseAbs().maxCoeff() < 1e-9);
  const Eigen::MatrixXd probe = mixed_rows(8, 99);
  Eigen::VectorXd m1, v1, m2, v2;
  gp.predict(probe, m1, v1);
  part.predict(probe, m2, v2);
  CHECK((m1 - m2).cwiseAbs().maxCoeff() < 1e-8);
  CHECK((v1 - v2).cwiseAbs().maxCoeff() < 1e-8);

  // Far from the data the variance returns to sf2 and the mean to 0.
  GpPosterior one(x.topRows(1), y.head(1), layout, h);
  Eigen::MatrixXd far = x.topRows(1);
  far(0, 0) = far(0, 0) > 0.5 ? -40.0 : 41.0;
  one.predict(far, m1, v1);
  CHECK(v1[0] == Approx(h.signal_variance).epsilon(1e-6));
  CHECK(std::abs(m1[0]) < 1e-6);

  // The single-point path agrees with the batch one, and its gradient with finite differences.
  for (Eigen::Index i = 0; i < probe.rows(); ++i) {
    const Eigen::VectorXd q = probe.row(i).transpose();
    double mu = 0, s2 = 0;
    Eigen::VectorXd dm, dv;
    gp.predict_with_gradient(q, mu, s2, dm, dv);
    Eigen::VectorXd mb, vb;
    gp.predict(probe.row(i), mb, vb);
    CHECK(mu == Approx(mb[0]).margin(1e-10));
    CHECK(s2 == Approx(vb[0]).margin(1e-10));
    for (Eigen::Index j = 0; j < 2; ++j) {  // the continuous columns
      Eigen::VectorXd hi = q, lo = q, g1, g2;
      hi[j] += 1e-6;
      lo[j] -= 1e-6;
      double mh = 0, vh = 0, ml = 0, vl = 0;
      gp.predict_with_gradient(hi, mh, vh, g1, g2);
      gp.predict_with_gradient(lo, ml, vl, g1, g2);
      CHECK(dm[j] == Approx((mh - ml) / 2e-6).epsilon(1e-5).margin(1e-6));
      CHECK(dv[j] == Approx((vh - vl) / 2e-6).epsilon(1e-5).margin(1e-6));
    }
  }
}
