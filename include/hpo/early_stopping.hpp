// SPDX-License-Identifier: MIT
#pragma once

/// EarlyStopping: Keras's early-stopping rule for any training loop, optionally wired to a
/// trial so that one object both stops on a plateau and lets the study's pruner stop the trial.

#include <cmath>
#include <functional>
#include <limits>
#include <optional>
#include <utility>

#include <fmt/format.h>

#include "hpo/errors.hpp"
#include "hpo/study/direction.hpp"
#include "hpo/study/study.hpp"
#include "hpo/trial/trial.hpp"

namespace hpo {

/// The options of EarlyStopping, named and defaulted as in Keras 3.
struct EarlyStoppingOptions {
  /// Whether the monitored value should go down (a loss) or up (an accuracy).
  enum class Mode {
    Min,  ///< lower is better (a loss)
    Max   ///< higher is better (an accuracy)
  };

  /// Min: lower is better (Keras mode="min"); Max: higher is better. There is no "auto".
  Mode mode = Mode::Min;
  /// Least change that counts as an improvement; its absolute value is used.
  double min_delta = 0.0;
  /// Epochs without improvement before stopping.
  int patience = 0;
  /// A value to beat: until an epoch improves on it, improvements do not reset wait().
  std::optional<double> baseline;
  /// Epochs before this one are ignored (warm-up).
  int start_from_epoch = 0;
  /// Call the on_improvement callback at every improvement, so that the caller can keep a
  /// copy of the best weights (Keras's restore_best_weights). Needs the callback.
  bool restore_best = false;
};

/// Stops training when a monitored value has stopped improving, with the rules of Keras 3's
/// EarlyStopping callback. Call update(epoch, value) at the end of every epoch:
///
/// 1. Epochs before start_from_epoch are ignored.
/// 2. wait() grows by one.
/// 3. The value improves if value + min_delta < best_value() (Min) or value - min_delta >
///    best_value() (Max); best_value() starts at +inf (Min) or -inf (Max). On an improvement
///    the epoch and value become the best (and on_improvement is called if restore_best), and
///    wait() goes back to 0 unless a baseline is set that the value does not also improve on.
/// 4. Otherwise, training stops (update returns true) if wait() >= patience and epoch > 0.
///
/// A NaN value is never an improvement, so a diverged loss counts against patience. If the
/// baseline is never beaten, training stops after `patience` epochs.
///
/// Attached to a trial (attach), update also reports the value to the trial at step `epoch`
/// and asks the study's pruner, throwing hpo::TrialPruned if it says to prune (as Optuna's
/// framework callbacks do): the exception leaves the objective and the study records the trial
/// as Pruned. One object in the loop then does both jobs:
///
///     hpo::EarlyStopping stop(options);
///     stop.attach(trial);
///     for (int epoch = 0; epoch < max_epochs; ++epoch)
///       if (stop.update(epoch, train_one_epoch())) break;
///     return stop.best_value();
class EarlyStopping {
 public:
  /// Shorthand for EarlyStoppingOptions.
  using Options = EarlyStoppingOptions;
  /// Shorthand for EarlyStoppingOptions::Mode.
  using Mode = EarlyStoppingOptions::Mode;
  /// What on_improvement receives: the epoch and its value.
  using Callback = std::function<void(int epoch, double value)>;

  /// @throws InvalidArgument if min_delta is not finite, patience or start_from_epoch is
  /// negative, or baseline is NaN.
  explicit EarlyStopping(const Options& options = {});

  /// Records the value of `epoch` (>= 0) and says whether to stop training now.
  /// @throws InvalidArgument if epoch < 0, or if restore_best is set without a callback.
  /// @throws TrialPruned when attached and the study's pruner prunes the trial.
  bool update(int epoch, double value);

  /// Sets the function called with (epoch, value) at every improvement; use it to copy the
  /// model's weights. update calls it only with restore_best, so setting it without restore_best
  /// throws InvalidArgument rather than being silently ignored.
  void set_on_improvement(Callback callback);

  /// Reports every update to `trial` and asks the pruner (see the class comment). `trial` must
  /// outlive this object or the next detach().
  /// @throws InvalidArgument if the study has several objectives or its direction disagrees
  /// with the mode (Minimize with Min, Maximize with Max).
  void attach(Trial& trial);
  /// Stops reporting to the trial.
  void detach() { trial_ = nullptr; }
  /// Whether a trial is attached.
  bool attached() const { return trial_ != nullptr; }

  /// The epoch of the best value so far; empty before the first improvement.
  std::optional<int> best_epoch() const { return best_epoch_; }
  /// The best value so far: +inf (Min) or -inf (Max) before the first improvement.
  double best_value() const { return best_; }
  /// Counted epochs since the last improvement that reset it.
  int wait() const { return wait_; }
  /// The last epoch at which update returned true; empty if it never did.
  std::optional<int> stopped_epoch() const { return stopped_epoch_; }
  /// The options given at construction.
  const Options& options() const { return options_; }

 private:
  bool improves(double value, double reference) const {
    return options_.mode == Mode::Min ? value + options_.min_delta < reference
                                      : value - options_.min_delta > reference;
  }

  Options options_;
  Callback on_improvement_;
  Trial* trial_ = nullptr;
  double best_;
  std::optional<int> best_epoch_;
  std::optional<int> stopped_epoch_;
  int wait_ = 0;
};

inline EarlyStopping::EarlyStopping(const Options& options) : options_(options) {
  if (!std::isfinite(options.min_delta))
    throw InvalidArgument(
        fmt::format("hpo::EarlyStopping: min_delta must be finite (got {})", options.min_delta));
  if (options.patience < 0)
    throw InvalidArgument(
        fmt::format("hpo::EarlyStopping: patience must be >= 0 (got {})", options.patience));
  if (options.start_from_epoch < 0)
    throw InvalidArgument(fmt::format("hpo::EarlyStopping: start_from_epoch must be >= 0 (got {})",
                                      options.start_from_epoch));
  if (options.baseline && std::isnan(*options.baseline))
    throw InvalidArgument("hpo::EarlyStopping: baseline must not be NaN (got nan)");
  options_.min_delta = std::abs(options.min_delta);
  constexpr double inf = std::numeric_limits<double>::infinity();
  best_ = options_.mode == Mode::Min ? inf : -inf;
}

inline void EarlyStopping::set_on_improvement(Callback callback) {
  if (!options_.restore_best)
    throw InvalidArgument(
        "hpo::EarlyStopping::set_on_improvement: the callback is only called with restore_best "
        "= true (got false)");
  on_improvement_ = std::move(callback);
}

inline void EarlyStopping::attach(Trial& trial) {
  const auto& directions = trial.directions();
  if (directions.size() != 1)
    throw InvalidArgument(
        fmt::format("hpo::EarlyStopping::attach: the study must have one objective (got {})",
                    directions.size()));
  const Direction wanted = options_.mode == Mode::Min ? Direction::Minimize : Direction::Maximize;
  if (directions[0] != wanted)
    throw InvalidArgument(
        fmt::format("hpo::EarlyStopping::attach: mode {} needs a study that will {} (got {})",
                    options_.mode == Mode::Min ? "Min" : "Max", wanted, directions[0]));
  trial_ = &trial;
}

inline bool EarlyStopping::update(int epoch, double value) {
  if (epoch < 0)
    throw InvalidArgument(
        fmt::format("hpo::EarlyStopping::update: epoch must be >= 0 (got {})", epoch));
  if (options_.restore_best && !on_improvement_)
    throw InvalidArgument(
        "hpo::EarlyStopping::update: restore_best needs an on_improvement callback (got none)");

  bool stop = false;
  if (epoch >= options_.start_from_epoch) {
    ++wait_;
    if (improves(value, best_)) {
      best_ = value;
      best_epoch_ = epoch;
      if (options_.restore_best) on_improvement_(epoch, value);
      if (!options_.baseline || improves(value, *options_.baseline)) wait_ = 0;
    } else if (wait_ >= options_.patience && epoch > 0) {
      stopped_epoch_ = epoch;
      stop = true;
    }
  }

  if (trial_ != nullptr) {
    trial_->report(epoch, value);
    if (trial_->should_prune())
      throw TrialPruned(
          fmt::format("trial {} pruned at epoch {} (value {})", trial_->number(), epoch, value));
  }
  return stop;
}

}  // namespace hpo
