// SPDX-License-Identifier: MIT
#pragma once

// Training one trial's network: the loop both studies of hpo_mlp_iris share (the accuracy
// study of main.cpp and the accuracy-against-latency study of multi_objective.hpp).

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <hpo/hpo.hpp>

#include "data.hpp"
#include "mlp.hpp"

namespace iris {

/// Epochs of linear warm-up before the cosine decay (and before early stopping may act).
inline constexpr int kWarmup = 5;

/// One trial's hyperparameters.
struct TrialConfig {
  double lr = 0.01;
  int epochs = 60;
  MlpConfig mlp;
};

/// What training gives: the best epoch's validation scores and weights, and the epochs run.
struct Trained {
  Evaluation best{0.0, 0.0};
  std::optional<Mlp> net;
  int epochs_run = 0;
};

/// Trains the network `c` describes for `trial` and keeps its best epoch (highest validation
/// accuracy, then lowest loss). The trial's own RNG stream draws the weights and shuffles the
/// batches, so any thread gives the same result. The learning rate follows a warm-up + cosine
/// schedule, or with LrAdaptation::Hypergradient is adapted from c.lr (the rate reached after
/// each epoch is the user attribute "lr_final"). Early stopping ends a 15-epoch plateau; with
/// `report_to_pruner` it also reports each epoch's accuracy to the trial and throws
/// hpo::TrialPruned when the study's pruner says so (single-objective studies only).
/// `replicate` > 0 trains the same configuration again from other initial weights and another
/// batch order (its own RNG stream).
inline Trained train_trial(hpo::Trial& trial, const TrialConfig& c, const Dataset& train,
                           const Dataset& valid, std::uint64_t seed, bool report_to_pruner,
                           int replicate = 0) {
  const bool hd = c.mlp.lr_adaptation == LrAdaptation::Hypergradient;
  // Each trial's own initial weights and minibatch order; the probes of one hypergradient
  // iteration share theirs (common random numbers), so that their difference is the effect of
  // the hyperparameters and not of the draw.
  const std::uint64_t draw = hpo::HypergradientSampler::common_seed(trial.frozen())
                                 .value_or(static_cast<std::uint64_t>(trial.number()));
  auto rng = hpo::detail::Rng::stream(
      seed, draw, hpo::detail::hash_name("train") + static_cast<std::uint64_t>(replicate));
  Mlp net(c.mlp, rng);
  hpo::SequentialLR schedule(
      {hpo::LinearLR(c.lr, 0.1, 1.0, kWarmup), hpo::CosineAnnealingLR(c.lr, c.epochs - kWarmup)},
      {kWarmup});
  hpo::EarlyStopping::Options stop_options;
  stop_options.mode = hpo::EarlyStopping::Mode::Max;
  stop_options.patience = 15;
  stop_options.start_from_epoch = kWarmup;
  hpo::EarlyStopping stopping(stop_options);
  if (report_to_pruner) stopping.attach(trial);

  Trained out;
  int epoch = 0;
  for (; epoch < c.epochs; ++epoch) {
    net.train_epoch(train, hd ? c.lr : schedule.lr(), rng);
    if (hd) trial.set_user_attr("lr_final", *net.adapted_lr());
    const Evaluation e = net.evaluate(valid);
    if (!out.net || e.accuracy > out.best.accuracy ||
        (e.accuracy == out.best.accuracy && e.loss < out.best.loss)) {
      out.best = e;
      out.net = net;
    }
    if (stopping.update(epoch, e.accuracy)) break;
    schedule.step();
  }
  out.epochs_run = std::min(epoch + 1, c.epochs);
  return out;
}

/// A trial's eight parameters on one line: "lr 3.05e-02 25x2 tanh adam wd 2.8e-03 batch 8
/// epochs 40" (units x layers). With the user attribute "lr_final" (hypergradient descent),
/// "lr A->B" is the initial rate and the one reached. A trial that failed before suggesting
/// them all (it should not) gets the plain parameter map.
inline std::string describe_params(const hpo::FrozenTrial& t) {
  const auto p = t.param_map();
  if (p.size() < 8) return fmt::format("{}", p);
  const auto lr_final = t.user_attrs.find("lr_final");
  const std::string adapted = lr_final == t.user_attrs.end()
                                  ? std::string()
                                  : fmt::format("->{:.2e}", lr_final->second.as<double>());
  return fmt::format("lr {:.2e}{} {}x{} {} {} wd {:.1e} batch {} epochs {}",
                     p.at("lr").as<double>(), adapted, p.at("units").as<std::int64_t>(),
                     p.at("layers").as<std::int64_t>(), p.at("activation").as<std::string>(),
                     p.at("optimizer").as<std::string>(), p.at("weight_decay").as<double>(),
                     p.at("batch_size").as<std::int64_t>(), p.at("epochs").as<std::int64_t>());
}

}  // namespace iris
