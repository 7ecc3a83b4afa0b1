// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "hpo/errors.hpp"
#include "hpo/study/heartbeat.hpp"
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

  /// Records a heartbeat of each running trial every `interval`, and fails (then retries,
  /// see retry) the Running trials of the study whose heartbeat is older than `grace`, found
  /// when this call starts and then at most once per interval. For storages shared by several
  /// processes (JournalStorage): a worker that dies leaves no trial Running for ever. See
  /// HeartbeatOptions for the clocks involved.
  template <class Rep1, class Period1, class Rep2, class Period2>
  OptimizeOptions& heartbeat(std::chrono::duration<Rep1, Period1> interval,
                             std::chrono::duration<Rep2, Period2> grace) {
    HeartbeatOptions h{std::chrono::duration<double>(interval),
                       std::chrono::duration<double>(grace)};
    if (!(h.interval.count() > 0) || !(h.grace.count() > h.interval.count()))
      throw InvalidArgument(fmt::format(
          "hpo::OptimizeOptions::heartbeat: need 0 < interval < grace (got {} s and {} s)",
          h.interval.count(), h.grace.count()));
    heartbeat_ = h;
    return *this;
  }
  /// Which failed trials are re-enqueued with the same parameters (see RetryPolicy): stale
  /// ones (with heartbeat) and, if asked, those whose objective threw.
  OptimizeOptions& retry(RetryPolicy policy) {
    if (policy.max_retries < 0)
      throw InvalidArgument(
          fmt::format("hpo::OptimizeOptions::retry: max_retries {} < 0", policy.max_retries));
    retry_ = policy;
    return *this;
  }

  std::optional<int> n_trials() const { return n_trials_; }
  std::optional<std::chrono::duration<double>> timeout() const { return timeout_; }
  int n_jobs() const { return n_jobs_; }
  const std::vector<Callback>& callbacks() const { return callbacks_; }
  bool catch_exceptions() const { return catch_exceptions_; }
  bool reproducible() const { return reproducible_; }
  bool show_progress_bar() const { return show_progress_bar_; }
  const std::optional<HeartbeatOptions>& heartbeat() const { return heartbeat_; }
  const RetryPolicy& retry() const { return retry_; }

 private:
  std::optional<int> n_trials_;
  std::optional<std::chrono::duration<double>> timeout_;
  int n_jobs_ = 1;
  std::vector<Callback> callbacks_;
  bool catch_exceptions_ = true;
  bool reproducible_ = false;
  bool show_progress_bar_ = false;
  std::optional<HeartbeatOptions> heartbeat_;
  RetryPolicy retry_;
};

}  // namespace hpo
