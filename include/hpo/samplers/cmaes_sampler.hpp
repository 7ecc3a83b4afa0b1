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
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "hpo/detail/cmaes.hpp"
#include "hpo/detail/rng.hpp"
#include "hpo/detail/transform.hpp"
#include "hpo/errors.hpp"
#include "hpo/samplers/random_sampler.hpp"
#include "hpo/samplers/sampler.hpp"
#include "hpo/samplers/search_space.hpp"

namespace hpo {

/// CMA-ES over the float and int parameters, following Optuna's CmaEsSampler.
///
/// The search space is the intersection space of the Complete trials restricted to float and
/// int parameters, in the unit-cube transform (log ranges in log space, grids padded by half a
/// step), starting from the mean x0 (default: the centre) with sigma0 = 1/6. Each trial is
/// assigned, in before_trial, to the current generation of the current run (system attributes
/// "cmaes:restart", "cmaes:generation", "cmaes:index"); its candidate is drawn from its own
/// stream keyed by (seed, run, generation, index), resampled while outside the cube (100
/// tries) and then clipped. Once lambda trials of the current generation are Complete, in any
/// order, the first lambda of them (by number) update the distribution; the generation's
/// further trials are not used. Running trials never block: each new trial simply adds a
/// candidate to the current generation.
///
/// After each update the termination tests of ALGORITHMS.md 3.3 are checked; with IPOP (the
/// default) a run that stops is replaced by a new one with a random mean (seeded) and
/// inc_popsize times the population. When the search space changes, the sampler starts a new
/// run on the new space. Categorical parameters and parameters outside the intersection space
/// (conditional ones, changed ranges) are drawn by a RandomSampler with the same seed; stats()
/// counts them. Single objective only. See docs/samplers.md for options, cost and where this
/// differs from Optuna.
class CmaEsSampler final : public Sampler {
 public:
  /// What to do when a run meets a termination test.
  enum class RestartStrategy {
    /// Keep the run going.
    None,
    /// Restart from a random mean with inc_popsize times the population (Auger & Hansen 2005).
    Ipop
  };

  /// Options; the defaults are Optuna's where it has the same setting (Optuna's default
  /// restart strategy is None; see docs/samplers.md for why IPOP is ours).
  struct Options {
    /// Initial step size in the unit cube.
    double sigma0 = 1.0 / 6.0;
    /// lambda of the first run; 0: 4 + floor(3 ln n).
    int population_size = 0;
    /// Complete trials drawn at random before CMA-ES takes over (at least 1 is needed to
    /// know the search space).
    int n_startup_trials = 1;
    /// Diagonal covariance (sep-CMA-ES, Ros & Hansen 2008, with the strategy parameters of the
    /// `cmaes` package's SepCMA): faster learning on separable problems, O(n) per candidate.
    bool use_separable_cma = false;
    /// CMA-ES with Margin (Hamano et al. 2022) for int and stepped float parameters; not with
    /// use_separable_cma.
    bool with_margin = false;
    RestartStrategy restart_strategy = RestartStrategy::Ipop;
    /// Population growth factor of IPOP restarts (>= 1).
    int inc_popsize = 2;
    /// Use Pruned trials with their last intermediate value as if Complete.
    bool consider_pruned_trials = false;
    /// Initial mean by parameter name, in unit-cube coordinates [0, 1]; missing: 0.5.
    std::map<std::string, double> x0;
  };

  /// What the sampler did so far (for logs and tests).
  struct Stats {
    /// Trials whose parameters came from CMA-ES.
    int relative_trials = 0;
    /// Trials started while fewer than n_startup_trials trials were Complete.
    int startup_trials = 0;
    /// Parameters drawn at random because they were categorical or outside the search space,
    /// and their names (one-value distributions excepted).
    int independent_fallbacks = 0;
    std::set<std::string> fallback_params;
    /// Generations told, over all runs.
    int generations = 0;
    /// IPOP restarts, and runs started because the search space changed.
    int restarts = 0;
    int search_space_changes = 0;
    /// The current run: its number ("cmaes:restart"), lambda, sigma and dimension.
    int run = 0;
    int population_size = 0;
    double sigma = 0.0;
    int dimension = 0;
    /// The termination test that ended the last run ("tolfun", "tolx", ...; "none" if no
    /// run has stopped).
    std::string last_stop = "none";
  };

  explicit CmaEsSampler(std::uint64_t seed) : CmaEsSampler(seed, Options()) {}
  CmaEsSampler(std::uint64_t seed, Options options)
      : seed_(seed), options_(std::move(options)), random_(seed) {
    const Options& o = options_;
    auto fail = [](const std::string& what) {
      throw InvalidArgument("hpo::CmaEsSampler: " + what);
    };
    if (!(o.sigma0 > 0.0) || !std::isfinite(o.sigma0)) fail("sigma0 must be positive and finite");
    if (o.population_size < 0 || o.population_size == 1)
      fail("population_size must be 0 (default) or >= 2");
    if (o.n_startup_trials < 1) fail("n_startup_trials must be >= 1");
    if (o.inc_popsize < 1) fail("inc_popsize must be >= 1");
    if (o.with_margin && o.use_separable_cma)
      fail("with_margin and use_separable_cma cannot be used together");
    for (const auto& [name, u] : o.x0)
      if (!(u >= 0.0 && u <= 1.0))
        fail(fmt::format("x0['{}'] = {} is outside the unit interval [0, 1]", name, u));
  }

  /// Assigns the trial to the current generation (after updating the distribution if that
  /// generation is complete) and returns the "cmaes:*" attributes.
  AttrMap before_trial(const StudyView& view, const FrozenTrial& trial) override {
    if (view.is_multi_objective()) return {};
    if (!started_) {
      const TrialStates counted = detail::intersection_states(options_.consider_pruned_trials);
      started_ = static_cast<int>(view.trials(counted).size()) >= options_.n_startup_trials;
      if (!started_) {
        ++stats_.startup_trials;
        return {};
      }
    }
    const SearchSpace space = relative_space(view);
    if (space.empty()) return {};
    if (!es_ || space != space_) {
      if (es_) ++stats_.search_space_changes;
      start_run(space, options_.population_size, std::nullopt);
    } else {
      update(view);
    }
    if (next_index_ == 0) first_number_ = trial.number;
    AttrMap attrs{{kRestart, std::int64_t{run_}},
                  {kGeneration, std::int64_t{es_->generation()}},
                  {kIndex, std::int64_t{next_index_}}};
    ++next_index_;
    return attrs;
  }

  SearchSpace infer_relative_search_space(const StudyView& view, const FrozenTrial&) override {
    if (view.is_multi_objective())
      throw InvalidArgument("hpo::CmaEsSampler: multi-objective studies are not supported");
    return relative_space(view);
  }

  InternalParams sample_relative(const StudyView&, const FrozenTrial& trial,
                                 const SearchSpace& space) override {
    const std::optional<Slot> slot = slot_of(trial);
    if (!slot || !es_ || space != space_ || slot->run != run_ ||
        slot->generation != es_->generation())
      return {};
    ++stats_.relative_trials;
    return transform_->decode(es_->evaluated(candidate(slot->index)));
  }

  double sample_independent(const StudyView& view, const FrozenTrial& trial,
                            const std::string& name, const Distribution& distribution) override {
    if (started_ && !hpo::single(distribution)) {
      ++stats_.independent_fallbacks;
      stats_.fallback_params.insert(name);
    }
    return random_.sample_independent(view, trial, name, distribution);
  }

  void reseed(std::uint64_t seed) override {
    seed_ = seed;
    random_.reseed(seed);
  }
  std::string name() const override { return "cmaes"; }

  std::uint64_t seed() const { return seed_; }
  const Options& options() const { return options_; }
  const Stats& stats() const { return stats_; }
  /// The optimizer of the current run (none before the first CMA-ES trial).
  const std::optional<detail::CmaEs>& optimizer() const { return es_; }

  /// System attribute names.
  static constexpr const char* kRestart = "cmaes:restart";
  static constexpr const char* kGeneration = "cmaes:generation";
  static constexpr const char* kIndex = "cmaes:index";

 private:
  /// Where a trial sits: run, generation and index within the generation.
  struct Slot {
    int run, generation, index;
  };

  static std::optional<Slot> slot_of(const FrozenTrial& t) {
    const auto r = t.system_attrs.find(kRestart), g = t.system_attrs.find(kGeneration),
               i = t.system_attrs.find(kIndex);
    if (r == t.system_attrs.end() || g == t.system_attrs.end() || i == t.system_attrs.end() ||
        !r->second.is_int() || !g->second.is_int() || !i->second.is_int())
      return std::nullopt;
    return Slot{r->second.as<int>(), g->second.as<int>(), i->second.as<int>()};
  }

  /// The intersection space restricted to float and int parameters with more than one value.
  SearchSpace relative_space(const StudyView& view) {
    const bool pruned = options_.consider_pruned_trials;
    SearchSpace space = relative_space_.calculate(view, pruned);
    for (auto it = space.begin(); it != space.end();)
      it = std::holds_alternative<CategoricalDistribution>(it->second) ? space.erase(it)
                                                                       : std::next(it);
    return space;
  }

  /// A new run on `space` with population `lambda` (0: default) from `mean` (none: x0).
  void start_run(const SearchSpace& space, int lambda, std::optional<Eigen::VectorXd> mean) {
    if (es_) ++run_;
    space_ = space;
    transform_.emplace(space_);
    const auto n = static_cast<Eigen::Index>(space_.size());
    if (!mean) {
      mean = Eigen::VectorXd::Constant(n, 0.5);
      Eigen::Index j = 0;
      for (const auto& [name, dist] : space_) {
        const auto it = options_.x0.find(name);
        if (it != options_.x0.end()) (*mean)[j] = it->second;
        ++j;
      }
    }
    es_.emplace(*mean, options_.sigma0, lambda, options_.use_separable_cma);
    if (options_.with_margin) {
      std::vector<int> cells;
      bool discrete = false;
      for (const auto& [name, dist] : space_) {
        const detail::NumericRange r = detail::numeric_range(dist);
        int k = 0;
        if (r.step > 0.0) {
          k = static_cast<int>(std::min(std::round((r.high - r.low) / r.step) + 1.0, 1e9));
          discrete = true;
        }
        cells.push_back(k);
      }
      if (discrete) es_->enable_margin(cells);
    }
    next_index_ = 0;
    first_number_ = INT_MAX;
    refresh_stats();
  }

  /// Tells the current generation once lambda of its trials are Complete; restarts (IPOP).
  void update(const StudyView& view) {
    const int lambda = es_->population_size();
    if (next_index_ < lambda) return;
    std::vector<FrozenTrialPtr> done;
    const TrialStates states = detail::intersection_states(options_.consider_pruned_trials);
    for (const auto& t : view.trials(states, TrialRange{first_number_, INT_MAX})) {
      const std::optional<Slot> slot = slot_of(*t);
      if (slot && slot->run == run_ && slot->generation == es_->generation() && !t->values.empty())
        done.push_back(t);
      if (static_cast<int>(done.size()) == lambda) break;
    }
    if (static_cast<int>(done.size()) < lambda) return;

    const auto n = static_cast<Eigen::Index>(space_.size());
    Eigen::MatrixXd xs(n, lambda);
    Eigen::VectorXd values(lambda);
    const double sign = view.direction() == Direction::Minimize ? 1.0 : -1.0;
    for (int k = 0; k < lambda; ++k) {
      const FrozenTrial& t = *done[static_cast<std::size_t>(k)];
      xs.col(k) = solution(t);
      values[k] = sign * t.values[0];
    }
    es_->tell(xs, values);
    ++stats_.generations;
    next_index_ = 0;
    first_number_ = INT_MAX;
    const detail::CmaStop stop = es_->stop_reason();
    if (stop != detail::CmaStop::None) stats_.last_stop = detail::to_string(stop);
    if (stop != detail::CmaStop::None && options_.restart_strategy == RestartStrategy::Ipop) {
      ++stats_.restarts;
      auto rng = detail::Rng::stream(seed_, detail::hash_name(kRestart),
                                     static_cast<std::uint64_t>(run_) + 1);
      Eigen::VectorXd mean(n);
      for (Eigen::Index j = 0; j < n; ++j) mean[j] = rng.uniform();
      start_run(space_, lambda * options_.inc_popsize, mean);
    }
    refresh_stats();
  }

  /// The candidate with `index` in the current generation, before the margin.
  Eigen::VectorXd candidate(int index) const {
    auto rng = detail::Rng::stream(seed_,
                                   detail::mix(static_cast<std::uint64_t>(run_),
                                               static_cast<std::uint64_t>(es_->generation())),
                                   static_cast<std::uint64_t>(index));
    return es_->sample_in_unit_cube(rng);
  }

  /// The point a told trial stands for: its candidate when the trial took the candidate's
  /// parameters, otherwise (e.g. enqueued parameters) its parameters in the unit cube.
  Eigen::VectorXd solution(const FrozenTrial& t) const {
    const std::optional<Slot> slot = slot_of(t);
    const Eigen::VectorXd x = candidate(slot->index);
    const InternalParams proposed = transform_->decode(es_->evaluated(x));
    bool same = true;
    for (const auto& [name, internal] : proposed) {
      const TrialParam* p = t.find_param(name);
      same = same && p && p->internal == internal;
    }
    return same ? x : transform_->encode(t);
  }

  void refresh_stats() {
    stats_.run = run_;
    stats_.population_size = es_->population_size();
    stats_.sigma = es_->sigma();
    stats_.dimension = es_->dim();
  }

  std::uint64_t seed_;
  Options options_;
  RandomSampler random_;
  RelativeSearchSpace relative_space_;
  bool started_ = false;
  SearchSpace space_;
  std::optional<detail::SearchSpaceTransform> transform_;
  std::optional<detail::CmaEs> es_;
  int run_ = 0;
  int next_index_ = 0;    // index of the next trial in the current generation
  int first_number_ = 0;  // number of the generation's first trial (INT_MAX: none yet)
  Stats stats_;
};

}  // namespace hpo
