// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "hpo/distributions.hpp"
#include "hpo/errors.hpp"
#include "hpo/param_value.hpp"
#include "hpo/trial/trial_state.hpp"

namespace hpo {

/// Wall-clock time stamps of trials.
using TimePoint = std::chrono::system_clock::time_point;

/// One parameter of a trial: its name, distribution and internal value.
struct TrialParam {
  std::string name;
  Distribution distribution;
  /// The value as samplers see it (a categorical's index, an int as a double).
  double internal = 0.0;

  /// The value as the objective saw it.
  ParamValue value() const { return to_external(distribution, internal); }
};

/// System attribute naming the worker that ran a trial in Study::optimize, a string
/// "HOST:PID/JOB" (JOB counts the threads of one optimize call from 0), e.g. "node7:41235/2".
/// Trials made by ask/tell or add_trial have none. plot_timeline draws one row per worker.
inline constexpr std::string_view kWorkerAttr = "hpo:worker";

/// A snapshot of a trial: everything the study records about it.
///
/// A plain value: copies are independent. Samplers, pruners and users read trials as
/// FrozenTrial; storages build them.
struct FrozenTrial {
  /// 0-based position of the trial in its study; also its identifier in the storage.
  int number = -1;
  TrialState state = TrialState::Running;
  /// Objective values (one per direction) of a Complete trial; a Pruned trial holds its last
  /// intermediate value, if it reported any; empty otherwise.
  std::vector<double> values;
  /// Parameters in the order they were suggested.
  std::vector<TrialParam> params;
  /// step -> value, from Trial::report.
  std::map<std::int64_t, double> intermediate_values;
  AttrMap user_attrs;
  /// Attributes set by samplers and the study (grid index, batch number, ...).
  AttrMap system_attrs;
  /// Parameters fixed in advance by Study::enqueue_trial.
  ParamMap fixed_params;
  std::optional<TimePoint> datetime_start;
  std::optional<TimePoint> datetime_complete;
  /// Why a Failed trial failed (the exception's message, "objective returned nan", ...).
  std::string fail_reason;
  /// Constraint values set by the objective (Trial::set_constraints), each satisfied when
  /// <= 0; empty if none were set.
  std::vector<double> constraints;

  /// Whether the trial has constraint values and satisfies them all. Once any trial of a study
  /// has constraints, trials without are infeasible (as in Optuna).
  bool feasible() const {
    if (constraints.empty()) return false;
    for (double c : constraints)
      if (!(c <= 0.0)) return false;
    return true;
  }

  /// The single objective value; throws if the trial has not exactly one value.
  double value() const {
    if (values.size() != 1)
      throw Error(fmt::format("hpo::FrozenTrial::value: trial {} has {} values (state {})", number,
                              values.size(), state));
    return values.front();
  }

  /// The parameter named `name`, or nullptr.
  const TrialParam* find_param(std::string_view name) const {
    for (const auto& p : params)
      if (p.name == name) return &p;
    return nullptr;
  }
  bool has_param(std::string_view name) const { return find_param(name) != nullptr; }

  /// The external value of parameter `name`; throws UnknownName.
  ParamValue param(std::string_view name) const { return get(name).value(); }

  /// The value of parameter `name` as T (double, an integer type, bool or std::string).
  template <class T>
  T param(std::string_view name) const {
    return param(name).as<T>();
  }

  /// The internal value of parameter `name`; throws UnknownName.
  double internal_param(std::string_view name) const { return get(name).internal; }

  /// All parameters as name -> external value.
  ParamMap param_map() const {
    ParamMap m;
    for (const auto& p : params) m.emplace(p.name, p.value());
    return m;
  }

  /// Prefix of the system attributes that hold the gradients an objective reported with
  /// Trial::report_gradient ("gradient:lr" for parameter "lr").
  static constexpr std::string_view kGradientPrefix = "gradient:";

  /// d(objective) / d(parameter `name`), in the parameter's own units, if the objective
  /// reported it (Trial::report_gradient).
  std::optional<double> reported_gradient(std::string_view name) const {
    std::string key(kGradientPrefix);
    key += name;
    const auto it = system_attrs.find(key);
    if (it == system_attrs.end() || !(it->second.is_double() || it->second.is_int()))
      return std::nullopt;
    return it->second.as<double>();
  }

  /// The last reported step and its value, if any.
  std::optional<std::pair<std::int64_t, double>> last_intermediate() const {
    if (intermediate_values.empty()) return std::nullopt;
    return *intermediate_values.rbegin();
  }

  /// Time from start to completion, for finished trials.
  std::optional<std::chrono::duration<double>> duration() const {
    if (!datetime_start || !datetime_complete) return std::nullopt;
    return std::chrono::duration<double>(*datetime_complete - *datetime_start);
  }

 private:
  const TrialParam& get(std::string_view name) const {
    if (const TrialParam* p = find_param(name)) return *p;
    throw UnknownName(
        fmt::format("hpo::FrozenTrial: trial {} has no parameter '{}'", number, name));
  }
};

/// Shared, immutable snapshot of a trial, as storages hand them out (cheap to copy).
using FrozenTrialPtr = std::shared_ptr<const FrozenTrial>;

namespace detail {
/// Whether some trial of `trials` has constraint values: then only feasible trials count as
/// best, and trials without constraints are infeasible (FrozenTrial::feasible).
inline bool any_constrained(const std::vector<FrozenTrialPtr>& trials) {
  for (const auto& t : trials)
    if (!t->constraints.empty()) return true;
  return false;
}
}  // namespace detail

}  // namespace hpo
