// SPDX-License-Identifier: MIT
#pragma once

// Definitions of Study's members that run trials; included at the end of study.hpp.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "hpo/detail/process_name.hpp"
#include "hpo/detail/progress.hpp"
#include "hpo/study/study.hpp"

namespace hpo {

inline std::optional<Trial> Study::start_trial(const detail::TrialSnapshot& snapshot,
                                               const std::string& worker) {
  std::lock_guard<std::mutex> lock(core_->sampler_mutex);
  const StudyView view = core_->view(snapshot);
  std::optional<FrozenTrialPtr> created = core_->storage->pop_waiting_trial();
  if (!created) {
    if (core_->sampler->is_exhausted(view)) return std::nullopt;
    FrozenTrial prototype;
    prototype.state = TrialState::Running;
    created = core_->storage->create_trial(prototype);
  }
  FrozenTrial local = **created;
  created->reset();  // drop the snapshot, so that storage writes need no copy
  local.params.reserve(std::max(local.params.size(), core_->params_hint.load()));
  Trial trial(core_.get(), std::move(local), snapshot);
  const StudyView sampler_view = core_->sampler_view(snapshot, trial.number());
  if (!worker.empty()) {
    core_->storage->set_system_attr(trial.number(), std::string(kWorkerAttr), worker);
    trial.local_.system_attrs[std::string(kWorkerAttr)] = worker;
  }
  try {
    for (auto& [key, value] : core_->sampler->before_trial(sampler_view, trial.local_)) {
      core_->storage->set_system_attr(trial.number(), key, value);
      trial.local_.system_attrs[key] = value;
    }
    trial.relative_space_ = core_->sampler->infer_relative_search_space(sampler_view, trial.local_);
    if (!trial.relative_space_.empty())
      trial.relative_params_ =
          core_->sampler->sample_relative(sampler_view, trial.local_, trial.relative_space_);
  } catch (const std::exception& e) {
    core_->storage->finish_trial(
        trial.number(), TrialState::Failed, {},
        fmt::format("sampler '{}' failed: {}", core_->sampler->name(), e.what()));
    throw;
  }
  return trial;
}

inline FrozenTrialPtr Study::finish(int number, TrialState state, std::vector<double> values,
                                    std::string fail_reason, bool call_after_trial) {
  if (state == TrialState::Complete) {
    if (values.size() != core_->directions.size()) {
      fail_reason = fmt::format("the objective gave {} values for {} directions", values.size(),
                                core_->directions.size());
      state = TrialState::Failed;
    } else {
      for (double v : values)
        if (!std::isfinite(v)) {
          fail_reason = fmt::format("the objective returned {}", v);
          state = TrialState::Failed;
          break;
        }
    }
  }
  if (state == TrialState::Pruned && core_->directions.size() == 1) {
    const auto last = core_->storage->get_trial(number)->last_intermediate();
    if (last && std::isfinite(last->second)) values = {last->second};
  }
  if (state != TrialState::Complete && state != TrialState::Pruned) values.clear();
  if (state == TrialState::Pruned && core_->directions.size() != 1) values.clear();
  if (!core_->storage->finish_trial(number, state, std::move(values), std::move(fail_reason)))
    throw TrialStateError(fmt::format("hpo::Study::tell: trial {} has already finished ({})",
                                      number, to_string(core_->storage->get_trial(number)->state)));
  FrozenTrialPtr done = core_->storage->get_trial(number);
  std::size_t hint = core_->params_hint.load();
  while (done->params.size() > hint &&
         !core_->params_hint.compare_exchange_weak(hint, done->params.size())) {
  }
  if (call_after_trial) {
    std::lock_guard<std::mutex> lock(core_->sampler_mutex);
    core_->sampler->after_trial(core_->sampler_view(nullptr, number), *done);
  }
  return done;
}

inline FrozenTrialPtr Study::run_trial(Trial& trial, const Objective& objective,
                                       const OptimizeOptions& options, bool call_after_trial) {
  TrialState state = TrialState::Complete;
  std::vector<double> values;
  std::string reason;
  std::exception_ptr error;
  bool threw = false;
  try {
    values = objective(trial);
  } catch (const TrialPruned&) {
    state = TrialState::Pruned;
  } catch (const std::exception& e) {
    state = TrialState::Failed;
    reason = e.what();
    threw = true;
    if (!options.catch_exceptions()) error = std::current_exception();
  } catch (...) {
    state = TrialState::Failed;
    reason = "an exception not derived from std::exception";
    threw = true;
    if (!options.catch_exceptions()) error = std::current_exception();
  }
  trial.finished_ = true;
  FrozenTrialPtr done;
  try {
    done = finish(trial.number(), state, std::move(values), std::move(reason), call_after_trial);
  } catch (const TrialStateError&) {
    // Another worker failed the trial as stale while it ran (a pause longer than the grace
    // period): it has enqueued the retry, so this result is dropped and the run goes on.
    done = core_->storage->get_trial(trial.number());
    if (!detail::failed_as_stale(*done)) throw;
    return done;
  }
  if (threw && options.retry().retry_exceptions && done->state == TrialState::Failed)
    detail::enqueue_retry(*core_->storage, *done, options.retry());
  if (error) std::rethrow_exception(error);
  return done;
}

inline void Study::run_callbacks(const std::vector<Callback>& callbacks, const FrozenTrial& trial) {
  if (callbacks.empty()) return;
  std::lock_guard<std::mutex> lock(*callback_mutex_);
  for (const auto& cb : callbacks) cb(*this, trial);
}

inline void Study::optimize_impl(const Objective& objective, const OptimizeOptions& options) {
  // The stop request ends this run only: clear it on the way out, however the run ends.
  struct ClearStop {
    std::atomic<bool>& flag;
    ~ClearStop() { flag.store(false); }
  } clear_stop{core_->stop_requested};
  const auto start = std::chrono::steady_clock::now();
  std::vector<Callback> callbacks = options.callbacks();
  if (options.show_progress_bar() && (options.n_trials() || options.timeout())) {
    auto bar = std::make_shared<detail::ProgressLine>(options.n_trials(), options.timeout(), stderr,
                                                      false);
    callbacks.emplace_back([bar](Study& study, const FrozenTrial&) {
      const auto best = study.core_->storage->best_trial();
      bar->update(best ? std::optional<double>((*best)->values[0]) : std::nullopt);
    });
  }
  // Heartbeats: stale trials failed (and retried) now and then at most once per interval.
  std::unique_ptr<detail::HeartbeatWriter> beats;
  std::mutex stale_mutex;
  auto last_stale_check = std::chrono::steady_clock::now();
  if (options.heartbeat()) {
    fail_stale_trials(options.heartbeat()->grace, options.retry());
    beats =
        std::make_unique<detail::HeartbeatWriter>(*core_->storage, options.heartbeat()->interval);
  }
  auto check_stale = [&] {
    if (!beats) return;
    std::lock_guard<std::mutex> lock(stale_mutex);
    const auto now = std::chrono::steady_clock::now();
    if (now - last_stale_check < options.heartbeat()->interval) return;
    last_stale_check = now;
    fail_stale_trials(options.heartbeat()->grace, options.retry());
  };
  if (options.reproducible()) {
    optimize_batches(objective, options, callbacks, beats.get());
    return;
  }
  std::atomic<int> claimed{0};
  std::mutex error_mutex;
  std::exception_ptr first_error;
  auto fail = [&](std::exception_ptr e) {
    std::lock_guard<std::mutex> lock(error_mutex);
    if (!first_error) first_error = e;
    core_->stop_requested.store(true);
  };
  auto worker = [&](int job) {
    const std::string name = detail::worker_name(job);
    while (!core_->stop_requested.load()) {
      if (options.n_trials() && claimed.fetch_add(1) >= *options.n_trials()) break;
      if (options.timeout() && std::chrono::steady_clock::now() - start >= *options.timeout())
        break;
      try {
        check_stale();
        std::optional<Trial> trial = start_trial(nullptr, name);
        if (!trial) {
          core_->stop_requested.store(true);
          break;
        }
        const detail::Beating beating(beats.get(), trial->number());
        const FrozenTrialPtr done = run_trial(*trial, objective, options, true);
        run_callbacks(callbacks, *done);
      } catch (...) {
        fail(std::current_exception());
        break;
      }
    }
  };
  if (options.n_jobs() == 1) {
    worker(0);
  } else {
    std::vector<std::thread> threads;
    for (int i = 0; i < options.n_jobs(); ++i) threads.emplace_back(worker, i);
    for (auto& t : threads) t.join();
  }
  if (first_error) std::rethrow_exception(first_error);
}

inline void Study::optimize_batches(const Objective& objective, const OptimizeOptions& options,
                                    const std::vector<Callback>& callbacks,
                                    detail::HeartbeatWriter* beats) {
  const auto start = std::chrono::steady_clock::now();
  int done = 0;
  while (!core_->stop_requested.load()) {
    int size = options.n_jobs();
    if (options.n_trials()) size = std::min(size, *options.n_trials() - done);
    if (size <= 0) break;
    if (options.timeout() && std::chrono::steady_clock::now() - start >= *options.timeout()) break;
    // The batch sees exactly the trials finished now, whatever the threads do meanwhile.
    auto snapshot = std::make_shared<const std::vector<FrozenTrialPtr>>(
        core_->storage->get_trials(TrialStates::finished()));
    std::vector<Trial> batch;
    for (int i = 0; i < size; ++i) {
      std::optional<Trial> t = start_trial(snapshot, detail::worker_name(i));
      if (!t) {
        core_->stop_requested.store(true);
        break;
      }
      batch.push_back(std::move(*t));
    }
    if (batch.empty()) break;
    if (beats)
      for (const Trial& t : batch) beats->add(t.number());
    std::vector<FrozenTrialPtr> results(batch.size());
    std::vector<std::exception_ptr> errors(batch.size());
    auto run = [&](std::size_t i) {
      try {
        results[i] = run_trial(batch[i], objective, options, false);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    };
    std::vector<std::thread> threads;
    for (std::size_t i = 1; i < batch.size(); ++i) threads.emplace_back(run, i);
    run(0);
    for (auto& t : threads) t.join();
    done += static_cast<int>(batch.size());
    if (beats) {
      for (const Trial& t : batch) beats->remove(t.number());
      fail_stale_trials(options.heartbeat()->grace, options.retry());
    }
    // after_trial and callbacks in trial order, so that stateful samplers stay reproducible.
    std::exception_ptr first_error;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const FrozenTrialPtr finished =
          results[i] ? results[i] : core_->storage->get_trial(batch[i].number());
      {
        std::lock_guard<std::mutex> lock(core_->sampler_mutex);
        core_->sampler->after_trial(core_->sampler_view(nullptr, finished->number), *finished);
      }
      if (errors[i]) {
        if (!first_error) first_error = errors[i];
        continue;
      }
      if (!first_error) run_callbacks(callbacks, *finished);
    }
    if (first_error) std::rethrow_exception(first_error);
  }
}

}  // namespace hpo
