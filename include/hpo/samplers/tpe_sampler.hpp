// SPDX-License-Identifier: MIT
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <functional>
#include <iterator>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "hpo/detail/parzen_estimator.hpp"
#include "hpo/detail/rng.hpp"
#include "hpo/detail/tpe_above_set.hpp"
#include "hpo/detail/tpe_below.hpp"
#include "hpo/detail/tpe_history.hpp"
#include "hpo/detail/tpe_multivariate.hpp"
#include "hpo/detail/tpe_sorted_mixture.hpp"
#include "hpo/errors.hpp"
#include "hpo/samplers/random_sampler.hpp"
#include "hpo/samplers/sampler.hpp"
#include "hpo/samplers/search_space.hpp"

namespace hpo {

/// Tree-structured Parzen Estimator (Bergstra et al. 2011), following Optuna's TPESampler
/// (v4.9) in its defaults and behaviour.
///
/// Until `n_startup_trials` trials are Complete or Pruned, parameters are drawn at random.
/// Then the finished trials are split into the best gamma(n) ("below": Complete trials by
/// value, filled up with Pruned ones ranked by the last step they reached and their value
/// there) and the rest ("above"), a Parzen estimator l(x) is fitted to the first and g(x) to
/// the second, and of `n_ei_candidates` draws from l the one maximizing log l(x) - log g(x) is
/// taken. Numeric kernels are normals truncated to the range (in log space for log ranges;
/// grid cells' masses for integers and steps), categorical kernels smoothed one-hot vectors; a
/// prior component is always included. By default each parameter is modelled on its own
/// (univariate); with `multivariate` the parameters of the intersection search space are
/// modelled jointly, and others fall back to the univariate model (counted in stats()). With
/// `constant_liar`, running trials join the "above" set, so parallel workers avoid each
/// other's regions.
///
/// Observations are kept sorted per parameter and the "above" density is evaluated over the
/// components near each candidate only (detail::SortedNumericMixture, exact to rounding). Each
/// parameter's mixture is kept between suggestions and updated for the new observation; its
/// dense part is summed by Taylor expansions over fixed bins whose moments outlive the
/// suggestion (detail::TpeGaussBins), with the candidates scored in rounds of tightening
/// bounds, so that the argmax is that of the exact scores. About 1 ms per suggestion at
/// 10,000 trials on 10 parameters (docs/samplers.md).
///
/// Several objectives (MOTPE, Ozaki et al. 2020/2022, as in Optuna): the below set is made of
/// the lowest non-domination ranks, the last rank that does not fit thinned by greedy
/// hypervolume subset selection, and its members weigh in l(x) by their hypervolume
/// contributions. Constraints (Trial::set_constraints, used as Optuna's constraints_func): once
/// a trial has constraints, infeasible trials enter the below set only after every feasible
/// one, by total violation. Both use detail::tpe_constrained_or_multi_objective_below, in
/// O(n log n) per suggestion for one objective or two, O(n F M) peeling fronts beyond.
/// See docs/samplers.md for the options, the cost and where this differs from Optuna.
class TPESampler final : public Sampler {
 public:
  /// Options; the defaults are Optuna's.
  struct Options {
    /// Finished (Complete or Pruned) trials sampled at random before TPE takes over.
    int n_startup_trials = 10;
    /// Candidates drawn from l(x) per suggestion.
    int n_ei_candidates = 24;
    /// Size of the "below" set for n finished trials; empty: Optuna's min(ceil(0.1 n), 25)
    /// (detail::tpe_default_gamma). Results are clipped to [0, n].
    std::function<int(int)> gamma;
    /// Weight of the prior component, > 0.
    double prior_weight = 1.0;
    /// Clip bandwidths below at range / min(100, n_kernels + 1).
    bool consider_magic_clip = true;
    /// Let the domain edges widen the outer bandwidths.
    bool consider_endpoints = false;
    /// Model the intersection search space jointly.
    bool multivariate = false;
    /// Count running trials (other than the current one) in the "above" set.
    bool constant_liar = false;
  };

  /// What the sampler did so far (for logs and tests).
  struct Stats {
    /// Trials whose parameters were drawn at random during the startup phase.
    int startup_trials = 0;
    /// Parameters sampled by the univariate model (in univariate mode).
    int univariate_samples = 0;
    /// Trials sampled jointly by the multivariate model.
    int multivariate_trials = 0;
    /// Multivariate mode: parameters outside the relative search space, sampled by the
    /// univariate model instead, and their names.
    int independent_fallbacks = 0;
    std::set<std::string> fallback_params;
  };

  explicit TPESampler(std::uint64_t seed) : TPESampler(seed, Options()) {}
  TPESampler(std::uint64_t seed, Options options)
      : seed_(seed), options_(std::move(options)), random_(seed) {
    if (options_.n_startup_trials < 0)
      throw InvalidArgument(fmt::format("hpo::TPESampler: n_startup_trials must be >= 0 (got {})",
                                        options_.n_startup_trials));
    if (options_.n_ei_candidates < 1)
      throw InvalidArgument(fmt::format("hpo::TPESampler: n_ei_candidates must be >= 1 (got {})",
                                        options_.n_ei_candidates));
    if (!(options_.prior_weight > 0.0) || !std::isfinite(options_.prior_weight))
      throw InvalidArgument(fmt::format(
          "hpo::TPESampler: prior_weight must be finite and > 0 (got {})", options_.prior_weight));
  }

  SearchSpace infer_relative_search_space(const StudyView& view, const FrozenTrial&) override {
    if (!options_.multivariate) return {};
    return relative_space_.calculate(view, true);
  }

  InternalParams sample_relative(const StudyView& view, const FrozenTrial& trial,
                                 const SearchSpace& space) override {
    if (space.empty()) return {};
    Model local;
    Model& model = model_for(view, local);
    if (model.history.n_finished() < options_.n_startup_trials) return {};
    ++stats_.multivariate_trials;
    return sample_multivariate(view, trial, space, model);
  }

  double sample_independent(const StudyView& view, const FrozenTrial& trial,
                            const std::string& name, const Distribution& distribution) override {
    if (hpo::single(distribution))
      return random_.sample_independent(view, trial, name, distribution);
    Model local;
    Model& model = model_for(view, local);
    if (model.history.n_finished() < options_.n_startup_trials) {
      if (trial.params.empty()) ++stats_.startup_trials;
      return random_.sample_independent(view, trial, name, distribution);
    }
    if (options_.multivariate) {
      ++stats_.independent_fallbacks;
      stats_.fallback_params.insert(name);
    } else {
      ++stats_.univariate_samples;
    }
    return sample_univariate(view, trial, name, distribution, model);
  }

  void reseed(std::uint64_t seed) override {
    seed_ = seed;
    random_.reseed(seed);
  }
  std::string name() const override { return "tpe"; }

  std::uint64_t seed() const { return seed_; }
  const Options& options() const { return options_; }
  const Stats& stats() const { return stats_; }

 private:
  /// A candidate of the univariate model: its coordinate, cell (a == b == x if continuous),
  /// log l, the evaluation of g there, and whether it may still be the best.
  struct Candidate {
    double x = 0.0, a = 0.0, b = 0.0, log_l = 0.0;
    detail::SortedNumericMixture::Evaluation g;
    bool alive = true;
  };

  /// Buffers reused between suggestions.
  struct Scratch {
    std::vector<std::pair<double, int>> above;
    std::vector<int> rank, count;
    std::vector<double> above_mu;
    detail::SortedNumericMixture g;
    std::vector<Candidate> candidates;
  };

  /// The incremental state of one study: its finished trials and, per parameter, its column
  /// and its "above" set (updated in place between suggestions).
  struct Model {
    detail::TpeHistory history;
    std::map<std::string, detail::TpeColumn> columns;
    std::map<std::string, detail::TpeAboveSet> above;
    /// Per parameter, the mixture g of its above set (kept, so that its bins outlive the
    /// suggestion; with running trials merged in, a scratch one is used instead).
    std::map<std::string, detail::SortedNumericMixture> mixtures;
    /// The below set of the last suggestion, and the state of `history` it belongs to.
    detail::TpeBelow below;
    bool below_valid = false;
    std::size_t below_log_size = 0;
    const FrozenTrial* below_last = nullptr;
    int below_n = -1;
    std::vector<Direction> below_directions;
  };

  /// Salt separating TPE's streams from the startup RandomSampler's.
  static constexpr std::uint64_t kSalt = 0x7470655F73616D70ULL;
  /// Stream key of the multivariate draws of a trial.
  static constexpr std::uint64_t kRelativeKey = 0x6D756C7469766172ULL;

  /// The model of `view`, brought up to date: the incremental one, or, for a filtered view
  /// (whose trials are not a growing prefix of the study's), `local` rebuilt from scratch.
  Model& model_for(const StudyView& view, Model& local) {
    Model& m = view.is_filtered() ? local : model_;
    m.history.update(view);
    return m;
  }

  /// The below set for the history of `m` (computed once per history state): Optuna's split,
  /// incremental for one objective without constraints, else
  /// detail::tpe_constrained_or_multi_objective_below (MOTPE's and c-TPE's).
  const detail::TpeBelow& below_set(const StudyView& view, Model& m) {
    const auto& log = m.history.log();
    const int n = n_below(m.history.n_finished());
    const FrozenTrial* last = log.empty() ? nullptr : log.back().get();
    if (m.below_valid && m.below_log_size == log.size() && m.below_last == last && m.below_n == n &&
        m.below_directions == view.directions())
      return m.below;
    const bool constrained = detail::any_constrained(log);
    if (!view.is_multi_objective() && !constrained)
      m.below = detail::TpeBelow{m.history.below(n), Eigen::ArrayXd()};
    else
      m.below =
          detail::tpe_constrained_or_multi_objective_below(log, n, view.directions(), constrained);
    m.below_valid = true;
    m.below_log_size = log.size();
    m.below_last = last;
    m.below_n = n;
    m.below_directions = view.directions();
    return m.below;
  }

  detail::TpeColumn& column(Model& m, const std::string& name, const Distribution& d) {
    auto it = m.columns.find(name);
    if (it == m.columns.end())
      it = m.columns.emplace(name, detail::TpeColumn(d)).first;
    else if (!(it->second.distribution() == d)) {
      it->second = detail::TpeColumn(d);
      m.above.erase(name);
      m.mixtures.erase(name);
    }
    it->second.update(m.history, name);
    return it->second;
  }

  int n_below(int n) const {
    const int g = options_.gamma ? options_.gamma(n) : detail::tpe_default_gamma(n);
    return std::clamp(g, 0, n);
  }

  detail::ParzenParameters parzen_parameters() const {
    return {options_.prior_weight, options_.consider_magic_clip, options_.consider_endpoints};
  }

  /// Running trials other than `trial`, when constant_liar is on.
  std::vector<FrozenTrialPtr> liars(const StudyView& view, const FrozenTrial& trial,
                                    const Model& m) const {
    std::vector<FrozenTrialPtr> out;
    if (!options_.constant_liar) return out;
    for (auto& t :
         view.trials(TrialStates{TrialState::Running}, TrialRange{m.history.cursor(), INT_MAX}))
      if (t->number != trial.number) out.push_back(std::move(t));
    return out;
  }

  double sample_univariate(const StudyView& view, const FrozenTrial& trial, const std::string& name,
                           const Distribution& dist, Model& m) {
    const detail::TpeColumn& col = column(m, name, dist);
    const detail::TpeBelow& below_members = below_set(view, m);
    const std::vector<int>& below = below_members.numbers;

    // Running trials with this parameter, by coordinate.
    std::vector<std::pair<double, int>> running;
    for (const auto& t : liars(view, trial, m))
      if (const TrialParam* p = t->find_param(name))
        if (const auto v = detail::tpe_observed_internal(*p, dist))
          running.emplace_back(detail::tpe_coordinate(dist, *v), t->number);
    std::sort(running.begin(), running.end());

    // Below: in trial-number order. Above: the rest (kept between suggestions) and the
    // running ones, by coordinate, with their ranks in trial-number order (they set the ramp
    // weights).
    std::vector<double> below_obs, below_weight;
    for (std::size_t i = 0; i < below.size(); ++i) {
      const double c = col.at(below[i]);
      if (std::isnan(c)) continue;
      below_obs.push_back(c);
      if (below_members.weights.size() > 0)
        below_weight.push_back(below_members.weights[static_cast<Eigen::Index>(i)]);
    }
    const Eigen::ArrayXd l_weights = Eigen::Map<const Eigen::ArrayXd>(
        below_weight.data(), static_cast<Eigen::Index>(below_weight.size()));
    detail::TpeAboveSet& kept = m.above[name];
    kept.update(m.history, col, below);
    const std::vector<std::pair<double, int>>* above_ptr = &kept.sorted();
    const std::vector<int>* rank_ptr = &kept.rank();
    const std::vector<double>* mu_ptr = &kept.mu();
    if (!running.empty()) {
      std::vector<std::pair<double, int>>& merged = scratch_.above;
      merged.clear();
      std::merge(above_ptr->begin(), above_ptr->end(), running.begin(), running.end(),
                 std::back_inserter(merged));
      detail::tpe_number_ranks(merged, scratch_.count, scratch_.rank);
      scratch_.above_mu.resize(merged.size());
      for (std::size_t i = 0; i < merged.size(); ++i) scratch_.above_mu[i] = merged[i].first;
      above_ptr = &merged, rank_ptr = &scratch_.rank, mu_ptr = &scratch_.above_mu;
    }
    const std::vector<std::pair<double, int>>& above = *above_ptr;
    const std::vector<int>& rank = *rank_ptr;

    auto rng =
        detail::Rng::stream(detail::mix(seed_, kSalt), static_cast<std::uint64_t>(trial.number),
                            detail::hash_name(name));
    const detail::ParzenParameters pp = parzen_parameters();
    const detail::TpeDimension dim = detail::TpeDimension::of(dist);
    if (dim.categorical) {
      std::vector<int> observed(below_obs.begin(), below_obs.end());
      const detail::CategoricalMixture l =
          detail::categorical_mixture(std::move(observed), dim.n_choices, pp, l_weights);
      const Eigen::ArrayXd log_l = l.probabilities().log();
      const Eigen::ArrayXd log_g = above_probabilities(above, rank, dim.n_choices, pp).log();
      double best_score = -INFINITY;
      int best = 0;
      for (int c = 0; c < options_.n_ei_candidates; ++c) {
        const int x = l.sample(detail::sample_index(l.weight, rng), rng);
        const double score = log_l[x] - log_g[x];
        if (score > best_score) best_score = score, best = x;
      }
      return static_cast<double>(best);
    }

    const detail::NumericMixture l = detail::univariate_numeric_mixture(below_obs, pp, l_weights);
    detail::SortedNumericMixture& g = running.empty() ? m.mixtures[name] : scratch_.g;
    g.assign(*mu_ptr, rank, dim.discrete, pp);

    // Candidates with log l and bounds of their score from the components of g near them,
    // refined in rounds (tolerances 1e-1, 1e-3, exact) for those whose upper bound still
    // reaches the best lower bound: the same argmax as scoring all of them exactly. For
    // continuous parameters the rounds (1e-1, 1e-5, 1e-9, exact) sum most blocks of g by
    // expansion (fast), with bounds within about 1e-11 of the density; survivors whose bounds
    // still overlap then, if any, are scored exactly (the exact rounds replayed, so their
    // scores are those of the exact evaluation to the last bit).
    std::vector<Candidate>& cands = scratch_.candidates;
    cands.resize(static_cast<std::size_t>(options_.n_ei_candidates));
    for (std::size_t c = 0; c < cands.size(); ++c) {
      Candidate& k = cands[c];
      const double u = l.sample(detail::sample_index(l.weight, rng), rng);
      if (dim.discrete) {
        k.x = dim.coordinate(dim.internal(u));
        std::tie(k.a, k.b) = dim.cell(dim.internal(u));
        k.log_l = l.log_mass(k.a, k.b);
      } else {
        k.x = k.a = k.b = u;
        k.log_l = l.log_pdf(u);
      }
      k.g.started = false;
      // A later candidate on the same point or cell scores the same and loses the tie.
      k.alive = std::none_of(cands.begin(), cands.begin() + static_cast<std::ptrdiff_t>(c),
                             [&](const Candidate& o) { return o.a == k.a && o.b == k.b; });
    }
    auto survivors = [&] {
      return std::count_if(cands.begin(), cands.end(), [](const Candidate& k) { return k.alive; });
    };
    const std::vector<double> exact_rounds{1e-1, 1e-3, g.exact_tolerance()};
    const std::vector<double> fast_rounds{1e-1, 1e-5, 1e-9, g.exact_tolerance()};
    auto prune = [&](bool fast) {
      for (const double tol : fast ? fast_rounds : exact_rounds) {
        // A single survivor is the argmax: no need for its exact score.
        if (survivors() == 1) return;
        double best_lower = -INFINITY;
        for (Candidate& k : cands) {
          if (!k.alive) continue;
          g.refine(k.g, k.a, k.b, tol, fast);
          best_lower = std::max(best_lower, k.log_l - k.g.log_upper());
        }
        for (Candidate& k : cands) k.alive = k.alive && k.log_l - k.g.log_lower() >= best_lower;
      }
    };
    prune(!dim.discrete);
    if (!dim.discrete && survivors() > 1) {
      for (Candidate& k : cands) k.g.started = false;
      prune(false);
    }
    double best_score = -INFINITY, best = cands.front().x;
    for (const Candidate& k : cands) {
      if (!k.alive) continue;
      const double score = k.log_l - k.g.log_lower();
      if (score > best_score) best_score = score, best = k.x;
    }
    return dim.internal(best);
  }

  /// The probabilities of every choice under the categorical mixture of the "above" set
  /// (observations `above` with trial-number ranks `rank`), in O(m + C).
  static Eigen::ArrayXd above_probabilities(const std::vector<std::pair<double, int>>& above,
                                            const std::vector<int>& rank, int n_choices,
                                            const detail::ParzenParameters& pp) {
    const auto m = static_cast<int>(above.size());
    Eigen::ArrayXd hits = Eigen::ArrayXd::Zero(n_choices);
    double observed_weight = 0.0;
    for (std::size_t i = 0; i < above.size(); ++i) {
      const double w = detail::tpe_ramp_weight(rank[i], m);
      hits[static_cast<Eigen::Index>(above[i].first)] += w;
      observed_weight += w;
    }
    const double total = observed_weight + pp.prior_weight;
    const double q = pp.prior_weight / (m + 1);
    return (q * observed_weight + hits) / (1.0 + n_choices * q) / total +
           pp.prior_weight / total / n_choices;
  }

  InternalParams sample_multivariate(const StudyView& view, const FrozenTrial& trial,
                                     const SearchSpace& space, Model& m) {
    std::vector<const detail::TpeColumn*> cols;
    std::vector<detail::TpeDimension> dims;
    for (const auto& [name, dist] : space) {
      cols.push_back(&column(m, name, dist));
      dims.push_back(detail::TpeDimension::of(dist));
    }
    const auto d = static_cast<Eigen::Index>(space.size());
    const detail::TpeBelow& below_members = below_set(view, m);
    const std::vector<int>& below = below_members.numbers;

    // Rows of trials holding every parameter of the space, in trial-number order.
    auto row_of = [&](int number, Eigen::VectorXd& row) {
      for (Eigen::Index j = 0; j < d; ++j) {
        row[j] = cols[static_cast<std::size_t>(j)]->at(number);
        if (std::isnan(row[j])) return false;
      }
      return true;
    };
    Eigen::VectorXd row(d);
    std::vector<Eigen::VectorXd> below_rows, above_rows;
    std::vector<double> below_weight;
    for (std::size_t i = 0; i < below.size(); ++i) {
      if (!row_of(below[i], row)) continue;
      below_rows.push_back(row);
      if (below_members.weights.size() > 0)
        below_weight.push_back(below_members.weights[static_cast<Eigen::Index>(i)]);
    }
    const std::vector<FrozenTrialPtr> running = liars(view, trial, m);
    auto r = running.begin();
    for (int number = 0; number <= m.history.max_number(); ++number) {
      for (; r != running.end() && (*r)->number < number; ++r) running_row(**r, space, above_rows);
      if (std::binary_search(below.begin(), below.end(), number)) continue;
      if (row_of(number, row)) above_rows.push_back(row);
    }
    for (; r != running.end(); ++r) running_row(**r, space, above_rows);

    const detail::ParzenParameters pp = parzen_parameters();
    const detail::MultivariateParzenEstimator l(
        dims, stack(below_rows, d), pp,
        Eigen::Map<const Eigen::ArrayXd>(below_weight.data(),
                                         static_cast<Eigen::Index>(below_weight.size())));
    const detail::MultivariateParzenEstimator g(dims, stack(above_rows, d), pp);
    auto rng = detail::Rng::stream(detail::mix(seed_, kSalt),
                                   static_cast<std::uint64_t>(trial.number), kRelativeKey);
    Eigen::MatrixXd x(options_.n_ei_candidates, d);
    for (Eigen::Index c = 0; c < x.rows(); ++c) x.row(c) = l.sample(rng).transpose();
    const Eigen::VectorXd score = l.log_pdf(x) - g.log_pdf(x);
    Eigen::Index best = 0;
    for (Eigen::Index c = 1; c < score.size(); ++c)
      if (score[c] > score[best]) best = c;
    InternalParams out;
    Eigen::Index j = 0;
    for (const auto& entry : space) out.emplace(entry.first, x(best, j++));
    return out;
  }

  /// Appends the row of running trial `t` if it holds every parameter of `space`.
  static void running_row(const FrozenTrial& t, const SearchSpace& space,
                          std::vector<Eigen::VectorXd>& rows) {
    Eigen::VectorXd row(static_cast<Eigen::Index>(space.size()));
    Eigen::Index j = 0;
    for (const auto& [name, dist] : space) {
      const TrialParam* p = t.find_param(name);
      const std::optional<double> v = p ? detail::tpe_observed_internal(*p, dist) : std::nullopt;
      if (!v) return;
      row[j++] = detail::tpe_coordinate(dist, *v);
    }
    rows.push_back(std::move(row));
  }

  static Eigen::MatrixXd stack(const std::vector<Eigen::VectorXd>& rows, Eigen::Index d) {
    Eigen::MatrixXd out(static_cast<Eigen::Index>(rows.size()), d);
    for (std::size_t i = 0; i < rows.size(); ++i)
      out.row(static_cast<Eigen::Index>(i)) = rows[i].transpose();
    return out;
  }

  std::uint64_t seed_;
  Options options_;
  RandomSampler random_;
  RelativeSearchSpace relative_space_;
  Model model_;
  Scratch scratch_;
  Stats stats_;
};

}  // namespace hpo
