// SPDX-License-Identifier: MIT
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "hpo/detail/genetic_history.hpp"
#include "hpo/detail/genetic_operators.hpp"
#include "hpo/detail/nsga2_selection.hpp"
#include "hpo/detail/rng.hpp"
#include "hpo/detail/transform.hpp"
#include "hpo/errors.hpp"
#include "hpo/samplers/qmc_sampler.hpp"
#include "hpo/samplers/random_sampler.hpp"
#include "hpo/samplers/sampler.hpp"
#include "hpo/samplers/search_space.hpp"

namespace hpo {

/// A real-coded steady-state genetic algorithm on the unit-cube transform of the search space.
///
/// The population is the best `population_size` Complete trials so far (ties: the earlier
/// trial), so the best ever found is never lost (elitism) and every finished trial can enter
/// it at once: a (mu + 1) scheme with no generation barrier, which suits asynchronous
/// parallel trials and small budgets. Until `n_startup_trials` trials are Complete, trials
/// are drawn quasi-randomly (scrambled Sobol, as QmcSampler). Then each trial is one child:
/// two distinct parents by tournament, then with probability `crossover_prob` a crossover
/// (each numeric gene: bounded SBX with probability 1/2, else taken from either parent;
/// each categorical: from either parent), else a copy of the first parent; then each gene
/// mutates with probability `mutation_prob` (numeric: bounded polynomial mutation, moved to the
/// next grid value when rounding would undo it; categorical: another choice at random).
/// Integers and steps live in the unit cube of detail::to_unit and go back on their grid by
/// detail::from_unit. A child that repeats a finished or running trial is redrawn.
///
/// Parameters outside the intersection search space go to a RandomSampler; stats() counts
/// them. Selection is a tournament over a ranking: by value for one objective
/// (rank_population); for several objectives, or once a trial has constraints
/// (Trial::set_constraints), NSGA-II's (detail::nsga2_population: constrained non-domination
/// fronts, then crowding distance), which makes this sampler a steady-state NSGA-II (see
/// NSGAIISampler for Optuna's defaults). There is no generational mode.
///
/// Cost per suggestion: independent of the number of finished trials n (amortized). Finished
/// trials are folded in once, as they finish (detail::GeneticHistory): the Complete count, the
/// population as a bounded ordered set, and a hash set of the Complete trials' parameter
/// vectors for the duplicate check (rebuilt once, O(n), when the search space changes). Only
/// Running trials are scanned, per child. A view filtered by the pruner (Hyperband brackets)
/// is not a growing prefix of the study, so it is folded from scratch: O(n) per call. With
/// several objectives (or constraints) the population is re-ranked when trials have completed
/// since the last child, elitist (mu + lambda): the population and the new trials only, so
/// O(M P^2) for a population of P, whatever n.
class GeneticSampler : public Sampler {
 public:
  /// Options; the names are those of Optuna's NSGAIISampler where it has the setting.
  struct Options {
    /// Number of best Complete trials that parents are drawn from (>= 2).
    int population_size = 20;
    /// Complete trials drawn quasi-randomly before the GA starts; unset: population_size.
    std::optional<int> n_startup_trials;
    /// Probability that a child is a crossover of its two parents (else a copy of one).
    double crossover_prob = 0.9;
    /// Probability that a gene not crossed by SBX comes from the second parent.
    double swapping_prob = 0.5;
    /// SBX distribution index: larger keeps children closer to their parents.
    double crossover_eta = 2.0;
    /// Per-gene mutation probability; unset: 1 / (number of parameters).
    std::optional<double> mutation_prob;
    /// Polynomial mutation distribution index.
    double mutation_eta = 20.0;
    /// Individuals per tournament (2: binary tournament); at most population_size.
    int tournament_size = 2;
    /// Redraw a child that repeats a Complete or Running trial's parameters.
    bool avoid_duplicates = true;
  };

  /// What the sampler did so far (for logs and tests).
  struct Stats {
    /// Trials drawn quasi-randomly before n_startup_trials were Complete.
    int startup_trials = 0;
    /// Children proposed by the GA, those made by crossover, and genes mutated in them.
    int offspring = 0;
    int crossovers = 0;
    int mutations = 0;
    /// Children that finished (any state), and generations: finished_offspring divided by
    /// population_size, rounded down (a generation is filled by whichever children finish).
    int finished_offspring = 0;
    int generations = 0;
    /// Children redrawn because they repeated a trial (one count per redraw).
    int duplicates_avoided = 0;
    /// Parameters drawn at random because they were outside the relative search space, and
    /// their names.
    int independent_fallbacks = 0;
    std::set<std::string> fallback_params;
  };

  /// The defaults, with `seed`.
  explicit GeneticSampler(std::uint64_t seed) : GeneticSampler(seed, Options()) {}
  /// Throws InvalidArgument on a bad option.
  GeneticSampler(std::uint64_t seed, Options options)
      : seed_(seed),
        options_(std::move(options)),
        startup_(seed),
        random_(seed),
        history_(static_cast<std::size_t>(std::max(options_.population_size, 0))) {
    const Options& o = options_;
    auto prob = [](double p) { return p >= 0.0 && p <= 1.0; };
    auto fail = [](const char* what) {
      throw InvalidArgument(fmt::format("hpo::GeneticSampler: {}", what));
    };
    if (o.population_size < 2) fail("population_size must be >= 2");
    if (o.n_startup_trials && *o.n_startup_trials < 0) fail("n_startup_trials must be >= 0");
    if (!prob(o.crossover_prob)) fail("crossover_prob must be in [0, 1]");
    if (!prob(o.swapping_prob)) fail("swapping_prob must be in [0, 1]");
    if (o.mutation_prob && !prob(*o.mutation_prob)) fail("mutation_prob must be in [0, 1]");
    if (!(o.crossover_eta >= 0.0 && std::isfinite(o.crossover_eta)))
      fail("crossover_eta must be finite and >= 0");
    if (!(o.mutation_eta >= 0.0 && std::isfinite(o.mutation_eta)))
      fail("mutation_eta must be finite and >= 0");
    if (o.tournament_size < 1 || o.tournament_size > o.population_size)
      fail("tournament_size must be in [1, population_size]");
  }

  /// The intersection search space without single-value parameters.
  SearchSpace infer_relative_search_space(const StudyView& view, const FrozenTrial&) override {
    return relative_space_.calculate(view);
  }

  /// One child of the population, or nothing during the startup.
  InternalParams sample_relative(const StudyView& view, const FrozenTrial& trial,
                                 const SearchSpace& space) override {
    if (space.empty()) return {};
    std::optional<detail::GeneticHistory> local;
    detail::GeneticHistory& history = history_for(view, local);
    if (history.n_complete() < startup_size()) return {};
    return breed(view, trial, space, history);
  }

  /// Startup draws (Sobol), single values, and counted fallbacks (RandomSampler).
  double sample_independent(const StudyView& view, const FrozenTrial& trial,
                            const std::string& name, const Distribution& distribution) override {
    if (hpo::single(distribution))
      return random_.sample_independent(view, trial, name, distribution);
    std::optional<detail::GeneticHistory> local;
    if (history_for(view, local).n_complete() < startup_size()) {
      if (trial.params.empty()) ++stats_.startup_trials;
      return startup_.sample_independent(view, trial, name, distribution);
    }
    ++stats_.independent_fallbacks;
    stats_.fallback_params.insert(name);
    return random_.sample_independent(view, trial, name, distribution);
  }

  /// Counts finished children and generations.
  void after_trial(const StudyView&, const FrozenTrial& trial) override {
    if (pending_.erase(trial.number) == 0) return;
    ++stats_.finished_offspring;
    stats_.generations = stats_.finished_offspring / options_.population_size;
  }

  /// Replaces the seed (also of the startup and fallback samplers).
  void reseed(std::uint64_t seed) override {
    seed_ = seed;
    startup_.reseed(seed);
    random_.reseed(seed);
  }
  /// "genetic".
  std::string name() const override { return "genetic"; }

  /// The seed in use.
  std::uint64_t seed() const { return seed_; }
  /// The options, as validated by the constructor.
  const Options& options() const { return options_; }
  /// What the sampler did so far.
  const Stats& stats() const { return stats_; }
  /// The population as of the last sampling call on an unfiltered view: the best
  /// `population_size` Complete trials it had seen, best first (rank_population's order, or
  /// detail::nsga2_population's for several objectives).
  std::vector<FrozenTrialPtr> population() const {
    return multi_complete_ >= 0 ? multi_population_ : history_.population();
  }

  /// The population: the best `size` of `complete` (single objective), best first; ties go to
  /// the lower trial number, NaN values last. Selection only sees positions in this order.
  /// The sampler keeps the same incrementally (detail::GeneticHistory); this is the reference.
  static std::vector<FrozenTrialPtr> rank_population(const std::vector<FrozenTrialPtr>& complete,
                                                     Direction direction, std::size_t size) {
    // Sort (key, number, index) triples: one pass over the trials, then plain values.
    const double sign = direction == Direction::Minimize ? 1.0 : -1.0;
    std::vector<std::tuple<double, int, std::size_t>> keys;
    keys.reserve(complete.size());
    for (std::size_t i = 0; i < complete.size(); ++i) {
      const double v = sign * complete[i]->values.at(0);
      keys.emplace_back(std::isnan(v) ? INFINITY : v, complete[i]->number, i);
    }
    size = std::min(size, keys.size());
    std::partial_sort(keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(size), keys.end());
    std::vector<FrozenTrialPtr> population;
    for (std::size_t i = 0; i < size; ++i) population.push_back(complete[std::get<2>(keys[i])]);
    return population;
  }

 private:
  /// A child in the transform's columns, and what was done to make it.
  struct Child {
    Eigen::VectorXd genes;
    bool crossed = false;
    int mutated = 0;
  };

  int startup_size() const {
    return std::max(1, options_.n_startup_trials.value_or(options_.population_size));
  }

  /// The history of `view`, brought up to date: the incremental one, or, for a filtered view
  /// (whose trials are not a growing prefix of the study's), `local` built from scratch.
  detail::GeneticHistory& history_for(const StudyView& view,
                                      std::optional<detail::GeneticHistory>& local) {
    detail::GeneticHistory& h = view.is_filtered() ? local.emplace(history_.capacity()) : history_;
    h.update(view);
    return h;
  }

  InternalParams breed(const StudyView& view, const FrozenTrial& trial, const SearchSpace& space,
                       detail::GeneticHistory& history) {
    if (!transform_ || space_ != space) {
      space_ = space;
      transform_.emplace(space, detail::CategoricalEncoding::Index);
      genes_.clear();
    }
    const detail::SearchSpaceTransform& tf = *transform_;
    // Constraints need constrained domination, also for one objective: NSGA-II's ranking.
    const bool nsga2 = view.is_multi_objective() || history.constrained();
    const Eigen::MatrixXd genes =
        encode_population(nsga2 ? multi_objective_population(view, history) : history.population());

    // With the Complete trials of `history`: the trials not to repeat (all at or above the
    // cursor, which only passes finished trials).
    std::vector<FrozenTrialPtr> running;
    if (options_.avoid_duplicates)
      for (auto& t :
           view.trials(TrialStates{TrialState::Running}, TrialRange{history.cursor(), INT_MAX}))
        if (t->number != trial.number) running.push_back(std::move(t));
    const auto number = static_cast<std::uint64_t>(trial.number);
    // Up to 16 children, then up to 64 random points, then a repeat is accepted.
    constexpr std::uint64_t kChildren = 16, kAttempts = kChildren + 64;
    std::optional<InternalParams> first;
    for (std::uint64_t attempt = 0; attempt < kAttempts; ++attempt) {
      auto rng = detail::Rng::stream(seed_, number, detail::mix(kSalt, attempt));
      Child child;
      if (attempt < kChildren) {
        child = make_child(genes, rng);
      } else {  // the parents keep making repeats: a random point instead
        child.genes.resize(tf.n_columns());
        for (const auto& p : tf.params())
          child.genes[p.first_column] = random_gene(p.distribution, rng);
      }
      InternalParams params = tf.decode(child.genes);
      if (!first) first = params;
      if (options_.avoid_duplicates &&
          (history.repeats(params, space) || repeats_a_trial(params, space, running))) {
        ++stats_.duplicates_avoided;
        continue;
      }
      count(child, trial.number);
      return params;
    }
    count(Child{}, trial.number);
    return *first;  // the space is (nearly) exhausted: accept a repeat
  }

  /// The genes of `population`, one row each: encoded once per member while it stays in the
  /// population (most members stay from one child to the next), the rest dropped.
  Eigen::MatrixXd encode_population(const std::vector<FrozenTrialPtr>& population) {
    const detail::SearchSpaceTransform& tf = *transform_;
    Eigen::MatrixXd out(static_cast<Eigen::Index>(population.size()), tf.n_columns());
    std::map<FrozenTrialPtr, Eigen::RowVectorXd> kept;
    for (std::size_t i = 0; i < population.size(); ++i) {
      const FrozenTrialPtr& t = population[i];
      auto it = genes_.find(t);
      Eigen::RowVectorXd row = it != genes_.end() ? it->second : tf.encode(*t).transpose();
      out.row(static_cast<Eigen::Index>(i)) = row;
      kept.emplace(t, std::move(row));
    }
    genes_ = std::move(kept);
    return out;
  }

  /// NSGA-II's population: on an unfiltered view, elitist (mu + lambda) selection, the last
  /// population and the trials completed since ranked together (detail::nsga2_population),
  /// only when some have completed; on a filtered view, all its Complete trials ranked.
  std::vector<FrozenTrialPtr> multi_objective_population(const StudyView& view,
                                                         const detail::GeneticHistory& history) {
    const auto size = static_cast<std::size_t>(options_.population_size);
    if (view.is_filtered())
      return detail::nsga2_population(view.trials(TrialStates{TrialState::Complete}),
                                      view.directions(), size);
    if (history.n_complete() == multi_complete_) return multi_population_;
    if (history.n_complete() < multi_complete_ || view.n_trials() <= multi_max_number_) {
      // Another study (or an older view): start over.
      multi_population_.clear();
      multi_seen_.clear();
      multi_cursor_ = 0;
      multi_max_number_ = -1;
    }
    std::vector<FrozenTrialPtr> candidates = multi_population_;
    for (auto& t :
         view.trials(TrialStates{TrialState::Complete}, TrialRange{multi_cursor_, INT_MAX})) {
      const auto i = static_cast<std::size_t>(t->number);
      if (multi_seen_.size() <= i) multi_seen_.resize(i + 1, 0);
      if (multi_seen_[i]) continue;
      multi_seen_[i] = 1;
      multi_max_number_ = std::max(multi_max_number_, t->number);
      candidates.push_back(std::move(t));
    }
    // Every trial below the history's cursor has finished, so those Complete were seen.
    multi_cursor_ = history.cursor();
    multi_complete_ = history.n_complete();
    multi_population_ = detail::nsga2_population(candidates, view.directions(), size);
    return multi_population_;
  }

  void count(const Child& child, int number) {
    ++stats_.offspring;
    stats_.crossovers += child.crossed ? 1 : 0;
    stats_.mutations += child.mutated;
    pending_.insert(number);
  }

  /// Selection, crossover and mutation: one child of the ranked population `genes`.
  Child make_child(const Eigen::MatrixXd& genes, detail::Rng& rng) const {
    const detail::SearchSpaceTransform& tf = *transform_;
    const auto n = static_cast<std::size_t>(genes.rows());
    const auto k = static_cast<std::size_t>(options_.tournament_size);
    // Positions are ranks: the lower wins. The second parent is drawn among the others.
    const std::size_t first =
        detail::tournament_select(n, k, rng, [](std::size_t a, std::size_t b) { return a < b; });
    std::size_t second = first;
    if (n > 1) {
      second = detail::tournament_select(n - 1, k, rng,
                                         [](std::size_t a, std::size_t b) { return a < b; });
      second += second >= first ? 1 : 0;
    }
    Child child{genes.row(static_cast<Eigen::Index>(first)).transpose(), false, 0};
    const Eigen::VectorXd other = genes.row(static_cast<Eigen::Index>(second)).transpose();

    if (rng.uniform() < options_.crossover_prob) {
      child.crossed = true;
      for (const auto& p : tf.params()) {
        const Eigen::Index j = p.first_column;
        const bool numeric = tf.column(j).kind == detail::ColumnKind::Numeric;
        if (numeric && rng.uniform() < 0.5) {
          const auto [c1, c2] =
              detail::sbx_crossover(child.genes[j], other[j], options_.crossover_eta, rng);
          child.genes[j] = rng.uniform() < 0.5 ? c1 : c2;
        } else {
          child.genes[j] =
              detail::uniform_crossover(child.genes[j], other[j], options_.swapping_prob, rng);
        }
      }
    }

    const double pm =
        options_.mutation_prob.value_or(1.0 / static_cast<double>(tf.params().size()));
    for (const auto& p : tf.params()) {
      if (!(rng.uniform() < pm)) continue;
      ++child.mutated;
      double& g = child.genes[p.first_column];
      if (const auto* c = std::get_if<CategoricalDistribution>(&p.distribution)) {
        // Another choice, uniformly.
        const std::uint64_t r = rng.below(c->size() - 1);
        g = static_cast<double>(r) + (static_cast<double>(r) >= g ? 1.0 : 0.0);
      } else {
        g = mutate_numeric(p.distribution, g, rng);
      }
    }
    return child;
  }

  /// Polynomial mutation of a numeric gene; on a grid, a move that rounds back to the same
  /// value goes one step in its direction instead (when that is inside the range).
  double mutate_numeric(const Distribution& d, double g, detail::Rng& rng) const {
    const double moved = detail::polynomial_mutation(g, options_.mutation_eta, rng);
    const detail::NumericRange r = detail::numeric_range(d);
    if (!(r.step > 0.0) || moved == g) return moved;
    const double v = detail::from_unit(d, g);
    if (detail::from_unit(d, moved) != v) return moved;
    const double next = std::clamp(v + (moved > g ? r.step : -r.step), r.low, r.high);
    return detail::to_unit(d, next);
  }

  /// A uniform gene for `d`: a unit value, or a categorical's index.
  static double random_gene(const Distribution& d, detail::Rng& rng) {
    if (const auto* c = std::get_if<CategoricalDistribution>(&d))
      return static_cast<double>(rng.below(c->size()));
    return rng.uniform();
  }

  /// Whether some trial of `others` has exactly `params` (same distributions); for the few
  /// Running trials (the Complete ones are in the history's index).
  static bool repeats_a_trial(const InternalParams& params, const SearchSpace& space,
                              const std::vector<FrozenTrialPtr>& others) {
    for (const auto& t : others) {
      bool same = true;
      for (const auto& [name, value] : params) {
        const TrialParam* p = t->find_param(name);
        if (!p || p->internal != value || !(p->distribution == space.at(name))) {
          same = false;
          break;
        }
      }
      if (same) return true;
    }
    return false;
  }

  /// Salt of the GA's streams, apart from the RandomSampler's (seed, trial, name hash).
  static constexpr std::uint64_t kSalt = 0x6A09E667F3BCC908ULL;

  std::uint64_t seed_;
  Options options_;
  QmcSampler startup_;
  RandomSampler random_;
  RelativeSearchSpace relative_space_;
  SearchSpace space_;
  std::optional<detail::SearchSpaceTransform> transform_;
  detail::GeneticHistory history_;  // the study's finished trials (under the sampler lock)
  std::set<int> pending_;           // children proposed and not finished yet
  std::map<FrozenTrialPtr, Eigen::RowVectorXd> genes_;  // the population's encoded genes
  std::vector<FrozenTrialPtr> multi_population_;        // several objectives: the ranked population
  int multi_complete_ = -1;                             // ... of this many Complete trials
  std::vector<char> multi_seen_;  // by trial number: a Complete trial already ranked
  int multi_cursor_ = 0;          // every trial below this number has been considered
  int multi_max_number_ = -1;     // the largest trial number ranked
  Stats stats_;
};

}  // namespace hpo
