// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "hpo/detail/study_core.hpp"
#include "hpo/distributions.hpp"
#include "hpo/errors.hpp"
#include "hpo/params.hpp"
#include "hpo/study/direction.hpp"
#include "hpo/trial/frozen_trial.hpp"

namespace hpo {

class Study;

namespace detail {
/// Blocks template argument deduction (std::type_identity_t is C++20).
template <class T>
struct identity {
  using type = T;
};
template <class T>
using identity_t = typename identity<T>::type;
}  // namespace detail

/// A running trial, handed to the objective (or returned by Study::ask): suggest parameters,
/// report intermediate values, ask whether to prune.
///
/// Define-by-run: each suggest_* call names a parameter and its range and returns a value
/// drawn by the study's sampler. Suggesting the same name again in the same trial returns the
/// same value; with another distribution it throws TypeMismatch. A Trial belongs to one
/// thread at a time; trials of one study may run in parallel.
class Trial {
 public:
  Trial(Trial&&) = default;
  Trial& operator=(Trial&&) = default;
  Trial(const Trial&) = delete;
  Trial& operator=(const Trial&) = delete;
  ~Trial() = default;

  /// 0-based number of the trial in its study.
  int number() const { return local_.number; }
  /// The study's directions (one per objective value).
  const std::vector<Direction>& directions() const { return core_->directions; }

  /// A float in [low, high], uniform.
  double suggest_float(std::string_view name, double low, double high) {
    return suggest_with(name, [&] { return FloatDistribution(low, high); });
  }
  /// A float in [low, high], log-uniform: `t.suggest_float("lr", 1e-5, 1e-1, hpo::Log)`.
  double suggest_float(std::string_view name, double low, double high, LogScale) {
    return suggest_with(name, [&] { return FloatDistribution(low, high, Log); });
  }
  /// A float on the grid low, low + step, ..., high.
  double suggest_float(std::string_view name, double low, double high, double step) {
    return suggest_with(name, [&] { return FloatDistribution(low, high, step); });
  }

  /// An integer on the grid low, low + step, ..., high; the type follows `low`.
  template <class Int>
  Int suggest_int(std::string_view name, Int low, detail::identity_t<Int> high,
                  detail::identity_t<Int> step = 1) {
    static_assert(std::is_integral_v<Int> && !std::is_same_v<Int, bool>,
                  "hpo::Trial::suggest_int: low, high and step must be integers");
    const double x = suggest_with(name, [&] {
      return IntDistribution(static_cast<std::int64_t>(low), static_cast<std::int64_t>(high),
                             static_cast<std::int64_t>(step));
    });
    return static_cast<Int>(x);
  }
  /// An integer in [low, high], log-uniform: `t.suggest_int("units", 8, 512, hpo::Log)`.
  template <class Int>
  Int suggest_int(std::string_view name, Int low, detail::identity_t<Int> high, LogScale) {
    static_assert(std::is_integral_v<Int> && !std::is_same_v<Int, bool>,
                  "hpo::Trial::suggest_int: low and high must be integers");
    const double x = suggest_with(name, [&] {
      return IntDistribution(static_cast<std::int64_t>(low), static_cast<std::int64_t>(high), Log);
    });
    return static_cast<Int>(x);
  }

  /// One of `choices` (bool, integers, floating values or std::string).
  template <class T>
  T suggest_categorical(std::string_view name, const std::vector<T>& choices) {
    static_assert(detail::is_choice_type_v<T>,
                  "hpo::Trial::suggest_categorical: choices must be bool, an integer, a floating "
                  "type or std::string");
    std::string n(name);
    const Distribution d =
        detail::with_param_name(n, [&] { return core_->categorical(n, choices); });
    return choices[static_cast<std::size_t>(suggest_internal(n, d))];
  }
  /// One of `choices`: `t.suggest_categorical("batch", {16, 32, 64})`.
  template <class T>
  T suggest_categorical(std::string_view name, std::initializer_list<T> choices) {
    return suggest_categorical(name, std::vector<T>(choices));
  }
  /// One of the strings `choices`: `t.suggest_categorical("act", {"relu", "tanh"})`.
  std::string suggest_categorical(std::string_view name,
                                  std::initializer_list<const char*> choices) {
    return suggest_categorical(name, std::vector<std::string>(choices.begin(), choices.end()));
  }

  /// The value of a declared parameter (see FloatParam).
  double suggest(const FloatParam& p) { return suggest_internal(p.name(), p.distribution()); }
  /// The value of a declared integer parameter.
  std::int64_t suggest(const IntParam& p) {
    return static_cast<std::int64_t>(suggest_internal(p.name(), p.distribution()));
  }
  /// The value of a declared categorical parameter.
  template <class T>
  T suggest(const CategoricalParam<T>& p) {
    const double x = suggest_internal(p.name(), p.distribution());
    return p.distribution().choices()[static_cast<std::size_t>(x)].template as<T>();
  }
  /// The value of a parameter with any distribution, as a ParamValue.
  ParamValue suggest(std::string_view name, const Distribution& distribution) {
    return to_external(distribution, suggest_internal(std::string(name), distribution));
  }

  /// Records an intermediate objective value at `step` (>= 0), for pruners and plots. A step
  /// reported twice keeps its first value.
  void report(std::int64_t step, double value) {
    check_running("report");
    if (step < 0)
      throw InvalidArgument(
          fmt::format("hpo::Trial::report: trial {}: step must be >= 0 (got {})", number(), step));
    if (!local_.intermediate_values.emplace(step, value).second) return;
    core_->storage->set_intermediate_value(number(), step, value);
  }

  /// Whether the study's pruner says to stop this trial now; if so, throw hpo::TrialPruned.
  bool should_prune() {
    check_running("should_prune");
    if (core_->directions.size() != 1)
      throw Error("hpo::Trial::should_prune: pruning is not supported for several objectives");
    std::lock_guard<std::mutex> lock(core_->pruner_mutex);
    return core_->pruner->prune(core_->view(snapshot_), local_);
  }

  /// Reports d(objective) / d(parameter `name`) at this trial's parameters, in the parameter's
  /// own units (per unit of the value, also for log ranges), for samplers that use gradients
  /// (HypergradientSampler). Stored as the system attribute "gradient:<name>"; reporting a
  /// name again replaces the value. Throws InvalidArgument if `value` is not finite.
  void report_gradient(std::string_view name, double value) {
    check_running("report_gradient");
    if (!std::isfinite(value))
      throw InvalidArgument(
          fmt::format("hpo::Trial::report_gradient: trial {}: the gradient for '{}' is {}",
                      number(), name, value));
    std::string key(FrozenTrial::kGradientPrefix);
    key += name;
    core_->storage->set_system_attr(number(), key, value);
    local_.system_attrs[key] = value;
  }

  /// Records constraint values for this trial, each satisfied when <= 0 (a limit L on a
  /// measured m is `m - L`). Once any trial of a study has constraints, best_trial,
  /// best_trials and the samplers that support constraints prefer feasible trials (all values
  /// <= 0); trials without constraints count as infeasible. Setting them again replaces them.
  /// Throws InvalidArgument if `constraints` is empty or holds NaN.
  void set_constraints(std::vector<double> constraints) {
    check_running("set_constraints");
    if (constraints.empty())
      throw InvalidArgument(
          fmt::format("hpo::Trial::set_constraints: trial {}: no constraint values", number()));
    for (std::size_t i = 0; i < constraints.size(); ++i)
      if (std::isnan(constraints[i]))
        throw InvalidArgument(fmt::format(
            "hpo::Trial::set_constraints: trial {}: constraint {} is nan", number(), i));
    core_->storage->set_constraints(number(), constraints);
    local_.constraints = std::move(constraints);
  }

  /// Stores a user attribute with the trial (kept in exports).
  void set_user_attr(const std::string& key, const AttrValue& value) {
    core_->storage->set_user_attr(number(), key, value);
    local_.user_attrs[key] = value;
  }

  /// The parameters suggested so far, name -> value.
  ParamMap params() const { return local_.param_map(); }
  /// The trial as it stands (Running, with its parameters and reports so far).
  const FrozenTrial& frozen() const { return local_; }

 private:
  friend class Study;

  Trial(detail::StudyCore* core, FrozenTrial local, detail::TrialSnapshot snapshot)
      : core_(core), local_(std::move(local)), snapshot_(std::move(snapshot)) {}

  template <class Make>
  double suggest_with(std::string_view name, Make&& make) {
    std::string n(name);
    const Distribution d = detail::with_param_name(n, std::forward<Make>(make));
    return suggest_internal(n, d);
  }

  double suggest_internal(const std::string& name, const Distribution& d);

  void check_running(const char* what) const {
    if (finished_)
      throw TrialStateError(
          fmt::format("hpo::Trial::{}: trial {} has already finished", what, number()));
  }

  detail::StudyCore* core_;
  FrozenTrial local_;
  detail::TrialSnapshot snapshot_;
  SearchSpace relative_space_;
  InternalParams relative_params_;
  bool finished_ = false;
};

inline double Trial::suggest_internal(const std::string& name, const Distribution& d) {
  check_running("suggest");
  if (const TrialParam* p = local_.find_param(name)) {
    if (p->distribution != d)
      throw TypeMismatch(fmt::format("parameter '{}': suggested in trial {} as {} and now as {}",
                                     name, number(), to_string(p->distribution), to_string(d)));
    return p->internal;
  }
  double x = 0.0;
  std::string source = "the sampler";
  if (auto fixed = local_.fixed_params.find(name); fixed != local_.fixed_params.end()) {
    try {
      x = to_internal(d, fixed->second);
    } catch (const Error& e) {
      throw InvalidArgument(
          fmt::format("parameter '{}': enqueued value in trial {}: {}", name, number(), e.what()));
    }
    source = "enqueue_trial";
  } else if (single(d)) {
    x = std::holds_alternative<CategoricalDistribution>(d) ? 0.0 : to_internal(d, [&] {
      if (const auto* f = std::get_if<FloatDistribution>(&d)) return ParamValue(f->low());
      return ParamValue(std::get<IntDistribution>(d).low());
    }());
  } else if (auto rel = relative_params_.find(name); rel != relative_params_.end() &&
                                                     relative_space_.count(name) != 0 &&
                                                     relative_space_.at(name) == d) {
    x = rel->second;
  } else {
    std::lock_guard<std::mutex> lock(core_->sampler_mutex);
    x = core_->sampler->sample_independent(core_->sampler_view(snapshot_, number()), local_, name,
                                           d);
  }
  if (!contains(d, x))
    throw Error(fmt::format("parameter '{}': {} gave {} in trial {}, outside {}", name, source, x,
                            number(), to_string(d)));
  TrialParam param{name, d, x};
  core_->storage->set_param(number(), param);
  local_.params.push_back(std::move(param));
  return x;
}

}  // namespace hpo
