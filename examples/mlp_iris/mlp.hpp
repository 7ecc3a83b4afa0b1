// SPDX-License-Identifier: MIT
#pragma once

// A small multilayer perceptron on Eigen: ReLU or tanh hidden layers, a softmax output trained
// with cross-entropy and L2 weight decay, minibatch SGD with momentum or Adam, at a learning rate
// set per epoch or adapted at every minibatch by hypergradient descent (hpo::SgdnHd,
// hpo::AdamHd).

#include <cmath>
#include <cstdint>
#include <numeric>
#include <optional>
#include <utility>
#include <vector>

#include <Eigen/Dense>
#include <hpo/detail/rng.hpp>
#include <hpo/hypergradient/adam_hd.hpp>
#include <hpo/hypergradient/sgd_hd.hpp>

#include "data.hpp"

namespace iris {

/// The hidden layers' activation.
enum class Activation { Relu, Tanh };
/// The update rule.
enum class Optimizer { Sgd, Adam };
/// Where the learning rate of a minibatch step comes from.
enum class LrAdaptation {
  /// The rate passed to train_epoch (the caller's schedule).
  None,
  /// Hypergradient descent: the rate of the first train_epoch call is alpha_0, then one rate
  /// shared by the whole network follows hpo::SgdnHd (Optimizer::Sgd) or hpo::AdamHd
  /// (Optimizer::Adam) at every minibatch; the rates of later calls are ignored.
  Hypergradient
};

/// The default beta, the rate of the rate, of LrAdaptation::Hypergradient. It is not scale-free
/// (SGD-HD's first change of the rate is about beta |g|^2, Adam-HD's about beta |g|_1), but on
/// this network 1e-3 to 3e-3 suits both optimizers and 0.01 already lets a few runs diverge
/// (docs/hypergradient.md, "In the iris example").
inline constexpr double kDefaultHypergradLr = 3e-3;

/// What defines a network and its training, apart from the learning rate (set per epoch).
struct MlpConfig {
  int hidden_units = 16;
  int hidden_layers = 1;
  Activation activation = Activation::Relu;
  Optimizer optimizer = Optimizer::Adam;
  double weight_decay = 1e-4;
  int batch_size = 16;
  LrAdaptation lr_adaptation = LrAdaptation::None;
  /// beta for LrAdaptation::Hypergradient.
  double hypergrad_lr = kDefaultHypergradLr;
};

/// Loss and accuracy on a data set.
struct Evaluation {
  double loss = 0.0;
  double accuracy = 0.0;
};

/// A fully connected network with its optimizer state; each trial owns one.
class Mlp {
 public:
  /// Draws the initial weights from `rng` (He for ReLU, Glorot for tanh; zero biases).
  Mlp(const MlpConfig& config, hpo::detail::Rng& rng) : config_(config) {
    Eigen::Index in = kFeatures;
    for (int l = 0; l <= config.hidden_layers; ++l) {
      const Eigen::Index out = l == config.hidden_layers ? kClasses : config.hidden_units;
      const double gain = config.activation == Activation::Relu ? 2.0 : 1.0;
      const double sd = std::sqrt(gain / static_cast<double>(in));
      Layer layer;
      layer.w = Eigen::MatrixXd::NullaryExpr(out, in, [&] { return sd * rng.normal(); });
      layer.b = Eigen::VectorXd::Zero(out);
      layer.zero_state();
      layers_.push_back(std::move(layer));
      in = out;
    }
  }

  /// One pass over `train` in minibatches, in an order shuffled with `rng`, at learning rate lr
  /// (with LrAdaptation::Hypergradient: lr is alpha_0 at the first call, ignored afterwards).
  void train_epoch(const Dataset& train, double lr, hpo::detail::Rng& rng) {
    std::vector<int> order(static_cast<std::size_t>(train.size()));
    std::iota(order.begin(), order.end(), 0);
    shuffle(order, rng);
    const auto batch = static_cast<std::size_t>(config_.batch_size);
    for (std::size_t start = 0; start < order.size(); start += batch) {
      const std::vector<int> rows(
          order.begin() + static_cast<std::ptrdiff_t>(start),
          order.begin() + static_cast<std::ptrdiff_t>(std::min(order.size(), start + batch)));
      step(subset(train, rows), lr);
    }
  }

  /// Mean cross-entropy (without the weight-decay term) and accuracy on `data`.
  Evaluation evaluate(const Dataset& data) const {
    const Eigen::MatrixXd p = forward(data.x).back();
    Evaluation e;
    for (Eigen::Index i = 0; i < data.size(); ++i) {
      const int label = data.y[static_cast<std::size_t>(i)];
      Eigen::Index predicted = 0;
      p.col(i).maxCoeff(&predicted);
      e.accuracy += predicted == label ? 1.0 : 0.0;
      e.loss -= std::log(std::max(p(label, i), 1e-300));
    }
    const double n = static_cast<double>(data.size());
    return {e.loss / n, e.accuracy / n};
  }

  /// The predicted class of one sample `x` (kFeatures values): the largest output of the
  /// forward pass, without the softmax and without keeping the activations, as a deployed
  /// network would compute it. Costs about multiply_adds() multiply-adds.
  int classify(const Eigen::Ref<const Eigen::VectorXd>& x) const {
    Eigen::VectorXd a = x;
    for (std::size_t l = 0; l < layers_.size(); ++l) {
      Eigen::VectorXd z = layers_[l].b;
      z.noalias() += layers_[l].w * a;
      if (l + 1 < layers_.size()) {
        if (config_.activation == Activation::Relu)
          z = z.cwiseMax(0.0);
        else
          z = z.array().tanh().matrix();
      }
      a = std::move(z);
    }
    Eigen::Index predicted = 0;
    a.maxCoeff(&predicted);
    return static_cast<int>(predicted);
  }

  /// Multiply-adds of one prediction: inputs x outputs summed over the layers (the matrix-vector
  /// products; the bias additions, activations and the final argmax are not counted).
  std::int64_t multiply_adds() const {
    std::int64_t n = 0;
    for (const Layer& layer : layers_) n += static_cast<std::int64_t>(layer.w.size());
    return n;
  }

  /// The rate hypergradient descent has reached (alpha of the last step), or empty without
  /// LrAdaptation::Hypergradient or before the first step.
  std::optional<double> adapted_lr() const {
    if (sgdn_hd_) return sgdn_hd_->lr();
    if (adam_hd_) return adam_hd_->lr();
    return std::nullopt;
  }

 private:
  /// One dense layer's weights, biases and optimizer state.
  struct Layer {
    Eigen::MatrixXd w;
    Eigen::VectorXd b;
    Eigen::MatrixXd mw, vw;  // first and second moments (SGD uses mw as the velocity)
    Eigen::VectorXd mb, vb;
    /// Sets the optimizer state to zero.
    void zero_state() {
      mw = vw = Eigen::MatrixXd::Zero(w.rows(), w.cols());
      mb = vb = Eigen::VectorXd::Zero(b.size());
    }
  };

  /// The activations of every layer: [input, hidden..., softmax probabilities].
  std::vector<Eigen::MatrixXd> forward(const Eigen::MatrixXd& x) const {
    std::vector<Eigen::MatrixXd> a{x};
    for (std::size_t l = 0; l < layers_.size(); ++l) {
      Eigen::MatrixXd z = (layers_[l].w * a.back()).colwise() + layers_[l].b;
      if (l + 1 < layers_.size()) {
        if (config_.activation == Activation::Relu)
          z = z.cwiseMax(0.0);
        else
          z = z.array().tanh().matrix();
      } else {
        const Eigen::RowVectorXd top = z.colwise().maxCoeff();
        z = (z.rowwise() - top).array().exp().matrix();
        z = (z.array().rowwise() / z.colwise().sum().array()).matrix();
      }
      a.push_back(std::move(z));
    }
    return a;
  }

  /// One update on a minibatch: backpropagation, then SGD with momentum 0.9 or Adam.
  void step(const Dataset& batch, double lr) {
    const bool hd = config_.lr_adaptation == LrAdaptation::Hypergradient;
    if (hd) start_hypergradient(lr);
    const auto a = forward(batch.x);
    Eigen::MatrixXd delta = a.back();  // d(loss)/d(logits) = (p - onehot) / n
    for (Eigen::Index i = 0; i < batch.size(); ++i)
      delta(batch.y[static_cast<std::size_t>(i)], i) -= 1.0;
    delta /= static_cast<double>(batch.size());
    ++t_;
    for (std::size_t l = layers_.size(); l-- > 0;) {
      Layer& layer = layers_[l];
      const Eigen::MatrixXd gw = delta * a[l].transpose() + config_.weight_decay * layer.w;
      const Eigen::VectorXd gb = delta.rowwise().sum();
      if (l > 0) {
        delta = layer.w.transpose() * delta;
        if (config_.activation == Activation::Relu)
          delta = (a[l].array() > 0.0).select(delta.array(), 0.0).matrix();
        else
          delta = (delta.array() * (1.0 - a[l].array().square())).matrix();
      }
      if (hd) {
        // Backpropagation visits the layers last to first; the flat vector keeps them in order.
        const Eigen::Index offset = layer_offset(l);
        grad_.segment(offset, gw.size()) = gw.reshaped();
        grad_.segment(offset + gw.size(), gb.size()) = gb;
      } else {
        update(layer.w, layer.mw, layer.vw, gw, lr);
        update(layer.b, layer.mb, layer.vb, gb, lr);
      }
    }
    if (!hd) return;
    // One step over all the parameters as one vector: the hypergradient is the sum over every
    // layer of grad_t . d_{t-1}, and the network shares one rate, as in the paper.
    copy_parameters(/*to_flat=*/true);
    if (sgdn_hd_)
      sgdn_hd_->step(params_, grad_);
    else
      adam_hd_->step(params_, grad_);
    copy_parameters(/*to_flat=*/false);
  }

  /// Creates the hypergradient optimizer with alpha_0 = lr at the first step.
  void start_hypergradient(double lr) {
    if (sgdn_hd_ || adam_hd_) return;
    const double beta = config_.hypergrad_lr;
    // The network adds the weight decay to the weights' gradients itself (not to the biases'),
    // so the optimizers get none. Their updates are those of update() below: heavy-ball
    // momentum 0.9, and Adam with the same betas and eps (which hpo adds to the uncorrected
    // sqrt(v), as PyTorch does).
    if (config_.optimizer == Optimizer::Sgd) {
      hpo::SgdnHd::Options o;
      o.lr = lr;
      o.hypergrad_lr = beta;
      o.momentum = 0.9;
      o.nesterov = false;
      sgdn_hd_.emplace(o);
    } else {
      hpo::AdamHd::Options o;
      o.lr = lr;
      o.hypergrad_lr = beta;
      adam_hd_.emplace(o);
    }
    params_.resize(layer_offset(layers_.size()));
    grad_.resize(params_.size());
  }

  /// Where layer l's weights (column-major, then its biases) start in params_ and grad_; with
  /// l = the number of layers, the total size.
  Eigen::Index layer_offset(std::size_t l) const {
    Eigen::Index offset = 0;
    for (std::size_t k = 0; k < l; ++k) offset += layers_[k].w.size() + layers_[k].b.size();
    return offset;
  }

  /// Copies every layer's weights and biases into params_ (to_flat) or back.
  void copy_parameters(bool to_flat) {
    for (std::size_t l = 0; l < layers_.size(); ++l) {
      Layer& layer = layers_[l];
      const Eigen::Index offset = layer_offset(l);
      auto w = params_.segment(offset, layer.w.size());
      auto b = params_.segment(offset + layer.w.size(), layer.b.size());
      if (to_flat) {
        w = layer.w.reshaped();
        b = layer.b;
      } else {
        layer.w.reshaped() = w;
        layer.b = b;
      }
    }
  }

  /// Updates one parameter block from its gradient, with its optimizer state m (and v).
  template <class P, class G>
  void update(P& param, P& m, P& v, const G& grad, double lr) const {
    if (config_.optimizer == Optimizer::Sgd) {
      m = 0.9 * m + grad;
      param -= lr * m;
      return;
    }
    constexpr double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
    m = beta1 * m + (1.0 - beta1) * grad;
    v = (beta2 * v.array() + (1.0 - beta2) * grad.array().square()).matrix();
    const double c1 = 1.0 - std::pow(beta1, static_cast<double>(t_));
    const double c2 = 1.0 - std::pow(beta2, static_cast<double>(t_));
    param.array() -= lr * (m.array() / c1) / ((v.array() / c2).sqrt() + eps);
  }

  MlpConfig config_;
  std::vector<Layer> layers_;
  std::int64_t t_ = 0;  // updates so far (Adam's bias correction)
  // LrAdaptation::Hypergradient only: one of the two optimizers (created at the first step),
  // and every parameter and its gradient as one flat vector for it.
  std::optional<hpo::SgdnHd> sgdn_hd_;
  std::optional<hpo::AdamHd> adam_hd_;
  Eigen::VectorXd params_, grad_;
};

}  // namespace iris
