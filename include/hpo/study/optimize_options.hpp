// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "hpo/errors.hpp"
#include "hpo/trial/frozen_trial.hpp"

namespace hpo {

class Study;

/// Called after each finished trial, from the thread that ran it (calls are serialized).
/// Call `study.stop()` to end the run.
using Callback = std::function<void(Study&, const FrozenTrial&)>;

/// Options of Study::optimize, set by chaining:
/// `hpo::OptimizeOptions{}.n_trials(100).n_jobs(2).timeout(std::chrono::minutes(10))`.
class OptimizeOptions {
 public:
  /// Number of trials this call runs (default: no limit; then set a timeout or stop it).
  OptimizeOptions& n_trials(int n) {
    if (n < 0) throw InvalidArgument(fmt::format("hpo::OptimizeOptions::n_trials: {} < 0", n));
    n_trials_ = n;
    return *this;
  }
  /// No new trial starts after this much time; running trials finish.
  template <class Rep, class Period>
  OptimizeOptions& timeout(std::chrono::duration<Rep, Period> t) {
    const auto seconds = std::chrono::duration<double>(t);
    if (!(seconds.count() >= 0))
      throw InvalidArgument(
          fmt::format("hpo::OptimizeOptions::timeout: {} s is negative", seconds.count()));
    timeout_ = seconds;
    return *this;
  }
  /// Number of threads running the objective concurrently (sampler calls are serialized).
  OptimizeOptions& n_jobs(int n) {
    if (n < 1) throw InvalidArgument(fmt::format("hpo::OptimizeOptions::n_jobs: {} < 1", n));
    n_jobs_ = n;
    return *this;
  }
  /// Adds a callback run after each finished trial.
  OptimizeOptions& callback(Callback cb) {
    callbacks_.push_back(std::move(cb));
    return *this;
  }
  /// Whether an exception from the objective is recorded as a Failed trial and the run goes on
  /// (true, the default), or recorded and then re-thrown from optimize (false).
  OptimizeOptions& catch_exceptions(bool on) {
    catch_exceptions_ = on;
    return *this;
  }
  /// Reproducible parallel runs: trials start in batches of n_jobs, and each batch is sampled
  /// from the trials finished before it, so that a seeded run gives the same trials whatever
  /// the thread timing. Costs idle time: a batch waits for its slowest trial.
  OptimizeOptions& reproducible(bool on) {
    reproducible_ = on;
    return *this;
  }
  /// Shows a progress bar on stderr when it is a terminal and n_trials or timeout is set.
  OptimizeOptions& show_progress_bar(bool on) {
    show_progress_bar_ = on;
    return *this;
  }

  std::optional<int> n_trials() const { return n_trials_; }
  std::optional<std::chrono::duration<double>> timeout() const { return timeout_; }
  int n_jobs() const { return n_jobs_; }
  const std::vector<Callback>& callbacks() const { return callbacks_; }
  bool catch_exceptions() const { return catch_exceptions_; }
  bool reproducible() const { return reproducible_; }
  bool show_progress_bar() const { return show_progress_bar_; }

 private:
  std::optional<int> n_trials_;
  std::optional<std::chrono::duration<double>> timeout_;
  int n_jobs_ = 1;
  std::vector<Callback> callbacks_;
  bool catch_exceptions_ = true;
  bool reproducible_ = false;
  bool show_progress_bar_ = false;
};

}  // namespace hpo
