// SPDX-License-Identifier: MIT
#pragma once

#include <Eigen/Core>
#include <climits>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "hpo/detail/gradient_search.hpp"
#include "hpo/detail/rng.hpp"
#include "hpo/detail/transform.hpp"
#include "hpo/errors.hpp"
#include "hpo/samplers/random_sampler.hpp"
#include "hpo/samplers/sampler.hpp"
#include "hpo/samplers/search_space.hpp"

namespace hpo {

/// Gradient descent in hyperparameter space, across trials (ALGORITHMS.md 4.2).
///
/// The continuous float parameters (uniform or log, no step) of the intersection search space
/// are searched in the unit cube. After n_startup_trials Complete trials (drawn at random, or
/// left by an earlier sampler on the same storage), a run starts from the best trial so far.
/// Each iteration k of a run spends trials ("probes") that estimate the gradient at the
/// iterate x_k: SPSA pairs x_k +/- c_k Delta (Delta random signs, 2 trials per estimate
/// whatever the dimension), central differences x_k +/- c_k e_j (2 trials per coordinate), or,
/// when the objective reports its own gradient (Trial::report_gradient), one trial at x_k.
/// The step is Adam's, projected onto the cube, with the gain a_k = learning_rate ((A + 1) /
/// (A + k + 1))^0.602 and c_k = perturbation / (k + 1)^0.101.
///
/// A run whose best value has not improved for `patience` iterations restarts from its best
/// point with learning_rate and perturbation scaled by restart_factor (a finer local search);
/// when the learning rate falls below min_learning_rate, the sampler draws n_restart_trials
/// random trials and starts a fresh run from the best of them (a global restart).
///
/// Probes of one iteration share a seed (system attribute "hypergradient:seed", read it with
/// common_seed) so that a noisy objective can use common random numbers for the pair. Trials
/// are assigned to iterations in before_trial; extra trials while an iteration waits (n_jobs >
/// 1) become extra probes (more pairs, averaged). Integer, stepped and categorical parameters
/// are held at the run's starting trial's values (Options::discrete_params) or drawn at
/// random; parameters outside the search space are drawn at random. Single objective only.
/// See docs/samplers.md#hypergradientsampler.
class HypergradientSampler final : public Sampler {
 public:
  /// How the gradient is estimated when the objective does not report it.
  enum class Estimator {
    /// Simultaneous perturbation (Spall 1992): 2 trials per estimate in any dimension.
    Spsa,
    /// Central differences: 2 trials per coordinate, exact up to O(c^2) on smooth objectives.
    CentralDifferences
  };

  /// What probes use for integer, stepped and categorical parameters.
  enum class DiscreteParams {
    /// The values of the trial the run started from.
    Hold,
    /// Values drawn at random for each trial.
    Random
  };

  /// Options; gains follow Spall's guidelines in the unit cube.
  struct Options {
    Estimator estimator = Estimator::Spsa;
    /// Complete trials before the first run; earlier trials from any sampler count.
    int n_startup_trials = 15;
    /// a_0: the first step, per coordinate of the unit cube (Adam-normalized).
    double learning_rate = 0.2;
    /// A in the step gain; larger keeps the gain near a_0 for longer.
    double stability_constant = 10.0;
    /// c_0: half the distance between the two points of a probe pair, in the unit cube.
    double perturbation = 0.1;
    /// SPSA pairs averaged per step (at least this many; parallel workers may add more).
    int pairs_per_step = 1;
    double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;
    /// Iterations without improvement of the run's best value before a local restart.
    int patience = 3;
    /// Multiplies learning_rate and perturbation at each local restart, in (0, 1).
    double restart_factor = 0.5;
    /// A run's learning rate below this ends local refinement: a global restart follows.
    double min_learning_rate = 1e-3;
    /// Random trials drawn for a global restart; the new run starts from the best of them.
    int n_restart_trials = 5;
    /// Use gradients the objective reports (Trial::report_gradient) instead of estimating.
    bool use_reported_gradients = true;
    DiscreteParams discrete_params = DiscreteParams::Hold;
  };

  /// What the sampler did so far.
  struct Stats {
    /// Trials placed by the sampler as probes, and random trials (startup, global restarts).
    int probe_trials = 0;
    int random_trials = 0;
    /// Gradient steps taken, from estimates and from reported gradients.
    int estimated_steps = 0;
    int reported_steps = 0;
    /// Runs started (the first one included), local and global restarts.
    int runs = 0;
    int local_restarts = 0;
    int global_restarts = 0;
    /// Iterations abandoned because too many of their probes failed.
    int abandoned_iterations = 0;
    /// Parameters of probes drawn at random (outside the space, or discrete and not held).
    int independent_fallbacks = 0;
    std::set<std::string> fallback_params;
    /// The current run's learning rate and best value (minimization sign); dimension.
    double learning_rate = 0.0;
    double run_best = 0.0;
    int dimension = 0;
  };

  explicit HypergradientSampler(std::uint64_t seed) : HypergradientSampler(seed, Options()) {}
  HypergradientSampler(std::uint64_t seed, Options options)
      : seed_(seed), options_(std::move(options)), random_(seed) {
    const Options& o = options_;
    auto fail = [](const std::string& what) {
      throw InvalidArgument("hpo::HypergradientSampler: " + what);
    };
    auto positive = [&](double v, const char* name) {
      if (!(v > 0.0) || !std::isfinite(v))
        fail(fmt::format("{} must be positive (got {})", name, v));
    };
    if (o.n_startup_trials < 1) fail("n_startup_trials must be >= 1");
    positive(o.learning_rate, "learning_rate");
    positive(o.perturbation, "perturbation");
    positive(o.epsilon, "epsilon");
    positive(o.min_learning_rate, "min_learning_rate");
    if (!(o.perturbation <= 0.5)) fail("perturbation must be <= 0.5 (a fraction of the cube)");
    if (!(o.stability_constant >= 0.0) || !std::isfinite(o.stability_constant))
      fail("stability_constant must be >= 0");
    if (o.pairs_per_step < 1) fail("pairs_per_step must be >= 1");
    if (!(o.beta1 >= 0.0 && o.beta1 < 1.0)) fail("beta1 must be in [0, 1)");
    if (!(o.beta2 >= 0.0 && o.beta2 < 1.0)) fail("beta2 must be in [0, 1)");
    if (o.patience < 1) fail("patience must be >= 1");
    if (!(o.restart_factor > 0.0 && o.restart_factor < 1.0))
      fail("restart_factor must be in (0, 1)");
    if (o.n_restart_trials < 1) fail("n_restart_trials must be >= 1");
  }

  /// Finishes the current iteration if its probes are in, then assigns the trial.
  AttrMap before_trial(const StudyView& view, const FrozenTrial& trial) override {
    if (view.is_multi_objective()) return {};
    sign_ = view.direction() == Direction::Minimize ? 1.0 : -1.0;
    const SearchSpace space = relative_space(view);
    if (!started_) {
      started_ = static_cast<int>(view.trials(TrialStates{TrialState::Complete}).size()) >=
                 options_.n_startup_trials;
      if (!started_ || space.empty()) {
        started_ = false;
        ++stats_.random_trials;
        return {};
      }
    }
    if (space.empty()) {
      ++stats_.random_trials;
      return {};
    }
    if (!transform_ || space != space_) {
      space_ = space;
      transform_.emplace(space_);
      stats_.dimension = static_cast<int>(space_.size());
      if (!start_from_best(view, TrialRange{}, options_.learning_rate, options_.perturbation))
        begin_exploration();
    } else {
      update(view);
    }
    if (exploring_) {
      if (explore_first_ == INT_MAX) explore_first_ = trial.number;
      ++stats_.random_trials;
      return {{kExplore, std::int64_t{explore_id_}}};
    }
    if (iteration_.first_number == INT_MAX) iteration_.first_number = trial.number;
    ++stats_.probe_trials;
    const int probe = iteration_.next_probe++;
    return {{kRun, std::int64_t{run_.id}},
            {kIteration, std::int64_t{iteration_.id}},
            {kProbe, std::int64_t{probe}},
            {kSeed, static_cast<std::int64_t>(
                        detail::mix(seed_, static_cast<std::uint64_t>(iteration_.id)) >> 1)}};
  }

  SearchSpace infer_relative_search_space(const StudyView& view, const FrozenTrial&) override {
    if (view.is_multi_objective())
      throw InvalidArgument("hpo::HypergradientSampler: multi-objective studies are not supported");
    return relative_space(view);
  }

  InternalParams sample_relative(const StudyView&, const FrozenTrial& trial,
                                 const SearchSpace& space) override {
    const std::optional<int> iteration = int_attr(trial, kIteration);
    const std::optional<int> probe = int_attr(trial, kProbe);
    if (!iteration || !probe || exploring_ || *iteration != iteration_.id || space != space_)
      return {};
    return transform_->decode(probe_point(*probe));
  }

  double sample_independent(const StudyView& view, const FrozenTrial& trial,
                            const std::string& name, const Distribution& distribution) override {
    const std::optional<int> run = int_attr(trial, kRun);
    if (run && options_.discrete_params == DiscreteParams::Hold) {
      const auto start = run_starts_.find(*run);
      if (start != run_starts_.end()) {
        const auto held =
            view.trials(TrialStates::all(), TrialRange{start->second, start->second + 1});
        if (!held.empty())
          if (const TrialParam* p = held.front()->find_param(name);
              p && p->distribution == distribution)
            return p->internal;
      }
    }
    if (run && !hpo::single(distribution)) {
      ++stats_.independent_fallbacks;
      stats_.fallback_params.insert(name);
    }
    return random_.sample_independent(view, trial, name, distribution);
  }

  void reseed(std::uint64_t seed) override {
    seed_ = seed;
    random_.reseed(seed);
  }
  std::string name() const override { return "hypergradient"; }

  std::uint64_t seed() const { return seed_; }
  const Options& options() const { return options_; }
  const Stats& stats() const { return stats_; }

  /// The seed shared by the probes of the trial's iteration (for common random numbers in a
  /// noisy objective), or none for a random (startup, restart) trial.
  static std::optional<std::uint64_t> common_seed(const FrozenTrial& trial) {
    const auto it = trial.system_attrs.find(kSeed);
    if (it == trial.system_attrs.end() || !it->second.is_int()) return std::nullopt;
    return static_cast<std::uint64_t>(it->second.as<std::int64_t>());
  }

  /// System attribute names.
  static constexpr const char* kRun = "hypergradient:run";
  static constexpr const char* kIteration = "hypergradient:iteration";
  static constexpr const char* kProbe = "hypergradient:probe";
  static constexpr const char* kSeed = "hypergradient:seed";
  static constexpr const char* kExplore = "hypergradient:explore";

 private:
  /// A run: projected Adam from a starting trial, with its own gains and best value.
  struct Run {
    int id = -1;
    int k = 0;
    double learning_rate = 0.0, perturbation = 0.0;
    std::optional<detail::ProjectedAdam> adam;
    double best = 0.0;
    Eigen::VectorXd best_x;
    int best_number = -1;
    int stall = 0;
    Eigen::VectorXd previous_x;  // the iterate before the last step (empty before the first)
    double c_scale = 1.0;        // halved when probes around the first iterate fail
  };
  /// The current iteration: its iterate, perturbation and whether it uses reported gradients.
  struct Iteration {
    int id = -1;
    Eigen::VectorXd x;
    double c = 0.0;
    bool reported = false;
    int first_number = INT_MAX;
    int next_probe = 0;
  };

  static std::optional<int> int_attr(const FrozenTrial& t, const char* key) {
    const auto it = t.system_attrs.find(key);
    if (it == t.system_attrs.end() || !it->second.is_int()) return std::nullopt;
    return it->second.as<int>();
  }

  /// The intersection space restricted to continuous floats (no step) with a range.
  SearchSpace relative_space(const StudyView& view) {
    SearchSpace space = relative_space_.calculate(view);
    for (auto it = space.begin(); it != space.end();) {
      const auto* f = std::get_if<FloatDistribution>(&it->second);
      it = f && f->step() == 0.0 ? std::next(it) : space.erase(it);
    }
    return space;
  }

  /// The unit-cube point of a trial, if it has every parameter of the space.
  std::optional<Eigen::VectorXd> point(const FrozenTrial& t) const {
    for (const auto& [name, dist] : space_) {
      const TrialParam* p = t.find_param(name);
      if (!p || p->distribution != dist) return std::nullopt;
    }
    return transform_->encode(t);
  }

  /// Starts a run from the best Complete trial in `range` that has the space's parameters;
  /// false if there is none.
  bool start_from_best(const StudyView& view, TrialRange range, double lr, double c) {
    std::optional<std::pair<double, int>> best;
    Eigen::VectorXd best_x;
    for (const auto& t : view.trials(TrialStates{TrialState::Complete}, range)) {
      const double y = sign_ * t->values[0];
      if (best && !(y < best->first)) continue;
      if (std::optional<Eigen::VectorXd> x = point(*t)) {
        best = {y, t->number};
        best_x = std::move(*x);
        reports_gradients_ = has_gradient(*t);
      }
    }
    if (!best) return false;
    start_run(best_x, best->first, best->second, lr, c);
    return true;
  }

  void start_run(const Eigen::VectorXd& x, double y, int number, double lr, double c) {
    exploring_ = false;
    run_.id = next_run_id_++;
    run_.k = 0;
    run_.learning_rate = lr;
    run_.perturbation = c;
    run_.adam.emplace(x.size(), options_.beta1, options_.beta2, options_.epsilon);
    run_.best = y;
    run_.best_x = x;
    run_.best_number = number;
    run_.stall = 0;
    run_.previous_x.resize(0);
    run_.c_scale = 1.0;
    run_starts_[run_.id] = number;
    ++stats_.runs;
    stats_.learning_rate = lr;
    stats_.run_best = y;
    next_iteration(x, reports_gradients_);
  }

  void next_iteration(const Eigen::VectorXd& x, bool reported) {
    iteration_.id = next_iteration_id_++;
    iteration_.x = x;
    iteration_.c = run_.c_scale * detail::spsa_perturbation(run_.perturbation, run_.k);
    iteration_.reported = reported && options_.use_reported_gradients;
    iteration_.first_number = INT_MAX;
    iteration_.next_probe = 0;
  }

  /// Random trials until n_restart_trials of them have finished (see update).
  void begin_exploration() {
    exploring_ = true;
    explore_id_ = next_explore_id_++;
    explore_first_ = INT_MAX;
  }

  /// The unit-cube point of probe `index` of the current iteration.
  Eigen::VectorXd probe_point(int index) const {
    const Eigen::VectorXd& x = iteration_.x;
    const Eigen::Index n = x.size();
    const int pair = index / 2;
    const double s = index % 2 == 0 ? 1.0 : -1.0;
    Eigen::VectorXd d = Eigen::VectorXd::Zero(n);
    if (iteration_.reported) {
      if (index == 0) return x;
      auto rng = detail::Rng::stream(seed_, detail::hash_name(kProbe),
                                     detail::mix(static_cast<std::uint64_t>(iteration_.id),
                                                 static_cast<std::uint64_t>(index)));
      d = detail::rademacher(rng, n);
    } else if (options_.estimator == Estimator::Spsa) {
      auto rng = detail::Rng::stream(
          seed_, detail::hash_name(kProbe),
          detail::mix(static_cast<std::uint64_t>(iteration_.id), static_cast<std::uint64_t>(pair)));
      d = s * detail::rademacher(rng, n);
    } else {
      d[pair % n] = s;
    }
    return (x + iteration_.c * d).cwiseMax(0.0).cwiseMin(1.0);
  }

  /// Moves on when the current exploration or iteration has what it needs.
  void update(const StudyView& view) {
    if (exploring_) {
      int finished = 0;
      for (const auto& t :
           view.trials(TrialStates::finished(), TrialRange{explore_first_, INT_MAX}))
        if (int_attr(*t, kExplore) == explore_id_) ++finished;
      if (finished >= options_.n_restart_trials &&
          start_from_best(view, TrialRange{explore_first_, INT_MAX}, options_.learning_rate,
                          options_.perturbation))
        ++stats_.global_restarts;
      return;
    }
    if (iteration_.first_number == INT_MAX) return;
    std::map<int, FrozenTrialPtr> complete;
    int failed = 0;
    for (const auto& t :
         view.trials(TrialStates::finished(), TrialRange{iteration_.first_number, INT_MAX})) {
      const std::optional<int> probe = int_attr(*t, kProbe);
      if (!probe || int_attr(*t, kIteration) != iteration_.id) continue;
      if (t->state == TrialState::Complete && point(*t))
        complete.emplace(*probe, t);
      else
        ++failed;
    }
    std::optional<Eigen::VectorXd> g;
    if (iteration_.reported) {
      g = reported_gradient(complete);
      if (!g && !complete.empty()) {  // the objective stopped reporting: estimate instead
        reports_gradients_ = false;
        next_iteration(iteration_.x, false);
        return;
      }
    } else {
      g = estimated_gradient(complete, options_.pairs_per_step);
    }
    if (!g) {
      if (failed >= 2) back_off(complete);
      return;
    }
    (iteration_.reported ? stats_.reported_steps : stats_.estimated_steps)++;
    reports_gradients_ = false;
    for (const auto& [probe, t] : complete)
      reports_gradients_ = reports_gradients_ || has_gradient(*t);
    record_progress(complete);
    if (run_.stall >= options_.patience) {
      restart();
      return;
    }
    const double a =
        detail::spsa_step_gain(run_.learning_rate, options_.stability_constant, run_.k);
    run_.previous_x = iteration_.x;
    const Eigen::VectorXd x = run_.adam->step(iteration_.x, *g, a);
    ++run_.k;
    next_iteration(x, reports_gradients_);
  }

  /// Two probes of the iteration failed before a gradient could be formed (the objective is
  /// undefined or fails there): go halfway back to the previous iterate, or, at a run's first
  /// iterate, halve the perturbation. Counts as an iteration without improvement.
  void back_off(const std::map<int, FrozenTrialPtr>& complete) {
    ++stats_.abandoned_iterations;
    record_progress(complete);
    if (run_.stall >= options_.patience) {
      restart();
      return;
    }
    if (run_.previous_x.size() == 0) {
      run_.c_scale *= 0.5;
      next_iteration(iteration_.x, iteration_.reported);
    } else {
      next_iteration(0.5 * (run_.previous_x + iteration_.x), iteration_.reported);
    }
  }

  /// Updates the run's best value and stall count with the iteration's Complete probes.
  void record_progress(const std::map<int, FrozenTrialPtr>& complete) {
    bool improved = false;
    for (const auto& [probe, t] : complete) {
      const double y = sign_ * t->values[0];
      if (y < run_.best) {
        run_.best = y;
        run_.best_x = *point(*t);
        run_.best_number = t->number;
        improved = true;
      }
    }
    run_.stall = improved ? 0 : run_.stall + 1;
    stats_.run_best = run_.best;
  }

  /// A local restart from the run's best point with smaller gains, or a global one.
  void restart() {
    const double lr = run_.learning_rate * options_.restart_factor;
    if (lr >= options_.min_learning_rate) {
      ++stats_.local_restarts;
      const Eigen::VectorXd x = run_.best_x;
      start_run(x, run_.best, run_.best_number, lr, run_.perturbation * options_.restart_factor);
    } else {
      begin_exploration();
    }
  }

  bool has_gradient(const FrozenTrial& t) const {
    for (const auto& [name, dist] : space_)
      if (!t.reported_gradient(name)) return false;
    return true;
  }

  /// The mean reported gradient over the Complete probes that have one, in the unit cube.
  std::optional<Eigen::VectorXd> reported_gradient(
      const std::map<int, FrozenTrialPtr>& complete) const {
    Eigen::VectorXd sum = Eigen::VectorXd::Zero(iteration_.x.size());
    int count = 0;
    for (const auto& [probe, t] : complete) {
      if (!has_gradient(*t)) continue;
      Eigen::Index j = 0;
      for (const auto& [name, dist] : space_) {
        const detail::NumericRange r = detail::numeric_range(dist);
        // d x / d u: the range, times x itself on a log scale.
        const double dxdu = (r.hi - r.lo) * (r.log ? t->find_param(name)->internal : 1.0);
        sum[j++] += sign_ * *t->reported_gradient(name) * dxdu;
      }
      ++count;
    }
    if (count == 0) return std::nullopt;
    return sum / count;
  }

  /// The estimate from Complete probe pairs once `required` pairs (SPSA) or every coordinate
  /// (central differences) have one.
  std::optional<Eigen::VectorXd> estimated_gradient(const std::map<int, FrozenTrialPtr>& complete,
                                                    int required) const {
    const Eigen::Index n = iteration_.x.size();
    detail::DifferenceQuotients q(n);
    int pairs = 0;
    for (const auto& [probe, plus] : complete) {
      if (probe % 2 != 0) continue;
      const auto minus = complete.find(probe + 1);
      if (minus == complete.end()) continue;
      Eigen::VectorXd mask = Eigen::VectorXd::Ones(n);
      if (options_.estimator == Estimator::CentralDifferences) {
        mask.setZero();
        mask[(probe / 2) % n] = 1.0;
      }
      q.add(*point(*plus), sign_ * plus->values[0], *point(*minus->second),
            sign_ * minus->second->values[0], mask);
      ++pairs;
    }
    const bool enough = options_.estimator == Estimator::Spsa ? pairs >= required : q.complete();
    if (!enough) return std::nullopt;
    return q.mean();
  }

  std::uint64_t seed_;
  Options options_;
  RandomSampler random_;
  RelativeSearchSpace relative_space_;
  double sign_ = 1.0;
  bool started_ = false;
  SearchSpace space_;
  std::optional<detail::SearchSpaceTransform> transform_;
  Run run_;
  Iteration iteration_;
  std::map<int, int> run_starts_;  // run id -> number of the trial it started from
  bool reports_gradients_ = false;
  bool exploring_ = false;
  int explore_id_ = -1, explore_first_ = INT_MAX;
  int next_run_id_ = 0, next_iteration_id_ = 0, next_explore_id_ = 0;
  Stats stats_;
};

}  // namespace hpo
