// SPDX-License-Identifier: MIT
#pragma once

/// SGD-HD and SGDN-HD: stochastic gradient descent, plain or with momentum / Nesterov momentum,
/// whose single global learning rate is itself learned online by hypergradient descent
/// (Baydin, Cornish, Martinez Rubio, Schmidt, Wood, ICLR 2018, arXiv 1703.04782).

#include <Eigen/Core>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>

#include "hpo/detail/hypergradient.hpp"
#include "hpo/errors.hpp"

namespace hpo {

/// The options of SgdHd. The defaults are those of the paper's experiments (its run.sh).
struct SgdHdOptions {
  /// alpha_0, the learning rate of the first step (the paper uses 1e-3 for every method).
  double lr = 1e-3;
  /// beta, the learning rate of the learning rate. 1e-3 is the value of the paper's SGD-HD and
  /// SGDN-HD runs, chosen as the recommended one; the official PyTorch class defaults to 1e-6.
  /// h_t scales with |g|^2, so a model with large gradients may need a smaller value. 0 gives
  /// plain SGD with the constant rate lr.
  double hypergrad_lr = 1e-3;
  /// L2 penalty: weight_decay * params is added to the gradient before anything else.
  double weight_decay = 0.0;
  /// Safeguard (not in the official code): alpha is clipped to [lr_min, lr_max] after every
  /// update. The default 0 keeps alpha from ever going negative.
  double lr_min = 0.0;
  /// Upper end of the clipping interval; +inf (the default) turns it off.
  double lr_max = std::numeric_limits<double>::infinity();
};

/// The options of SgdnHd: those of SgdHd plus the momentum.
struct SgdnHdOptions {
  /// alpha_0, the learning rate of the first step.
  double lr = 1e-3;
  /// beta, the learning rate of the learning rate; 1e-3 as in the paper's SGDN-HD runs (see
  /// SgdHdOptions::hypergrad_lr).
  double hypergrad_lr = 1e-3;
  /// mu, in [0, 1); 0.9 as in the paper. With 0 SgdnHd is SgdHd.
  double momentum = 0.9;
  /// Nesterov momentum (the paper's SGDN) when true, heavy-ball momentum when false.
  bool nesterov = true;
  /// L2 penalty: weight_decay * params is added to the gradient before anything else.
  double weight_decay = 0.0;
  /// Lower clipping bound of alpha (0: never negative); see SgdHdOptions::lr_min.
  double lr_min = 0.0;
  /// Upper clipping bound of alpha; +inf turns it off.
  double lr_max = std::numeric_limits<double>::infinity();
};

namespace detail {

/// The SGD-HD update with optional (Nesterov) momentum, in the form of the official PyTorch code
/// (hypergrad/sgd_hd.py, without dampening): at step t, with g_t the gradient at theta_{t-1}
/// plus weight_decay * theta_{t-1},
///
///     h_t     = -g_t . d_{t-1}                      (0 at t = 1)
///     alpha_t = clip(alpha_{t-1} - beta h_t, lr_min, lr_max)
///     b_t     = mu b_{t-1} + g_t                     (b_1 = g_1)
///     d_t     = g_t + mu b_t (Nesterov), b_t (heavy ball), g_t (mu = 0)
///     theta_t = theta_{t-1} - alpha_t d_t
///
/// Since theta_{t-1} = theta_{t-2} - alpha_{t-1} d_{t-1} and d_{t-1} does not depend on
/// alpha_{t-1}, h_t is exactly d f(theta_{t-1}) / d alpha_{t-1}. The official code's variable
/// `h` is -h_t (it does lr += hypergrad_lr * h).
template <class Scalar>
class SgdHdCore {
 public:
  /// The vector type of the Eigen overload.
  using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;

  /// Checks the options (throwing InvalidArgument naming the first bad one) and starts.
  SgdHdCore(std::string type, double lr, double hypergrad_lr, double weight_decay, double lr_min,
            double lr_max, double momentum, bool nesterov)
      : type_(std::move(type)),
        rate_(lr, hypergrad_lr, lr_min, lr_max),
        weight_decay_(weight_decay),
        momentum_(momentum),
        nesterov_(nesterov),
        lr_min_(lr_min),
        lr_max_(lr_max) {
    check_hd_common_options(type_, lr, hypergrad_lr, weight_decay, lr_min, lr_max);
    check_hd_option(momentum >= 0.0 && momentum < 1.0, type_, "momentum", "in [0, 1)", momentum);
  }

  /// One step (see the class comment); strong exception guarantee.
  void step(Eigen::Ref<Vector> params, const Eigen::Ref<const Vector>& grad) {
    check_hd_sizes(type_, params.size(), grad.size(), n_, rate_.step_count() + 1);
    // g_t as a lazy expression: the gradient is not copied.
    if (weight_decay_ != 0.0) {
      step_with(params, grad + static_cast<Scalar>(weight_decay_) * params);
    } else {
      step_with(params, grad);
    }
  }

  /// The same over n contiguous values.
  void step(Scalar* params, const Scalar* grad, std::size_t n) {
    check_hd_pointers(type_, params, grad, n);
    const auto size = static_cast<Eigen::Index>(n);
    step(Eigen::Map<Vector>(params, size), Eigen::Map<const Vector>(grad, size));
  }

  /// alpha (options' lr before the first step).
  double lr() const { return rate_.lr(); }
  /// Replaces alpha after checking it.
  void set_lr(double lr) {
    check_hd_set_lr(type_, lr, lr_min_, lr_max_);
    rate_.set_lr(lr);
  }
  /// The last h_t.
  double hypergradient() const { return rate_.hypergradient(); }
  /// Steps taken.
  std::int64_t step_count() const { return rate_.step_count(); }
  /// Back to the start.
  void reset() {
    rate_.reset();
    n_ = 0;
    b_.resize(0);
    d_.resize(0);
  }

 private:
  /// The step with g_t given as an expression, which may read params: it is evaluated only
  /// before params changes, and nothing changes before every check has passed.
  template <class G>
  void step_with(Eigen::Ref<Vector>& params, const G& g) {
    const std::int64_t t = rate_.step_count() + 1;
    const bool heavy_ball = momentum_ != 0.0 && !nesterov_;
    const double h = t == 1 ? 0.0 : -hd_dot(g, heavy_ball ? b_ : d_);
    // A finite dot product implies a finite g_t (inf * 0 and NaN * x are NaN), so the separate
    // pass over g_t is needed only at the first step or when h is not finite.
    if (t == 1 || !std::isfinite(h)) check_hd_gradient(hd_all_finite(g), type_, t, weight_decay_);
    const double alpha = rate_.next(type_, h);

    const auto mu = static_cast<Scalar>(momentum_);
    if (momentum_ == 0.0) {
      d_ = g;
    } else {
      if (t == 1) {
        b_ = g;
      } else {
        b_ = mu * b_ + g;
      }
      if (nesterov_) d_.noalias() = g + mu * b_;
    }
    params -= static_cast<Scalar>(alpha) * (heavy_ball ? b_ : d_);
    n_ = params.size();
    rate_.commit(h, alpha);
  }

  std::string type_;
  HdRate rate_;
  double weight_decay_;
  double momentum_;
  bool nesterov_;
  double lr_min_;
  double lr_max_;
  Eigen::Index n_ = 0;  // the problem size, 0 before the first step
  Vector b_;            // momentum buffer b_t (with momentum; it is also d_t for heavy ball)
  Vector d_;            // the last direction d_t (without momentum, or with Nesterov)
};

}  // namespace detail

/// SGD-HD: plain SGD whose learning rate alpha follows hypergradient descent.
///
/// Each step(params, grad) takes the gradient g_t of the loss at the current params
/// theta_{t-1}, then
///
///     g_t    += weight_decay * theta_{t-1}
///     h_t     = -g_t . g_{t-1}                        (0 at the first step)
///     alpha_t = clip(alpha_{t-1} - hypergrad_lr * h_t, lr_min, lr_max)
///     theta_t = theta_{t-1} - alpha_t g_t
///
/// h_t = d f(theta_{t-1}) / d alpha_{t-1} exactly: the derivative of the loss after the previous
/// update with respect to the rate that update used. Memory: one vector (the last direction).
/// Per step: the dot product, a copy and the update, three passes over n values where plain SGD
/// needs one (plus a finiteness check at the first step).
///
/// Scalar is the element type of params and grad: `SgdHd` for double and `SgdHdFloat` for
/// float (LibTorch's default dtype). The optimizer keeps alpha and h in double whatever Scalar
/// is; the vectors are stored and updated in Scalar, and float dot products are summed in float
/// over blocks of 4096 entries and in double across blocks (see detail::hd_dot).
/// A template rather than float overloads, so that the float state is not kept in double (half
/// the memory for a float model) and each instance has one fixed element type.
///
/// Errors: bad options throw InvalidArgument naming the option; a step with a NaN or infinite
/// gradient, mismatched sizes or a size other than that of the earlier steps throws
/// InvalidArgument naming the step, and a rate that becomes NaN or infinite throws Error.
/// A step that throws changes nothing (neither params nor the optimizer).
///
/// Example:
///
///     hpo::SgdHd opt({/*lr=*/0.01, /*hypergrad_lr=*/1e-3});
///     for (int t = 0; t < 1000; ++t) {
///       grad = gradient_at(params);
///       opt.step(params, grad);   // Eigen::VectorXd, or opt.step(ptr, gptr, n)
///     }
///     double learned = opt.lr();
template <class Scalar>
class BasicSgdHd {
 public:
  /// Shorthand for SgdHdOptions.
  using Options = SgdHdOptions;
  /// The vector type of the Eigen overload.
  using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;

  /// @throws InvalidArgument naming the option if lr, hypergrad_lr, weight_decay or lr_min is
  /// negative or not finite, lr_max < lr_min (or NaN), or lr is outside [lr_min, lr_max].
  explicit BasicSgdHd(const Options& options = {})
      : options_(options),
        core_(detail::hd_type_name<Scalar>("SgdHd"), options.lr, options.hypergrad_lr,
              options.weight_decay, options.lr_min, options.lr_max, 0.0, false) {}

  /// One step: adapts the rate with the hypergradient, then updates params in place with grad,
  /// the gradient of the loss at params. All steps must have the same size.
  /// @throws InvalidArgument or Error as described on the class; nothing changes then.
  void step(Eigen::Ref<Vector> params, const Eigen::Ref<const Vector>& grad) {
    core_.step(params, grad);
  }
  /// The same on n contiguous values, e.g. a LibTorch tensor's data_ptr<float>() and
  /// grad().data_ptr<float>() (contiguous, on the CPU) or a plain array.
  /// @throws InvalidArgument also for a null pointer with n > 0.
  void step(Scalar* params, const Scalar* grad, std::size_t n) { core_.step(params, grad, n); }

  /// alpha: the rate the last step used (options.lr before the first step).
  double lr() const { return core_.lr(); }
  /// Overrides alpha; the next step adapts from this value. E.g. to apply an outer decay.
  /// @throws InvalidArgument if lr is not finite or outside [lr_min, lr_max].
  void set_lr(double lr) { core_.set_lr(lr); }
  /// h_t of the last step: d f(theta_{t-1}) / d alpha_{t-1} (0 until the second step).
  double hypergradient() const { return core_.hypergradient(); }
  /// Steps taken since construction or the last reset().
  std::int64_t step_count() const { return core_.step_count(); }
  /// Back to the state after construction: alpha = options.lr, no steps, any size.
  void reset() { core_.reset(); }
  /// The options given at construction.
  const Options& options() const { return options_; }

 private:
  Options options_;
  detail::SgdHdCore<Scalar> core_;
};

/// SGDN-HD: SGD with Nesterov (or heavy-ball) momentum whose learning rate follows
/// hypergradient descent.
///
/// Each step(params, grad), with g_t the gradient at theta_{t-1}:
///
///     g_t    += weight_decay * theta_{t-1}
///     h_t     = -g_t . d_{t-1}                         (0 at the first step)
///     alpha_t = clip(alpha_{t-1} - hypergrad_lr * h_t, lr_min, lr_max)
///     b_t     = momentum * b_{t-1} + g_t               (b_1 = g_1)
///     d_t     = g_t + momentum * b_t                   (nesterov; b_t otherwise)
///     theta_t = theta_{t-1} - alpha_t d_t
///
/// This is the momentum form of PyTorch's SGD and of the official code (dampening 0), which
/// stores the direction d after momentum, so that h_t = d f(theta_{t-1}) / d alpha_{t-1}
/// exactly. Memory: the momentum buffer b, plus the direction d with Nesterov. Float support,
/// errors and exception safety as SgdHd.
template <class Scalar>
class BasicSgdnHd {
 public:
  /// Shorthand for SgdnHdOptions.
  using Options = SgdnHdOptions;
  /// The vector type of the Eigen overload.
  using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;

  /// @throws InvalidArgument naming the option for the cases of SgdHd, or momentum outside
  /// [0, 1).
  explicit BasicSgdnHd(const Options& options = {})
      : options_(options),
        core_(detail::hd_type_name<Scalar>("SgdnHd"), options.lr, options.hypergrad_lr,
              options.weight_decay, options.lr_min, options.lr_max, options.momentum,
              options.nesterov) {}

  /// One step: adapts the rate with the hypergradient, then updates params in place with grad,
  /// the gradient of the loss at params. All steps must have the same size.
  /// @throws InvalidArgument or Error as described on SgdHd; nothing changes then.
  void step(Eigen::Ref<Vector> params, const Eigen::Ref<const Vector>& grad) {
    core_.step(params, grad);
  }
  /// The same on n contiguous values (a LibTorch tensor's data, a plain array).
  /// @throws InvalidArgument also for a null pointer with n > 0.
  void step(Scalar* params, const Scalar* grad, std::size_t n) { core_.step(params, grad, n); }

  /// alpha: the rate the last step used (options.lr before the first step).
  double lr() const { return core_.lr(); }
  /// Overrides alpha; the next step adapts from this value.
  /// @throws InvalidArgument if lr is not finite or outside [lr_min, lr_max].
  void set_lr(double lr) { core_.set_lr(lr); }
  /// h_t of the last step: d f(theta_{t-1}) / d alpha_{t-1} (0 until the second step).
  double hypergradient() const { return core_.hypergradient(); }
  /// Steps taken since construction or the last reset().
  std::int64_t step_count() const { return core_.step_count(); }
  /// Back to the state after construction: alpha = options.lr, no steps, momentum cleared.
  void reset() { core_.reset(); }
  /// The options given at construction.
  const Options& options() const { return options_; }

 private:
  Options options_;
  detail::SgdHdCore<Scalar> core_;
};

/// SGD-HD on double vectors.
using SgdHd = BasicSgdHd<double>;
/// SGD-HD on float vectors (e.g. LibTorch float32 parameters).
using SgdHdFloat = BasicSgdHd<float>;
/// SGDN-HD on double vectors.
using SgdnHd = BasicSgdnHd<double>;
/// SGDN-HD on float vectors.
using SgdnHdFloat = BasicSgdnHd<float>;

}  // namespace hpo
