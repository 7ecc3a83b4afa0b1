// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "hpo/detail/progress.hpp"
#include "hpo/study/study.hpp"
#include "hpo/trial/frozen_trial.hpp"

namespace hpo {

/// Prints one line per finished trial: number, state, value, parameters, best so far.
///
/// `hpo::OptimizeOptions{}.callback(hpo::LoggingCallback{})`. Prints to stderr by default.
class LoggingCallback {
 public:
  explicit LoggingCallback(std::FILE* out = stderr) : out_(out) {}

  void operator()(Study& study, const FrozenTrial& trial) const {
    std::string what;
    if (trial.state == TrialState::Complete) {
      what = trial.values.size() == 1 ? fmt::format("value {}", trial.values[0])
                                      : fmt::format("values [{}]", fmt::join(trial.values, ", "));
    } else if (trial.state == TrialState::Pruned) {
      const auto last = trial.last_intermediate();
      what = last ? fmt::format("pruned at step {} (value {})", last->first, last->second)
                  : std::string("pruned");
    } else {
      what = fmt::format("failed: {}", trial.fail_reason);
    }
    std::string best;
    if (study.directions().size() == 1) {
      if (const auto b = study.storage().best_trial())
        best = fmt::format("; best {} (trial {})", (*b)->values[0], (*b)->number);
    }
    const auto d = trial.duration();
    fmt::print(out_, "[hpo] trial {} {} {}: {}{}\n", trial.number,
               d ? fmt::format("{:.3g}s", d->count()) : std::string("-"), what, trial.param_map(),
               best);
    std::fflush(out_);
  }

 private:
  std::FILE* out_;
};

/// A progress bar redrawn on one line (trials done, elapsed time, best value), drawn only when
/// `out` is a terminal unless `force` is set. Use `OptimizeOptions::show_progress_bar(true)`
/// for the common case; construct one yourself to choose the stream.
class ProgressBar {
 public:
  ProgressBar(std::optional<int> n_trials, std::optional<std::chrono::duration<double>> timeout,
              std::FILE* out = stderr, bool force = false)
      : line_(std::make_shared<detail::ProgressLine>(n_trials, timeout, out, force)) {}

  void operator()(Study& study, const FrozenTrial&) const {
    std::optional<double> best;
    if (study.directions().size() == 1)
      if (const auto b = study.storage().best_trial()) best = (*b)->values[0];
    line_->update(best);
  }

 private:
  std::shared_ptr<detail::ProgressLine> line_;
};

/// Stops the study once `n` trials in `states` exist (counting those of earlier runs and of
/// other workers sharing the storage), as Optuna's MaxTrialsCallback.
class MaxTrialsCallback {
 public:
  explicit MaxTrialsCallback(int n, TrialStates states = TrialStates::finished())
      : n_(n), states_(states) {}
  void operator()(Study& study, const FrozenTrial&) const {
    if (static_cast<int>(study.trial_snapshots(states_).size()) >= n_) study.stop();
  }

 private:
  int n_;
  TrialStates states_;
};

}  // namespace hpo
