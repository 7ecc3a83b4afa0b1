// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "hpo/errors.hpp"
#include "hpo/storage/storage.hpp"

namespace hpo {

/// Keeps a study's trials in memory (the default storage). Thread-safe.
///
/// Trials are held behind shared pointers and copied on write only while a reader still holds
/// a snapshot, so reading all trials costs one pointer copy per trial.
class InMemoryStorage final : public Storage {
 public:
  InMemoryStorage() = default;

  void init_study(const std::vector<Direction>& directions) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (directions.empty()) throw InvalidArgument("hpo::InMemoryStorage: no direction given");
    if (directions_.empty()) {
      directions_ = directions;
    } else if (directions_ != directions) {
      throw InvalidArgument(
          "hpo::InMemoryStorage: the storage holds a study with other directions");
    }
  }

  std::vector<Direction> directions() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    return directions_;
  }

  FrozenTrialPtr create_trial(const FrozenTrial& prototype) override {
    std::lock_guard<std::mutex> lock(mutex_);
    auto t = std::make_shared<FrozenTrial>(prototype);
    t->number = static_cast<int>(trials_.size());
    t->params.reserve(std::max(t->params.size(), max_params_));
    if (t->state == TrialState::Running && !t->datetime_start)
      t->datetime_start = std::chrono::system_clock::now();
    if (t->state == TrialState::Waiting) waiting_.insert(t->number);
    trials_.push_back(t);
    update_best(*t);
    return t;
  }

  std::optional<FrozenTrialPtr> pop_waiting_trial() override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (waiting_.empty()) return std::nullopt;
    const int number = *waiting_.begin();
    waiting_.erase(waiting_.begin());
    FrozenTrial& t = writable(number);
    t.state = TrialState::Running;
    t.datetime_start = std::chrono::system_clock::now();
    return trials_[static_cast<std::size_t>(number)];
  }

  void set_param(int number, const TrialParam& param) override {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& params = running(number, "set_param").params;
    params.push_back(param);
    max_params_ = std::max(max_params_, params.size());
  }

  void set_intermediate_value(int number, std::int64_t step, double value) override {
    std::lock_guard<std::mutex> lock(mutex_);
    running(number, "report").intermediate_values.emplace(step, value);
  }

  void set_user_attr(int number, const std::string& key, const AttrValue& value) override {
    std::lock_guard<std::mutex> lock(mutex_);
    writable(number).user_attrs[key] = value;
  }

  void set_system_attr(int number, const std::string& key, const AttrValue& value) override {
    std::lock_guard<std::mutex> lock(mutex_);
    writable(number).system_attrs[key] = value;
  }

  void set_constraints(int number, std::vector<double> constraints) override {
    std::lock_guard<std::mutex> lock(mutex_);
    running(number, "set_constraints").constraints = std::move(constraints);
  }

  bool finish_trial(int number, TrialState state, std::vector<double> values,
                    std::string fail_reason) override {
    if (!is_finished(state))
      throw InvalidArgument(fmt::format(
          "hpo::InMemoryStorage::finish_trial: {} is not a finished state", to_string(state)));
    std::lock_guard<std::mutex> lock(mutex_);
    check_number(number);
    if (trials_[static_cast<std::size_t>(number)]->state != TrialState::Running) return false;
    FrozenTrial& t = writable(number);
    t.state = state;
    t.values = std::move(values);
    t.fail_reason = std::move(fail_reason);
    t.datetime_complete = std::chrono::system_clock::now();
    update_best(t);
    return true;
  }

  FrozenTrialPtr get_trial(int number) const override {
    std::lock_guard<std::mutex> lock(mutex_);
    check_number(number);
    return trials_[static_cast<std::size_t>(number)];
  }

  std::vector<FrozenTrialPtr> get_trials(TrialStates states, TrialRange range = {}) const override {
    std::lock_guard<std::mutex> lock(mutex_);
    return detail::select_trials(trials_, states, range);
  }

  int n_trials() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    return static_cast<int>(trials_.size());
  }

  std::optional<FrozenTrialPtr> best_trial() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (best_.number() < 0) return std::nullopt;
    return trials_[static_cast<std::size_t>(best_.number())];
  }

 private:
  void check_number(int number) const {
    if (number < 0 || number >= static_cast<int>(trials_.size()))
      throw UnknownName(fmt::format("hpo::InMemoryStorage: no trial number {}", number));
  }

  // The trial, copied first if a reader still holds the current snapshot (copy on write).
  // Called with the mutex held: no new snapshot can be handed out meanwhile.
  FrozenTrial& writable(int number) {
    check_number(number);
    auto& slot = trials_[static_cast<std::size_t>(number)];
    if (slot.use_count() > 1) {
      slot = std::make_shared<FrozenTrial>(*slot);
    } else {
      // use_count() is a relaxed load: the fence orders this write after the reads of the last
      // reader, whose release of its snapshot (an acq_rel decrement) we have just seen.
      std::atomic_thread_fence(std::memory_order_acquire);
    }
    return *slot;
  }

  FrozenTrial& running(int number, const char* what) {
    FrozenTrial& t = writable(number);
    if (t.state != TrialState::Running)
      throw TrialStateError(fmt::format("hpo: {} on trial {}, which is {}, not Running", what,
                                        number, to_string(t.state)));
    return t;
  }

  void update_best(const FrozenTrial& t) { best_.update(t, directions_, trials_); }

  mutable std::mutex mutex_;
  std::vector<Direction> directions_;
  std::vector<std::shared_ptr<FrozenTrial>> trials_;
  std::set<int> waiting_;
  detail::BestTrial best_;
  std::size_t max_params_ = 0;  // new trials reserve this many parameters
};

}  // namespace hpo
