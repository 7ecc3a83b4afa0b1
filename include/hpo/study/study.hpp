// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <exception>
#include <functional>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "hpo/detail/study_core.hpp"
#include "hpo/errors.hpp"
#include "hpo/multi_objective/pareto.hpp"
#include "hpo/param_value.hpp"
#include "hpo/pruners/pruner.hpp"
#include "hpo/samplers/random_sampler.hpp"
#include "hpo/samplers/sampler.hpp"
#include "hpo/storage/in_memory_storage.hpp"
#include "hpo/storage/storage.hpp"
#include "hpo/study/direction.hpp"
#include "hpo/study/heartbeat.hpp"
#include "hpo/study/optimize_options.hpp"
#include "hpo/study/study_view.hpp"
#include "hpo/trial/trial.hpp"

namespace hpo {

namespace visualization::detail {
struct ReportWriter;  // hpo/visualization/report.hpp
}  // namespace visualization::detail

namespace detail {

/// Whether T is tuple-like (std::tuple, std::pair, std::array: std::tuple_size is defined).
template <class T, class = void>
struct is_tuple_like : std::false_type {};
template <class T>
struct is_tuple_like<T, std::void_t<decltype(std::tuple_size<T>::value)>> : std::true_type {};

/// Whether every element type of the tuple-like T is a number.
template <class T, class I>
struct all_arithmetic_elements;
template <class T, std::size_t... I>
struct all_arithmetic_elements<T, std::index_sequence<I...>>
    : std::conjunction<std::is_arithmetic<std::decay_t<std::tuple_element_t<I, T>>>...> {};

/// Whether T is a tuple or pair of numbers.
template <class T, class = void>
struct is_tuple_of_numbers : std::false_type {};
template <class T>
struct is_tuple_of_numbers<T, std::void_t<decltype(std::tuple_size<T>::value)>>
    : all_arithmetic_elements<T, std::make_index_sequence<std::tuple_size<T>::value>> {};

/// Converts what an objective returned (a number, a range of numbers, or a tuple or pair of
/// numbers) to a value list.
template <class R>
std::vector<double> to_values(R&& r) {
  using T = std::decay_t<R>;
  if constexpr (std::is_arithmetic_v<T>) {
    return {static_cast<double>(r)};
  } else if constexpr (is_tuple_like<T>::value) {
    return std::apply(
        [](const auto&... v) { return std::vector<double>{static_cast<double>(v)...}; }, r);
  } else {
    return std::vector<double>(std::begin(r), std::end(r));
  }
}

/// Whether an objective result type is supported: a number, a range of numbers, or a tuple or
/// pair of numbers.
template <class R, class = void>
struct is_objective_result : std::disjunction<std::is_arithmetic<R>, is_tuple_of_numbers<R>> {};
template <class R>
struct is_objective_result<R, std::void_t<decltype(std::begin(std::declval<R&>())),
                                          decltype(std::end(std::declval<R&>()))>>
    : std::is_arithmetic<std::decay_t<decltype(*std::begin(std::declval<R&>()))>> {};

}  // namespace detail

/// An optimization task: a set of trials, the sampler that proposes them, the pruner that
/// stops them early, and the storage that keeps them.
///
/// Example:
/// ```
/// hpo::Study study(hpo::Direction::Minimize, std::make_unique<hpo::RandomSampler>(7));
/// study.optimize([](hpo::Trial& t) { double x = t.suggest_float("x", -10, 10); return x * x; },
///                hpo::OptimizeOptions{}.n_trials(100));
/// ```
class Study {
 public:
  /// A single-objective study. Defaults: RandomSampler seeded from std::random_device,
  /// NopPruner, InMemoryStorage.
  explicit Study(Direction direction = Direction::Minimize,
                 std::unique_ptr<Sampler> sampler = nullptr,
                 std::unique_ptr<Pruner> pruner = nullptr,
                 std::shared_ptr<Storage> storage = nullptr)
      : Study(std::vector<Direction>{direction}, std::move(sampler), std::move(pruner),
              std::move(storage)) {}

  /// A study with one direction per objective value. If `storage` already holds a study,
  /// its trials are kept and the directions must match.
  explicit Study(std::vector<Direction> directions, std::unique_ptr<Sampler> sampler = nullptr,
                 std::unique_ptr<Pruner> pruner = nullptr,
                 std::shared_ptr<Storage> storage = nullptr)
      : core_(std::make_unique<detail::StudyCore>()) {
    if (directions.empty()) throw InvalidArgument("hpo::Study: at least one direction is needed");
    core_->directions = std::move(directions);
    core_->sampler = sampler ? std::move(sampler) : std::make_unique<RandomSampler>();
    core_->pruner = pruner ? std::move(pruner) : std::make_unique<NopPruner>();
    core_->storage = storage ? std::move(storage) : std::make_shared<InMemoryStorage>();
    core_->storage->init_study(core_->directions);
  }

  /// Runs the objective on new trials until n_trials, the timeout, a stop() or an exhausted
  /// sampler ends the run. The objective takes `hpo::Trial&` and returns a number (or, for
  /// several objectives, a range of numbers, or a tuple or pair of numbers). A thrown
  /// hpo::TrialPruned records a Pruned trial; any other exception, or a NaN or infinite value, a
  /// Failed trial with the reason.
  template <class F>
  void optimize(F&& objective, const OptimizeOptions& options = {}) {
    static_assert(std::is_invocable_v<F&, Trial&>,
                  "hpo::Study::optimize: the objective must be callable as f(hpo::Trial&)");
    using R = std::invoke_result_t<F&, Trial&>;
    static_assert(detail::is_objective_result<std::decay_t<R>>::value,
                  "hpo::Study::optimize: the objective must return a number, or a range, "
                  "tuple or pair of numbers for several objectives");
    optimize_impl([&objective](Trial& t) { return detail::to_values(objective(t)); }, options);
  }

  /// Starts a trial for a loop you drive yourself; finish it with tell().
  Trial ask() {
    std::optional<Trial> t = start_trial(nullptr);
    if (!t)
      throw Error(fmt::format("hpo::Study::ask: the sampler '{}' has nothing left to propose",
                              core_->sampler->name()));
    return std::move(*t);
  }

  /// Finishes a trial with its objective value (a NaN or infinite value gives a Failed trial).
  FrozenTrial tell(Trial& trial, double value) { return tell(trial, std::vector<double>{value}); }
  /// Finishes a trial with one value per direction.
  FrozenTrial tell(Trial& trial, std::vector<double> values) {
    trial.finished_ = true;
    return *finish(trial.number(), TrialState::Complete, std::move(values), {}, true);
  }
  /// Finishes a trial as Pruned or Failed (with a reason).
  FrozenTrial tell(Trial& trial, TrialState state, std::string fail_reason = {}) {
    check_tell_state(state);
    trial.finished_ = true;
    return *finish(trial.number(), state, {}, std::move(fail_reason), true);
  }
  /// Finishes trial `number` with its value (for loops where the Trial object is gone).
  FrozenTrial tell(int number, double value) { return tell(number, std::vector<double>{value}); }
  /// Finishes trial `number` with one value per direction.
  FrozenTrial tell(int number, std::vector<double> values) {
    return *finish(number, TrialState::Complete, std::move(values), {}, true);
  }
  /// Finishes trial `number` as Pruned or Failed.
  FrozenTrial tell(int number, TrialState state, std::string fail_reason = {}) {
    check_tell_state(state);
    return *finish(number, state, {}, std::move(fail_reason), true);
  }

  /// Queues a trial whose parameters in `params` take the given values (the others are
  /// sampled); queued trials run before new ones, in order.
  void enqueue_trial(ParamMap params, AttrMap user_attrs = {}) {
    FrozenTrial t;
    t.state = TrialState::Waiting;
    t.fixed_params = std::move(params);
    t.user_attrs = std::move(user_attrs);
    core_->storage->create_trial(t);
  }

  /// Adds a finished trial from elsewhere (a previous run, a hand evaluation); returns it
  /// with its number. Its values must fit the directions and its parameters their
  /// distributions.
  FrozenTrial add_trial(FrozenTrial trial) {
    if (!is_finished(trial.state))
      throw InvalidArgument(
          fmt::format("hpo::Study::add_trial: state {} is not finished", to_string(trial.state)));
    if (trial.state == TrialState::Complete && trial.values.size() != core_->directions.size())
      throw InvalidArgument(fmt::format("hpo::Study::add_trial: {} values for {} directions",
                                        trial.values.size(), core_->directions.size()));
    if (trial.state == TrialState::Complete)
      for (double v : trial.values)
        if (!std::isfinite(v))
          throw InvalidArgument(fmt::format("hpo::Study::add_trial: value {} is not finite", v));
    for (double c : trial.constraints)
      if (std::isnan(c)) throw InvalidArgument("hpo::Study::add_trial: a constraint value is nan");
    for (const auto& p : trial.params)
      if (!contains(p.distribution, p.internal))
        throw InvalidArgument(fmt::format("hpo::Study::add_trial: parameter '{}': {} is outside {}",
                                          p.name, p.internal, to_string(p.distribution)));
    if (!trial.datetime_complete) trial.datetime_complete = std::chrono::system_clock::now();
    return *core_->storage->create_trial(trial);
  }

  /// Marks Failed every Running trial whose heartbeat (see OptimizeOptions::heartbeat) is older
  /// than `grace`, and re-enqueues it under `policy`; returns their numbers. optimize() with
  /// heartbeats calls it; call it yourself in an ask/tell loop.
  std::vector<int> fail_stale_trials(std::chrono::duration<double> grace,
                                     const RetryPolicy& policy = {}) {
    return detail::fail_stale_trials(*core_->storage, grace, policy,
                                     std::chrono::system_clock::now());
  }

  /// Asks optimize() to start no new trial; running trials finish. Thread-safe: call it from a
  /// callback, another thread or a signal handler (see StopOnSignal). A stop made while no
  /// optimize() runs applies to the next one; each optimize() clears the request when it ends.
  void stop() { core_->stop_requested.store(true); }

  /// The best Complete trial (the best feasible one once any trial has constraints, see
  /// Trial::set_constraints); throws NoCompletedTrials if there is none, Error for a study
  /// with several objectives (see best_trials).
  FrozenTrial best_trial() const {
    if (core_->directions.size() != 1)
      throw Error(
          "hpo::Study::best_trial: the study has several objectives; best_trials() gives its "
          "Pareto front");
    auto best = core_->storage->best_trial();
    if (!best) {
      const auto complete = core_->storage->get_trials(TrialStates{TrialState::Complete});
      if (complete.empty())
        throw NoCompletedTrials(fmt::format(
            "hpo::Study::best_trial: no trial has completed yet ({} trials)", n_trials()));
      throw NoCompletedTrials(fmt::format(
          "hpo::Study::best_trial: none of the {} Complete trials is feasible", complete.size()));
    }
    return **best;
  }

  /// Writes the study's HTML report (summary, every plot, the trials table) to `path`: see
  /// hpo::visualization::write_report, which takes options. Needs
  /// <hpo/visualization/report.hpp> (included by <hpo/hpo.hpp>); without it, a call does not
  /// compile, and the rest of Study never pays for the plots.
  template <class Writer = visualization::detail::ReportWriter>
  void write_report(const std::string& path) const {
    Writer::write(*this, path);
  }

  /// The Pareto front: the Complete trials no other Complete trial dominates (no worse in
  /// every objective, better in one), by number; for one objective, the trials sharing the
  /// best value. Once any trial has constraints, only feasible trials count (empty if none
  /// is). Empty if no trial has completed.
  std::vector<FrozenTrial> best_trials() const {
    auto complete = core_->storage->get_trials(TrialStates{TrialState::Complete});
    if (detail::any_constrained(complete))
      complete.erase(std::remove_if(complete.begin(), complete.end(),
                                    [](const auto& t) { return !t->feasible(); }),
                     complete.end());
    std::vector<std::vector<double>> values;
    values.reserve(complete.size());
    for (const auto& t : complete) values.push_back(t->values);
    std::vector<FrozenTrial> front;
    for (Eigen::Index i : pareto_front_indices(to_minimization(values, core_->directions)))
      front.push_back(*complete[static_cast<std::size_t>(i)]);
    return front;
  }
  /// Objective value of the best trial.
  double best_value() const { return best_trial().value(); }
  /// Parameters of the best trial.
  ParamMap best_params() const { return best_trial().param_map(); }

  /// Copies of the trials whose state is in `states`, by number.
  std::vector<FrozenTrial> trials(TrialStates states = TrialStates::all()) const {
    std::vector<FrozenTrial> out;
    for (const auto& t : core_->storage->get_trials(states)) out.push_back(*t);
    return out;
  }
  /// Shared snapshots of trials (no copy of the trials themselves), by number.
  std::vector<FrozenTrialPtr> trial_snapshots(TrialStates states = TrialStates::all(),
                                              TrialRange range = {}) const {
    return core_->storage->get_trials(states, range);
  }
  /// A copy of trial `number`; throws UnknownName.
  FrozenTrial trial(int number) const { return *core_->storage->get_trial(number); }
  /// Number of trials in any state.
  int n_trials() const { return core_->storage->n_trials(); }

  Direction direction() const { return view().direction(); }
  const std::vector<Direction>& directions() const { return core_->directions; }
  /// What samplers and pruners see (live).
  StudyView view() const { return core_->view(nullptr); }
  Sampler& sampler() { return *core_->sampler; }
  Pruner& pruner() { return *core_->pruner; }
  Storage& storage() { return *core_->storage; }
  /// The flag stop() sets; lock-free, so a signal handler may set it (see StopOnSignal).
  std::atomic<bool>& stop_flag() { return core_->stop_requested; }

 private:
  using Objective = std::function<std::vector<double>(Trial&)>;

  static void check_tell_state(TrialState state) {
    if (state != TrialState::Pruned && state != TrialState::Failed)
      throw InvalidArgument(fmt::format(
          "hpo::Study::tell: state must be Pruned or Failed here (got {})", to_string(state)));
  }

  /// Creates (or pops) the next trial; `worker`, when not empty, is recorded as its
  /// kWorkerAttr system attribute.
  std::optional<Trial> start_trial(const detail::TrialSnapshot& snapshot,
                                   const std::string& worker = {});
  FrozenTrialPtr finish(int number, TrialState state, std::vector<double> values,
                        std::string fail_reason, bool call_after_trial);
  FrozenTrialPtr run_trial(Trial& trial, const Objective& objective, const OptimizeOptions& options,
                           bool call_after_trial);
  void run_callbacks(const std::vector<Callback>& callbacks, const FrozenTrial& trial);
  void optimize_impl(const Objective& objective, const OptimizeOptions& options);
  void optimize_batches(const Objective& objective, const OptimizeOptions& options,
                        const std::vector<Callback>& callbacks, detail::HeartbeatWriter* beats);

  std::unique_ptr<detail::StudyCore> core_;
  std::unique_ptr<std::mutex> callback_mutex_ = std::make_unique<std::mutex>();
};

}  // namespace hpo

#include "hpo/study/study_impl.hpp"
