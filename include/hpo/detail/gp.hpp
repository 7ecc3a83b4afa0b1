// SPDX-License-Identifier: MIT
#pragma once

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <utility>
#include <vector>

#include "hpo/detail/transform.hpp"

namespace hpo::detail {

/// Which columns of an encoded row belong to which parameter, for an ARD kernel with one
/// lengthscale per parameter.
///
/// A numeric parameter owns one column. A categorical one owns its C one-hot columns, each
/// weighted 1/2: half the squared distance between two one-hot rows is 1[c != c'], so the
/// kernel sees the Hamming indicator inside the Matern distance (as Optuna's GP does) while
/// every distance stays a weighted Euclidean one.
struct GpLayout {
  /// The parameter of each column.
  std::vector<Eigen::Index> param_of_column;
  /// Each column's share of its parameter's weight: 1 (numeric) or 1/2 (one-hot).
  Eigen::VectorXd column_factor;
  /// Number of parameters (lengthscales).
  Eigen::Index n_params = 0;

  /// The layout of `transform`, which must use one-hot categoricals.
  static GpLayout of(const SearchSpaceTransform& transform) {
    GpLayout layout;
    layout.column_factor.resize(transform.n_columns());
    Eigen::Index p = 0;
    for (const auto& param : transform.params()) {
      for (Eigen::Index j = 0; j < param.n_columns; ++j) {
        layout.param_of_column.push_back(p);
        layout.column_factor[param.first_column + j] = param.n_columns > 1 ? 0.5 : 1.0;
      }
      ++p;
    }
    layout.n_params = p;
    return layout;
  }

  /// Number of columns.
  Eigen::Index n_columns() const { return column_factor.size(); }

  /// Per-column weights w_j = factor_j * iota_{param(j)}, so that r^2 = sum_j w_j dx_j^2.
  Eigen::VectorXd column_weights(const Eigen::VectorXd& iota) const {
    Eigen::VectorXd w(n_columns());
    for (Eigen::Index j = 0; j < w.size(); ++j)
      w[j] = column_factor[j] * iota[param_of_column[static_cast<std::size_t>(j)]];
    return w;
  }
};

/// Hyperparameters of the Matern 5/2 ARD kernel plus Gaussian noise.
struct GpHyperparameters {
  /// Inverse squared lengthscale of each parameter, iota_p = 1 / l_p^2 (unit-cube inputs).
  Eigen::VectorXd inverse_squared_lengthscales;
  /// Output scale sf2 (the prior variance of the latent function).
  double signal_variance = 1.0;
  /// Noise variance sn2, added to the diagonal (floor included).
  double noise_variance = 1.0;

  /// The defaults every fit starts from the first time (all ones, as in Optuna).
  static GpHyperparameters defaults(Eigen::Index n_params) {
    return {Eigen::VectorXd::Ones(n_params), 1.0, 1.0};
  }
};

/// Matern 5/2 correlation of squared distances r2: (1 + s + s^2/3) exp(-s), s = sqrt(5 r2).
template <class Derived>
auto matern52(const Eigen::ArrayBase<Derived>& r2) {
  using Plain = Eigen::Array<double, Derived::RowsAtCompileTime, Derived::ColsAtCompileTime>;
  const Plain s = (5.0 * r2).sqrt();  // evaluated once: sqrt and exp are the cost here
  return Plain((1.0 + s + s.square() * (1.0 / 3.0)) * (-s).exp());
}

/// d matern52 / d r2 = -(5/6) (1 + s) exp(-s): finite at r2 = 0, unlike a derivative through
/// sqrt.
template <class Derived>
auto matern52_d_r2(const Eigen::ArrayBase<Derived>& r2) {
  using Plain = Eigen::Array<double, Derived::RowsAtCompileTime, Derived::ColsAtCompileTime>;
  const Plain s = (5.0 * r2).sqrt();
  return Plain((-5.0 / 6.0) * (1.0 + s) * (-s).exp());
}

/// matern52 and matern52_d_r2 of r2 together, sharing the sqrt and exp.
template <class Derived, class Out>
void matern52_with_d_r2(const Eigen::ArrayBase<Derived>& r2, Out& k, Out& dk) {
  const Out s = (5.0 * r2).sqrt();
  const Out e = (-s).exp();
  k = (1.0 + s + s.square() * (1.0 / 3.0)) * e;
  dk = (-5.0 / 6.0) * (1.0 + s) * e;
}

/// Replaces each squared distance of `r2` by scale * matern52 of it, a column at a time (no
/// temporaries of the matrix's size).
template <class M>
void matern52_in_place(M&& r2, double scale) {
  Eigen::ArrayXd s(r2.rows());
  for (Eigen::Index j = 0; j < r2.cols(); ++j) {
    auto c = r2.col(j).array();
    s = (5.0 * c).sqrt();
    c = scale * (1.0 + s + s.square() * (1.0 / 3.0)) * (-s).exp();
  }
}

/// Squared distances sum_j w_j (a_ij - b_kj)^2 between the rows of `a` and of `b`, through one
/// matrix product (the rounding error is clamped so that no entry is negative).
template <class A>
Eigen::MatrixXd weighted_sq_distances(const Eigen::MatrixBase<A>& a, const Eigen::MatrixXd& b,
                                      const Eigen::VectorXd& w) {
  const Eigen::VectorXd root = w.cwiseSqrt();
  const Eigen::MatrixXd as = a * root.asDiagonal();
  const Eigen::MatrixXd bs = b * root.asDiagonal();
  Eigen::MatrixXd r2 = -2.0 * as * bs.transpose();
  r2.colwise() += as.rowwise().squaredNorm();
  r2.rowwise() += bs.rowwise().squaredNorm().transpose();
  return r2.cwiseMax(0.0);
}

/// Exact squared distances between the rows of `x` (column by column, no cancellation).
inline Eigen::MatrixXd exact_sq_distances(const Eigen::MatrixXd& x, const Eigen::VectorXd& w) {
  const Eigen::Index n = x.rows();
  Eigen::MatrixXd r2 = Eigen::MatrixXd::Zero(n, n);
  for (Eigen::Index j = 0; j < x.cols(); ++j) {
    const auto c = x.col(j).array();
    r2.array() += w[j] * (c.replicate(1, n) - c.transpose().replicate(n, 1)).square();
  }
  return r2;
}

/// Lower Cholesky factor of the symmetric `k`, made to succeed: on failure it retries with
/// jitter added to the diagonal (1e-9 of the mean diagonal, times 10 each retry, 10 tries),
/// then falls back to the diagonal of `k` alone. Never throws. `jitter` receives what was added
/// (0 when the first attempt succeeded; -1 for the diagonal fallback).
inline Eigen::MatrixXd robust_cholesky(const Eigen::MatrixXd& k, double* jitter = nullptr) {
  auto factor = [](const Eigen::MatrixXd& m, Eigen::MatrixXd& out) {
    Eigen::LLT<Eigen::MatrixXd> llt(m);
    if (llt.info() != Eigen::Success) return false;
    out = llt.matrixL();
    const auto d = out.diagonal().array();
    return d.allFinite() && (d > 0.0).all();
  };
  Eigen::MatrixXd l;
  if (jitter) *jitter = 0.0;
  if (factor(k, l)) return l;
  const double mean_diag = k.rows() > 0 ? std::abs(k.diagonal().mean()) : 1.0;
  double add = 1e-9 * (std::isfinite(mean_diag) && mean_diag > 0.0 ? mean_diag : 1.0);
  for (int attempt = 0; attempt < 10; ++attempt, add *= 10.0) {
    Eigen::MatrixXd kj = k;
    kj.diagonal().array() += add;
    if (factor(kj, l)) {
      if (jitter) *jitter = add;
      return l;
    }
  }
  if (jitter) *jitter = -1.0;
  Eigen::VectorXd d = k.diagonal().cwiseAbs();
  for (Eigen::Index i = 0; i < d.size(); ++i)
    if (!std::isfinite(d[i]) || d[i] <= 0.0) d[i] = 1.0;
  return Eigen::MatrixXd(d.cwiseSqrt().asDiagonal());
}

/// The negative log posterior of GP hyperparameters (log marginal likelihood plus Optuna's
/// log priors, constants dropped) and its gradient, as a function of the raw parameters that
/// the fit optimizes: theta = [log iota_1 .. log iota_P, log sf2, log(sn2 - noise_floor)]
/// (the last one absent when the noise is fixed at the floor).
///
/// LML = -1/2 y^T K^-1 y - sum log L_ii;  dLML/dtheta = 1/2 tr((alpha alpha^T - K^-1) dK/dtheta)
/// (Rasmussen & Williams eq. 5.9). Priors: -0.1/iota - 0.1 iota per lengthscale,
/// Gamma(2, 1) on sf2 and Gamma(1.1, 30) on sn2. Returns +inf (gradient untouched) when the
/// Cholesky factorization fails, so that a line search backs off.
class GpNegLogPosterior {
 public:
  GpNegLogPosterior(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, const GpLayout& layout,
                    double noise_floor, bool fixed_noise)
      : x_(x), y_(y), layout_(layout), noise_floor_(noise_floor), fixed_noise_(fixed_noise) {
    // The per-parameter distance matrices do not depend on theta: keep them unless they would
    // take more than 64 MB.
    const double entries = static_cast<double>(layout.n_params) * static_cast<double>(x.rows()) *
                           static_cast<double>(x.rows());
    if (entries <= 8e6)
      for (Eigen::Index p = 0; p < layout.n_params; ++p) cache_.push_back(param_sq_distances(p));
  }

  /// Squared distances between the rows of x in parameter p's columns (one-hot halved).
  Eigen::MatrixXd param_sq_distances(Eigen::Index p) const {
    if (static_cast<std::size_t>(p) < cache_.size()) return cache_[static_cast<std::size_t>(p)];
    Eigen::VectorXd w = Eigen::VectorXd::Zero(layout_.n_columns());
    for (Eigen::Index j = 0; j < w.size(); ++j)
      if (layout_.param_of_column[static_cast<std::size_t>(j)] == p)
        w[j] = layout_.column_factor[j];
    Eigen::MatrixXd d = Eigen::MatrixXd::Zero(x_.rows(), x_.rows());
    for (Eigen::Index j = 0; j < w.size(); ++j) {
      if (w[j] == 0.0) continue;
      const auto c = x_.col(j).array();
      d.array() +=
          w[j] * (c.replicate(1, x_.rows()) - c.transpose().replicate(x_.rows(), 1)).square();
    }
    return d;
  }

  /// Number of raw parameters.
  Eigen::Index size() const { return layout_.n_params + (fixed_noise_ ? 1 : 2); }

  /// Raw parameters of `h`.
  Eigen::VectorXd to_raw(const GpHyperparameters& h) const {
    Eigen::VectorXd theta(size());
    theta.head(layout_.n_params) = h.inverse_squared_lengthscales.array().log();
    theta[layout_.n_params] = std::log(h.signal_variance);
    if (!fixed_noise_)
      theta[layout_.n_params + 1] = std::log(std::max(h.noise_variance - noise_floor_, 1e-300));
    return theta;
  }

  /// Hyperparameters of raw parameters `theta`.
  GpHyperparameters from_raw(const Eigen::VectorXd& theta) const {
    GpHyperparameters h;
    h.inverse_squared_lengthscales = theta.head(layout_.n_params).array().exp();
    h.signal_variance = std::exp(theta[layout_.n_params]);
    h.noise_variance =
        fixed_noise_ ? noise_floor_ : std::exp(theta[layout_.n_params + 1]) + noise_floor_;
    return h;
  }

  /// The value at `theta`, writing the gradient to `grad`.
  double operator()(const Eigen::VectorXd& theta, Eigen::VectorXd& grad) const {
    const GpHyperparameters h = from_raw(theta);
    const Eigen::Index n = x_.rows();
    const Eigen::Index np = layout_.n_params;
    const Eigen::VectorXd& iota = h.inverse_squared_lengthscales;
    const double sf2 = h.signal_variance;
    const double sn2 = h.noise_variance;

    Eigen::MatrixXd r2 = Eigen::MatrixXd::Zero(n, n);
    for (Eigen::Index p = 0; p < np; ++p) {
      if (static_cast<std::size_t>(p) < cache_.size())
        r2.noalias() += iota[p] * cache_[static_cast<std::size_t>(p)];
      else
        r2.noalias() += iota[p] * param_sq_distances(p);
    }
    Eigen::ArrayXXd corr, d_corr;
    matern52_with_d_r2(r2.array(), corr, d_corr);
    const Eigen::MatrixXd kf = sf2 * corr.matrix();
    Eigen::MatrixXd k = kf;
    k.diagonal().array() += sn2;
    Eigen::LLT<Eigen::MatrixXd> llt(k);
    if (llt.info() != Eigen::Success) return std::numeric_limits<double>::infinity();
    const Eigen::VectorXd alpha = llt.solve(y_);
    const double log_det_half = Eigen::MatrixXd(llt.matrixL()).diagonal().array().log().sum();
    const double lml = -0.5 * y_.dot(alpha) - log_det_half;
    if (!std::isfinite(lml)) return std::numeric_limits<double>::infinity();

    // W = alpha alpha^T - K^-1; then 1/2 sum(W .* dK) for each dK.
    Eigen::MatrixXd w = -llt.solve(Eigen::MatrixXd::Identity(n, n));
    w.noalias() += alpha * alpha.transpose();
    const Eigen::MatrixXd g = w.cwiseProduct(sf2 * d_corr.matrix());

    grad.resize(size());
    Eigen::VectorXd d_iota(np);  // d LML / d iota_p
    for (Eigen::Index p = 0; p < np; ++p)
      d_iota[p] = 0.5 * (static_cast<std::size_t>(p) < cache_.size()
                             ? g.cwiseProduct(cache_[static_cast<std::size_t>(p)]).sum()
                             : g.cwiseProduct(param_sq_distances(p)).sum());
    double log_prior = 0.0;
    for (Eigen::Index p = 0; p < np; ++p) {
      log_prior += -0.1 / iota[p] - 0.1 * iota[p];
      grad[p] = -(d_iota[p] * iota[p] + 0.1 / iota[p] - 0.1 * iota[p]);
    }
    log_prior += std::log(sf2) - sf2;
    grad[np] = -(0.5 * w.cwiseProduct(kf).sum() + 1.0 - sf2);
    log_prior += 0.1 * std::log(sn2) - 30.0 * sn2;
    if (!fixed_noise_) {
      const double raw = sn2 - noise_floor_;
      grad[np + 1] = -(0.5 * raw * w.trace() + (0.1 / sn2 - 30.0) * raw);
    }
    return -(lml + log_prior);
  }

 private:
  const Eigen::MatrixXd& x_;
  const Eigen::VectorXd& y_;
  const GpLayout& layout_;
  double noise_floor_;
  bool fixed_noise_;
  std::vector<Eigen::MatrixXd> cache_;
};

/// A GP posterior on fixed hyperparameters: the Cholesky factor of K(X, X) + sn2 I and
/// alpha = K^-1 y, with predictions for many points at once and, for one point, the gradient
/// of the mean and variance (what acquisition optimization needs).
class GpPosterior {
 public:
  GpPosterior() = default;

  /// Conditions on rows `x` with (standardized) targets `y`.
  GpPosterior(Eigen::MatrixXd x, Eigen::VectorXd y, const GpLayout& layout, GpHyperparameters hyper)
      : x_(std::move(x)), y_(std::move(y)), hyper_(std::move(hyper)) {
    w_ = layout.column_weights(hyper_.inverse_squared_lengthscales);
    Eigen::MatrixXd k =
        hyper_.signal_variance * matern52(exact_sq_distances(x_, w_).array()).matrix();
    k.diagonal().array() += hyper_.noise_variance;
    l_ = robust_cholesky(k, &jitter_);
    update_alpha();
  }

  /// Adds rows `x` with targets `y` (e.g. fantasies of running trials) by extending the
  /// Cholesky factor by a block: O(n^2 m) instead of a new O(n^3) factorization.
  void append(const Eigen::MatrixXd& x, const Eigen::VectorXd& y) {
    const Eigen::Index n = x_.rows();
    const Eigen::Index m = x.rows();
    if (m == 0) return;
    const double sf2 = hyper_.signal_variance;
    const Eigen::MatrixXd k12 = sf2 * matern52(weighted_sq_distances(x_, x, w_).array()).matrix();
    Eigen::MatrixXd k22 = sf2 * matern52(exact_sq_distances(x, w_).array()).matrix();
    k22.diagonal().array() += hyper_.noise_variance;
    const Eigen::MatrixXd l21t = l_.triangularView<Eigen::Lower>().solve(k12);  // n x m
    k22.noalias() -= l21t.transpose() * l21t;
    double extra = 0.0;
    const Eigen::MatrixXd l22 = robust_cholesky(k22, &extra);
    Eigen::MatrixXd l = Eigen::MatrixXd::Zero(n + m, n + m);
    l.topLeftCorner(n, n) = l_;
    l.bottomLeftCorner(m, n) = l21t.transpose();
    l.bottomRightCorner(m, m) = l22;
    l_ = std::move(l);
    Eigen::MatrixXd xs(n + m, x.cols());
    xs.topRows(n) = x_;
    xs.bottomRows(m) = x;
    x_ = std::move(xs);
    Eigen::VectorXd ys(n + m);
    ys.head(n) = y_;
    ys.tail(m) = y;
    y_ = std::move(ys);
    update_alpha();
  }

  /// Posterior mean and latent variance (clamped at 0) at each row of `xc`.
  void predict(const Eigen::MatrixXd& xc, Eigen::VectorXd& mean, Eigen::VectorXd& var) const {
    mean.resize(xc.rows());
    var.resize(xc.rows());
    // Blocks of rows keep the working set in cache; one buffer serves every block.
    constexpr Eigen::Index kBlock = 256;
    const double sf2 = hyper_.signal_variance;
    // Squared distances through one product: |a|^2 + |b|^2 - 2 a.b on scaled coordinates.
    const Eigen::VectorXd root = w_.cwiseSqrt();
    const Eigen::MatrixXd xs = x_ * root.asDiagonal();
    const Eigen::RowVectorXd xs_norm = xs.rowwise().squaredNorm().transpose();
    Eigen::MatrixXd kx(std::min(kBlock, xc.rows()), x_.rows());
    Eigen::MatrixXd cs(kx.rows(), xc.cols());
    for (Eigen::Index start = 0; start < xc.rows(); start += kBlock) {
      const Eigen::Index rows = std::min(kBlock, xc.rows() - start);
      auto k = kx.topRows(rows);
      auto c = cs.topRows(rows);
      c.noalias() = xc.middleRows(start, rows) * root.asDiagonal();
      k.noalias() = -2.0 * c * xs.transpose();
      k.colwise() += c.rowwise().squaredNorm();
      k.rowwise() += xs_norm;
      k = k.cwiseMax(0.0);
      matern52_in_place(k, sf2);
      mean.segment(start, rows).noalias() = k * alpha_;
      // v^T = k L^-T in place: var = sf2 - |L^-1 k_x|^2 without a transposed copy.
      l_.triangularView<Eigen::Lower>().transpose().solveInPlace<Eigen::OnTheRight>(k);
      var.segment(start, rows) = (sf2 - k.rowwise().squaredNorm().array()).cwiseMax(0.0).matrix();
    }
  }

  /// Replaces the targets (same rows, e.g. re-standardized); O(n^2).
  void set_targets(Eigen::VectorXd y) {
    y_ = std::move(y);
    update_alpha();
  }

  /// Mean and latent variance at one point `xq`, with their gradients in xq.
  void predict_with_gradient(const Eigen::VectorXd& xq, double& mean, double& var,
                             Eigen::VectorXd& d_mean, Eigen::VectorXd& d_var) const {
    const double sf2 = hyper_.signal_variance;
    const Eigen::ArrayXXd diff = ((-x_).rowwise() + xq.transpose()).array();  // xq - x_i per row
    const Eigen::ArrayXd r2 = (diff.square().matrix() * w_).array();
    Eigen::ArrayXd corr, d_corr;
    matern52_with_d_r2(r2, corr, d_corr);
    const Eigen::VectorXd kx = sf2 * corr.matrix();
    const Eigen::ArrayXd c = sf2 * d_corr;  // dk / dr2
    mean = kx.dot(alpha_);
    const Eigen::VectorXd v = l_.triangularView<Eigen::Lower>().solve(kx);
    const Eigen::VectorXd q = l_.triangularView<Eigen::Lower>().transpose().solve(v);
    var = std::max(sf2 - v.squaredNorm(), 0.0);
    // dk_i/dx_j = c_i * 2 w_j (xq_j - x_ij).
    const Eigen::ArrayXd a = alpha_.array() * c;
    const Eigen::ArrayXd b = q.array() * c;
    d_mean = 2.0 * w_.cwiseProduct(diff.matrix().transpose() * a.matrix());
    d_var = -4.0 * w_.cwiseProduct(diff.matrix().transpose() * b.matrix());
  }

  /// The training rows (fantasies included).
  const Eigen::MatrixXd& x() const { return x_; }
  /// The training targets.
  const Eigen::VectorXd& y() const { return y_; }
  const GpHyperparameters& hyperparameters() const { return hyper_; }
  /// Per-column weights of the squared distance (inverse squared lengthscales).
  const Eigen::VectorXd& weights() const { return w_; }
  /// Lower Cholesky factor of K(X, X) + sn2 I.
  const Eigen::MatrixXd& cholesky() const { return l_; }
  /// Jitter the first factorization needed (0: none; -1: diagonal fallback).
  double jitter() const { return jitter_; }

 private:
  void update_alpha() {
    alpha_ = l_.triangularView<Eigen::Lower>().solve(y_);
    l_.triangularView<Eigen::Lower>().transpose().solveInPlace(alpha_);
  }

  Eigen::MatrixXd x_;
  Eigen::VectorXd y_;
  GpHyperparameters hyper_;
  Eigen::VectorXd w_;
  Eigen::MatrixXd l_;
  Eigen::VectorXd alpha_;
  double jitter_ = 0.0;
};

}  // namespace hpo::detail
