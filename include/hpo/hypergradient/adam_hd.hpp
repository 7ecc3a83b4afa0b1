// SPDX-License-Identifier: MIT
#pragma once

/// Adam-HD: Adam whose single global learning rate is learned online by hypergradient descent
/// (Baydin, Cornish, Martinez Rubio, Schmidt, Wood, ICLR 2018, arXiv 1703.04782).

#include <Eigen/Core>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>

#include "hpo/detail/hypergradient.hpp"
#include "hpo/errors.hpp"

namespace hpo {

/// The options of AdamHd: Adam's, plus hypergrad_lr and the clipping bounds of the rate.
struct AdamHdOptions {
  /// alpha_0, the learning rate of the first step (Adam's usual 1e-3, as in the paper).
  double lr = 1e-3;
  /// beta, the learning rate of the learning rate. 1e-7 is the value of the paper's Adam-HD
  /// runs on logistic regression and the MLP, chosen as the recommended one (its VGG run and the
  /// official README use 1e-8, the official class defaults to 1e-8). Adam-HD's h_t is a sum of
  /// n terms of size |g_i| (Adam's step has unit scale), so larger models want smaller values;
  /// for a small model with tens of parameters, values near 1e-3 are typical. 0 gives Adam.
  double hypergrad_lr = 1e-7;
  /// Decay rate of the first-moment average, in [0, 1).
  double beta1 = 0.9;
  /// Decay rate of the second-moment average, in [0, 1).
  double beta2 = 0.999;
  /// Added to sqrt(v) (the uncorrected second moment, as in PyTorch's Adam); > 0.
  double eps = 1e-8;
  /// L2 penalty: weight_decay * params is added to the gradient before anything else (Adam's,
  /// not AdamW's decoupled decay).
  double weight_decay = 0.0;
  /// Safeguard (not in the official code): alpha is clipped to [lr_min, lr_max] after every
  /// update. The default 0 keeps alpha from ever going negative.
  double lr_min = 0.0;
  /// Upper end of the clipping interval; +inf (the default) turns it off.
  double lr_max = std::numeric_limits<double>::infinity();
};

/// Adam-HD: Adam whose learning rate alpha follows hypergradient descent.
///
/// Each step(params, grad), with g_t the gradient at theta_{t-1}, in the form of the official
/// PyTorch code (hypergrad/adam_hd.py, which has PyTorch's Adam update):
///
///     g_t    += weight_decay * theta_{t-1}
///     c_k     = sqrt(1 - beta2^k) / (1 - beta1^k)
///     h_t     = -c_{t-1} g_t . m_{t-1} / (sqrt(v_{t-1}) + eps)      (0 at the first step)
///     alpha_t = clip(alpha_{t-1} - hypergrad_lr * h_t, lr_min, lr_max)
///     m_t     = beta1 m_{t-1} + (1 - beta1) g_t
///     v_t     = beta2 v_{t-1} + (1 - beta2) g_t^2                    (m_0 = v_0 = 0)
///     theta_t = theta_{t-1} - alpha_t c_t m_t / (sqrt(v_t) + eps)
///
/// The update is linear in alpha_t with direction c_t m_t / (sqrt(v_t) + eps), which does not
/// depend on alpha_t, so h_t = d f(theta_{t-1}) / d alpha_{t-1} exactly, bias corrections
/// included. (The paper writes the update with mhat / (sqrt(vhat) + eps); the code's form, used
/// here, puts eps on the uncorrected sqrt(v), i.e. it is the paper's with eps / sqrt(1 -
/// beta2^t) in place of eps.) The official code's variable `h` is -h_t.
///
/// Memory: the two moment vectors. Per step, besides Adam's work, one pass for the dot product,
/// which recomputes m / (sqrt(v) + eps) (plus a finiteness check at the first step). Scalar, float
/// support (`AdamHdFloat`), errors and exception safety as for SgdHd: bad options and bad steps
/// throw InvalidArgument naming the option or the step, a NaN or infinite rate throws Error, a
/// throw changes nothing.
template <class Scalar>
class BasicAdamHd {
 public:
  /// Shorthand for AdamHdOptions.
  using Options = AdamHdOptions;
  /// The vector type of the Eigen overload.
  using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;

  /// @throws InvalidArgument naming the option if lr, hypergrad_lr, weight_decay or lr_min is
  /// negative or not finite, lr_max < lr_min (or NaN), lr is outside [lr_min, lr_max], beta1 or
  /// beta2 is outside [0, 1), or eps is not finite and > 0.
  explicit BasicAdamHd(const Options& options = {})
      : options_(options),
        type_(detail::hd_type_name<Scalar>("AdamHd")),
        rate_(options.lr, options.hypergrad_lr, options.lr_min, options.lr_max) {
    detail::check_hd_common_options(type_, options.lr, options.hypergrad_lr, options.weight_decay,
                                    options.lr_min, options.lr_max);
    detail::check_hd_option(options.beta1 >= 0.0 && options.beta1 < 1.0, type_, "beta1",
                            "in [0, 1)", options.beta1);
    detail::check_hd_option(options.beta2 >= 0.0 && options.beta2 < 1.0, type_, "beta2",
                            "in [0, 1)", options.beta2);
    detail::check_hd_option(std::isfinite(options.eps) && options.eps > 0.0, type_, "eps",
                            "finite and > 0", options.eps);
  }

  /// One step: adapts the rate with the hypergradient, then updates params in place with grad,
  /// the gradient of the loss at params. All steps must have the same size.
  /// @throws InvalidArgument or Error as described on the class; nothing changes then.
  void step(Eigen::Ref<Vector> params, const Eigen::Ref<const Vector>& grad) {
    detail::check_hd_sizes(type_, params.size(), grad.size(), m_.size(), rate_.step_count() + 1);
    // g_t as a lazy expression: the gradient is not copied.
    if (options_.weight_decay != 0.0) {
      step_with(params, grad + static_cast<Scalar>(options_.weight_decay) * params);
    } else {
      step_with(params, grad);
    }
  }
  /// The same on n contiguous values, e.g. a LibTorch tensor's data_ptr<float>() and
  /// grad().data_ptr<float>() (contiguous, on the CPU) or a plain array.
  /// @throws InvalidArgument also for a null pointer with n > 0.
  void step(Scalar* params, const Scalar* grad, std::size_t n) {
    detail::check_hd_pointers(type_, params, grad, n);
    const auto size = static_cast<Eigen::Index>(n);
    step(Eigen::Map<Vector>(params, size), Eigen::Map<const Vector>(grad, size));
  }

  /// alpha: the rate the last step used (options.lr before the first step).
  double lr() const { return rate_.lr(); }
  /// Overrides alpha; the next step adapts from this value. E.g. to apply an outer decay.
  /// @throws InvalidArgument if lr is not finite or outside [lr_min, lr_max].
  void set_lr(double lr) {
    detail::check_hd_set_lr(type_, lr, options_.lr_min, options_.lr_max);
    rate_.set_lr(lr);
  }
  /// h_t of the last step: d f(theta_{t-1}) / d alpha_{t-1} (0 until the second step).
  double hypergradient() const { return rate_.hypergradient(); }
  /// Steps taken since construction or the last reset().
  std::int64_t step_count() const { return rate_.step_count(); }
  /// Back to the state after construction: alpha = options.lr, no steps, moments cleared.
  void reset() {
    rate_.reset();
    m_.resize(0);
    v_.resize(0);
  }
  /// The options given at construction.
  const Options& options() const { return options_; }

 private:
  /// The step with g_t given as an expression, which may read params: it is evaluated only
  /// before params changes, and nothing changes before every check has passed.
  template <class G>
  void step_with(Eigen::Ref<Vector>& params, const G& g) {
    const std::int64_t t = rate_.step_count() + 1;
    const auto eps = static_cast<Scalar>(options_.eps);
    // h_t = -c_{t-1} g_t . m_{t-1} / (sqrt(v_{t-1}) + eps); the quotient is recomputed rather
    // than stored (more work, one vector less).
    const double h = t == 1
                         ? 0.0
                         : -correction(t - 1) *
                               detail::hd_dot(g, (m_.array() / (v_.array().sqrt() + eps)).matrix());
    // A finite dot product implies a finite g_t (inf * 0 and NaN * x are NaN), so the separate
    // pass over g_t is needed only at the first step or when h is not finite.
    if (t == 1 || !std::isfinite(h)) {
      detail::check_hd_gradient(detail::hd_all_finite(g), type_, t, options_.weight_decay);
    }
    const double alpha = rate_.next(type_, h);

    const auto b1 = static_cast<Scalar>(options_.beta1);
    const auto b2 = static_cast<Scalar>(options_.beta2);
    const auto one = static_cast<Scalar>(1);
    if (t == 1) {  // from m_0 = v_0 = 0
      m_ = (one - b1) * g;
      v_ = (one - b2) * g.cwiseAbs2();
    } else {
      m_ = b1 * m_ + (one - b1) * g;
      v_ = b2 * v_ + (one - b2) * g.cwiseAbs2();
    }
    const auto step_size = static_cast<Scalar>(alpha * correction(t));
    params.array() -= step_size * m_.array() / (v_.array().sqrt() + eps);
    rate_.commit(h, alpha);
  }

  /// c_k = sqrt(1 - beta2^k) / (1 - beta1^k), the bias correction of step k >= 1.
  double correction(std::int64_t k) const {
    const auto kk = static_cast<double>(k);
    return std::sqrt(1.0 - std::pow(options_.beta2, kk)) / (1.0 - std::pow(options_.beta1, kk));
  }

  Options options_;
  std::string type_;
  detail::HdRate rate_;
  Vector m_;  // first moment m_t; its size is the problem size (0: no step yet)
  Vector v_;  // second moment v_t
};

/// Adam-HD on double vectors.
using AdamHd = BasicAdamHd<double>;
/// Adam-HD on float vectors (e.g. LibTorch float32 parameters).
using AdamHdFloat = BasicAdamHd<float>;

}  // namespace hpo
