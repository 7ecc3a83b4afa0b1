// SPDX-License-Identifier: MIT
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "hpo/detail/acquisition_search.hpp"
#include "hpo/detail/gp.hpp"
#include "hpo/detail/gp_fit.hpp"
#include "hpo/detail/rng.hpp"
#include "hpo/detail/transform.hpp"
#include "hpo/samplers/qmc_sampler.hpp"
#include "hpo/samplers/random_sampler.hpp"
#include "hpo/samplers/sampler.hpp"
#include "hpo/samplers/search_space.hpp"

namespace hpo {

/// Gaussian-process Bayesian optimization, following Optuna's GPSampler (v4.9).
///
/// After `n_startup_trials` quasi-random (scrambled Sobol) trials, each trial fits a GP with a
/// Matern 5/2 ARD kernel to the Complete trials on the unit-cube transform of the search space
/// (log ranges in log space, grids padded by half a step, categoricals by a Hamming term),
/// with standardized outputs, MAP hyperparameters (Optuna's priors, L-BFGS warm-started from
/// the previous fit) and noise learned above a floor of 1e-6 (or fixed there for a
/// deterministic objective). It then maximizes the acquisition (log-EI by default) by a Sobol
/// sweep and multi-start L-BFGS, searching integer, stepped and categorical parameters on their
/// grids. Running trials enter the model as fantasies (constant liar "best" for the EI family,
/// kriging believer for UCB), so parallel workers do not propose the same point, and a
/// proposal never repeats a finished or running trial's parameters unless the space holds no
/// other point.
///
/// Constraints (Trial::set_constraints, each satisfied when <= 0): once a Complete trial has
/// constraint values, the sampler also fits one GP per constraint index (same kernel, priors,
/// noise setting, refit policy and warm starts as the objective's GP) to that constraint's
/// standardized values over the Complete trials that have it, and maximizes log-EI +
/// sum_j log P(c_j(x) <= 0), as Optuna's GPSampler with constraints_func does (Gardner et al.
/// 2014; Gelbart et al. 2014). The objective's GP keeps every Complete trial; the EI incumbent
/// is the best feasible one (trials without constraint values count as infeasible). While no
/// Complete trial is feasible, the acquisition is the log probability of feasibility alone.
/// PI adds the same term to log PI; EI is multiplied by the probability of feasibility; UCB
/// has no constrained form and throws InvalidArgument once a trial has constraints. Running
/// trials enter the constraint GPs as kriging-believer fantasies.
///
/// Parameters outside the intersection search space (conditional ones, changed ranges) are
/// drawn by a RandomSampler; stats() counts them. Single objective only; pruned and failed
/// trials are not modelled. See docs/samplers.md for options, cost and where this differs
/// from Optuna.
class GPSampler final : public Sampler {
 public:
  /// The acquisition function.
  enum class Acquisition {
    /// log expected improvement (Ament et al. 2023), stable far below the incumbent.
    LogEI,
    /// expected improvement, maximized as is.
    EI,
    /// probability of improvement, maximized as log PI.
    PI,
    /// upper confidence bound mean + sqrt(beta) sigma; not with constraints.
    UCB
  };

  /// Options; the defaults are Optuna's where it has the same setting.
  struct Options {
    /// Complete trials drawn quasi-randomly before the GP takes over.
    int n_startup_trials = 10;
    Acquisition acquisition = Acquisition::LogEI;
    /// UCB: constant beta, used unless ucb_schedule is set.
    double ucb_beta = 2.0;
    /// UCB: beta_t from Srinivas et al. (2010, Theorem 1) with |D| = n_candidates and
    /// delta = 0.1, divided by 5 as in the paper's own experiments; t = number of observations.
    bool ucb_schedule = false;
    /// Keep the noise variance at its floor (for objectives without noise).
    bool deterministic_objective = false;
    /// Fantasize running trials (needs n_jobs > 1 to matter).
    bool use_running_trials = true;
    /// Preliminary Sobol sweep size and number of local searches of the acquisition search.
    int n_candidates = 1024;
    int n_local_search = 10;
    /// Hyperparameters are refitted at every trial up to this many observations; above it,
    /// only when the number of observations has grown by refit_growth (a fraction) since the
    /// last fit. In between, new observations extend the Cholesky factor (O(n^2) each).
    int refit_every_trial_until = 100;
    double refit_growth = 0.05;
  };

  /// What the sampler did so far (for logs and tests).
  struct Stats {
    /// Trials sampled from the GP model.
    int model_trials = 0;
    /// Trials drawn quasi-randomly while there were fewer than n_startup_trials Complete ones.
    int startup_trials = 0;
    /// Parameters drawn at random because they were outside the modelled search space, and
    /// their names.
    int independent_fallbacks = 0;
    std::set<std::string> fallback_params;
    /// Hyperparameter fits, and those where both L-BFGS runs failed (defaults used).
    int fits = 0;
    int failed_fits = 0;
    /// Proposals that had to skip the best point because it repeated a trial.
    int duplicates_avoided = 0;
    /// The last fitted hyperparameters, in terms of the encoded parameters (sorted by name).
    Eigen::VectorXd inverse_squared_lengthscales;
    double signal_variance = 0.0;
    double noise_variance = 0.0;
    /// Model trials sampled with the constrained acquisition (some Complete trial had
    /// constraint values), and those among them that used the probability of feasibility
    /// alone because no Complete trial was feasible yet.
    int constrained_trials = 0;
    int feasibility_only_trials = 0;
    /// Constraint GPs of the last constrained model trial (one per constraint index), their
    /// hyperparameter fits so far, and the fits where both L-BFGS runs failed.
    int constraint_gps = 0;
    int constraint_fits = 0;
    int failed_constraint_fits = 0;
  };

  explicit GPSampler(std::uint64_t seed) : GPSampler(seed, Options()) {}
  GPSampler(std::uint64_t seed, Options options)
      : seed_(seed), options_(options), startup_(seed), random_(seed) {
    if (options_.n_startup_trials < 0 || options_.n_candidates < 1 || options_.n_local_search < 0 ||
        !(options_.ucb_beta >= 0.0) || !(options_.refit_growth >= 0.0))
      throw InvalidArgument(
          "hpo::GPSampler: n_startup_trials, n_local_search, ucb_beta and refit_growth must be "
          ">= 0 and n_candidates >= 1");
  }

  SearchSpace infer_relative_search_space(const StudyView& view, const FrozenTrial&) override {
    if (view.is_multi_objective())
      throw InvalidArgument("hpo::GPSampler: multi-objective studies are not supported yet");
    if (options_.acquisition == Acquisition::UCB &&
        detail::any_constrained(view.trials(TrialStates{TrialState::Complete})))
      check_constraints_supported();
    return relative_space_.calculate(view);
  }

  InternalParams sample_relative(const StudyView& view, const FrozenTrial& trial,
                                 const SearchSpace& space) override {
    if (space.empty()) return {};
    const std::vector<FrozenTrialPtr> complete = view.trials(TrialStates{TrialState::Complete});
    if (static_cast<int>(complete.size()) < options_.n_startup_trials) return {};
    return suggest(view, trial, space, complete);
  }

  double sample_independent(const StudyView& view, const FrozenTrial& trial,
                            const std::string& name, const Distribution& distribution) override {
    if (hpo::single(distribution))
      return random_.sample_independent(view, trial, name, distribution);
    if (static_cast<int>(view.trials(TrialStates{TrialState::Complete}).size()) <
        options_.n_startup_trials) {
      if (trial.params.empty()) ++stats_.startup_trials;
      return startup_.sample_independent(view, trial, name, distribution);
    }
    ++stats_.independent_fallbacks;
    stats_.fallback_params.insert(name);
    return random_.sample_independent(view, trial, name, distribution);
  }

  void reseed(std::uint64_t seed) override {
    seed_ = seed;
    startup_.reseed(seed);
    random_.reseed(seed);
  }
  std::string name() const override { return "gp"; }

  std::uint64_t seed() const { return seed_; }
  const Options& options() const { return options_; }
  const Stats& stats() const { return stats_; }

 private:
  /// One GP of the model (the objective's or a constraint's): rows in the order trials were
  /// added, and the state of its hyperparameter fits.
  struct Track {
    std::vector<int> numbers;  // trial number of each row
    Eigen::MatrixXd x;
    detail::GpHyperparameters hyper;
    detail::GpPosterior posterior;   // on x with the hyperparameters, targets refreshed per call
    int fitted_n = 0;                // rows at the last fit (0: never)
    detail::LbfgsMemory fit_memory;  // curvature of the last fit, for the next one
  };

  /// The model of the current search space.
  struct Model {
    SearchSpace space;
    std::optional<detail::SearchSpaceTransform> transform;
    detail::GpLayout layout;
    Track objective;
    std::vector<Track> constraints;  // constraint j: the Complete trials with a value for it
  };

  /// What update() did to a track.
  struct TrackUpdate {
    Eigen::VectorXd y;  // standardized targets, in row order
    double mean = 0.0;  // the standardization: y = (raw - mean) / sd
    double sd = 1.0;
    bool fitted = false;  // the hyperparameters were refitted...
    bool failed = false;  // ...and both L-BFGS runs failed (defaults used)
  };

  /// Brings `g` up to date with `rows` (the Complete trials it models) and their targets
  /// `target(trial)`: appends the new rows, standardizes the targets, and refits the
  /// hyperparameters (warm-started) when the refit policy says so, otherwise extends the
  /// Cholesky factor by the new rows.
  template <class Target>
  TrackUpdate update(Track& g, const std::vector<FrozenTrialPtr>& rows, Target target) {
    const detail::SearchSpaceTransform& tf = *model_.transform;
    TrackUpdate u;

    // Rows: keep the modelled trials if they are all still there, and append new ones.
    std::set<int> row_numbers;
    for (const auto& t : rows) row_numbers.insert(t->number);
    bool keep = g.x.cols() == tf.n_columns();
    for (int n : g.numbers) keep = keep && row_numbers.count(n) > 0;
    if (!keep) {
      g.numbers.clear();
      g.x.resize(0, tf.n_columns());
      g.fitted_n = 0;
    }
    const std::set<int> known(g.numbers.begin(), g.numbers.end());
    std::vector<FrozenTrialPtr> added;
    for (const auto& t : rows)
      if (!known.count(t->number)) added.push_back(t);
    const Eigen::MatrixXd x_new = tf.encode(added);
    Eigen::MatrixXd x_all(g.x.rows() + x_new.rows(), tf.n_columns());
    x_all.topRows(g.x.rows()) = g.x;
    x_all.bottomRows(x_new.rows()) = x_new;
    g.x = std::move(x_all);
    for (const auto& t : added) g.numbers.push_back(t->number);

    // Targets: non-finite values clipped to the finite range, standardized.
    std::vector<double> raw;
    {
      std::map<int, double> by_number;
      for (const auto& t : rows) by_number[t->number] = target(*t);
      for (int n : g.numbers) raw.push_back(by_number[n]);
    }
    u.y = standardize(raw, &u.mean, &u.sd);
    const auto n = static_cast<int>(g.numbers.size());

    // Fit when due; otherwise extend the factor by the new rows.
    const bool due = g.fitted_n == 0 || n <= options_.refit_every_trial_until ||
                     n >= static_cast<int>(std::ceil(g.fitted_n * (1.0 + options_.refit_growth)));
    if (due) {
      detail::GpFitOptions fo;
      fo.fixed_noise = options_.deterministic_objective;
      const detail::GpFitResult fit =
          detail::fit_gp(g.x, u.y, model_.layout, g.hyper, fo, &g.fit_memory);
      u.fitted = true;
      u.failed = fit.status == detail::GpFitStatus::Defaults;
      g.hyper = fit.hyperparameters;
      g.posterior = detail::GpPosterior(g.x, u.y, model_.layout, g.hyper);
      g.fitted_n = n;
    } else {
      g.posterior.append(x_new, u.y.tail(x_new.rows()));
      g.posterior.set_targets(u.y);
    }
    return u;
  }

  InternalParams suggest(const StudyView& view, const FrozenTrial& trial, const SearchSpace& space,
                         const std::vector<FrozenTrialPtr>& complete) {
    Model& m = model_;
    if (!m.transform || m.space != space) {
      m = Model{};
      m.space = space;
      m.transform.emplace(space, detail::CategoricalEncoding::OneHot);
      m.layout = detail::GpLayout::of(*m.transform);
      m.objective.x.resize(0, m.transform->n_columns());
    }
    const detail::SearchSpaceTransform& tf = *m.transform;
    const bool constrained = detail::any_constrained(complete);
    if (constrained) check_constraints_supported();

    // The objective's GP, on every Complete trial (feasible or not), maximized.
    const bool minimize = view.direction() == Direction::Minimize;
    const TrackUpdate objective = update(m.objective, complete, [minimize](const FrozenTrial& t) {
      return minimize ? -t.values[0] : t.values[0];
    });
    const Eigen::VectorXd& y = objective.y;
    const auto n = static_cast<int>(m.objective.numbers.size());
    if (objective.fitted) ++stats_.fits;
    if (objective.failed) ++stats_.failed_fits;
    stats_.inverse_squared_lengthscales = m.objective.hyper.inverse_squared_lengthscales;
    stats_.signal_variance = m.objective.hyper.signal_variance;
    stats_.noise_variance = m.objective.hyper.noise_variance;

    // One GP per constraint index, on the Complete trials that have a value for it, with the
    // objective's kernel, priors and refit policy. P(c_j <= 0) is read at the standardized 0.
    std::vector<double> thresholds;
    if (constrained) {
      std::size_t n_constraints = 0;
      for (const auto& t : complete) n_constraints = std::max(n_constraints, t->constraints.size());
      m.constraints.resize(n_constraints);
      for (std::size_t j = 0; j < n_constraints; ++j) {
        std::vector<FrozenTrialPtr> rows;
        for (const auto& t : complete)
          if (t->constraints.size() > j) rows.push_back(t);
        const TrackUpdate c =
            update(m.constraints[j], rows, [j](const FrozenTrial& t) { return t.constraints[j]; });
        if (c.fitted) ++stats_.constraint_fits;
        if (c.failed) ++stats_.failed_constraint_fits;
        thresholds.push_back(-c.mean / c.sd);
      }
      stats_.constraint_gps = static_cast<int>(n_constraints);
    }

    // The incumbent (the best feasible trial when constrained), which is also a warm start of
    // the search. With no feasible trial, the acquisition is the feasibility term alone and the
    // warm start is the trial with the least total violation.
    detail::Acquisition acq;
    Eigen::Index best_row = 0;
    if (!constrained) {
      acq.best = y.maxCoeff();
      y.maxCoeff(&best_row);
    } else {
      std::map<int, const FrozenTrial*> by_number;
      for (const auto& t : complete) by_number[t->number] = t.get();
      Eigen::Index least_violation_row = -1;
      double least_violation = INFINITY;
      best_row = -1;
      for (Eigen::Index i = 0; i < y.size(); ++i) {
        const FrozenTrial& t = *by_number.at(m.objective.numbers[static_cast<std::size_t>(i)]);
        if (t.feasible() && (best_row < 0 || y[i] > y[best_row])) best_row = i;
        if (t.constraints.empty()) continue;
        double violation = 0.0;
        for (double c : t.constraints) violation += std::max(c, 0.0);
        if (violation < least_violation) least_violation = violation, least_violation_row = i;
      }
      acq.use_objective = best_row >= 0;
      if (acq.use_objective)
        acq.best = y[best_row];
      else
        best_row = least_violation_row;
      ++stats_.constrained_trials;
      if (!acq.use_objective) ++stats_.feasibility_only_trials;
    }
    acq.kind = acquisition_kind(options_.acquisition);
    acq.beta = options_.ucb_schedule
                   ? detail::gp_ucb_beta(n, static_cast<double>(options_.n_candidates), 0.1) / 5.0
                   : options_.ucb_beta;

    // Running trials as fantasies: the objective's as before (unless the objective term is
    // off); the constraints' by the kriging believer (lie = posterior mean), as Optuna 4.8+
    // does for its feasibility terms. A constraint has no "best" value to lie with, and the
    // believer leaves the mean alone while shrinking the variance at running points, so the
    // feasibility term stops rewarding the uncertainty that a running trial will resolve.
    detail::GpPosterior gp = m.objective.posterior;
    std::vector<detail::GpPosterior> constraint_gps;
    if (constrained)
      for (const Track& c : m.constraints) constraint_gps.push_back(c.posterior);
    std::vector<FrozenTrialPtr> running;
    if (options_.use_running_trials)
      for (const auto& t : view.trials(TrialStates{TrialState::Running}))
        if (t->number != trial.number && has_space(*t, space)) running.push_back(t);
    if (!running.empty()) {
      const Eigen::MatrixXd xr = tf.encode(running);
      if (acq.use_objective) {
        Eigen::VectorXd lie;
        if (acq.kind == detail::AcquisitionKind::UCB) {
          Eigen::VectorXd var;
          gp.predict(xr, lie, var);
        } else {
          lie = Eigen::VectorXd::Constant(xr.rows(), acq.best);
        }
        gp.append(xr, lie);
      }
      for (detail::GpPosterior& c : constraint_gps) {
        Eigen::VectorXd lie, var;
        c.predict(xr, lie, var);
        c.append(xr, lie);
      }
    }
    for (std::size_t j = 0; j < constraint_gps.size(); ++j)
      acq.constraints.push_back({&constraint_gps[j], thresholds[j]});

    // Search, warm-started at the incumbent; take the best proposal that repeats no trial.
    detail::AcquisitionSearchOptions so;
    so.n_candidates = options_.n_candidates;
    so.n_local_search = options_.n_local_search;
    const detail::AcquisitionSearch search(tf, so);
    const std::uint64_t stream = detail::mix(seed_, static_cast<std::uint64_t>(trial.number));
    std::vector<Eigen::VectorXd> warm_starts;
    if (best_row >= 0) warm_starts.push_back(m.objective.x.row(best_row).transpose());
    const std::vector<detail::ScoredPoint> proposals = search.run(gp, acq, warm_starts, stream);

    std::set<InternalParams> taken;
    for (const auto& t : complete) taken.insert(internal_params(*t, space));
    for (const auto& t : running) taken.insert(internal_params(*t, space));
    ++stats_.model_trials;
    for (std::size_t k = 0; k < proposals.size(); ++k) {
      InternalParams p = tf.decode(proposals[k].x);
      if (!taken.count(p)) {
        if (k > 0) ++stats_.duplicates_avoided;
        return p;
      }
    }
    // Every proposal repeats a trial: random points, unless the space is exhausted.
    ++stats_.duplicates_avoided;
    for (std::uint64_t attempt = 0; attempt < 64; ++attempt) {
      auto rng = detail::Rng::stream(seed_, static_cast<std::uint64_t>(trial.number), attempt + 1);
      Eigen::RowVectorXd u(static_cast<Eigen::Index>(space.size()));
      for (Eigen::Index i = 0; i < u.size(); ++i) u[i] = rng.uniform();
      InternalParams p = tf.decode(search.encode_unit(u));
      if (!taken.count(p)) return p;
    }
    return tf.decode(proposals.front().x);
  }

  /// Throws for an acquisition that has no constrained form (UCB: mean + sqrt(beta) sigma can
  /// be negative, so it cannot be weighted by a probability, and adding a log probability to it
  /// would mix scales).
  void check_constraints_supported() const {
    if (options_.acquisition == Acquisition::UCB)
      throw InvalidArgument(
          "hpo::GPSampler: the UCB acquisition does not support constraints "
          "(Trial::set_constraints); use LogEI, EI or PI");
  }

  static detail::AcquisitionKind acquisition_kind(Acquisition a) {
    switch (a) {
      case Acquisition::EI:
        return detail::AcquisitionKind::EI;
      case Acquisition::PI:
        return detail::AcquisitionKind::PI;
      case Acquisition::UCB:
        return detail::AcquisitionKind::UCB;
      case Acquisition::LogEI:
        break;
    }
    return detail::AcquisitionKind::LogEI;
  }

  /// Clips non-finite values to the finite range (NaN to its low end) and standardizes them to
  /// mean 0 and (population) standard deviation 1 (the deviation floored at 1e-10); `mean_out`
  /// and `sd_out` receive the mean and the floored deviation.
  static Eigen::VectorXd standardize(const std::vector<double>& raw, double* mean_out,
                                     double* sd_out) {
    Eigen::VectorXd y =
        Eigen::Map<const Eigen::VectorXd>(raw.data(), static_cast<Eigen::Index>(raw.size()));
    double lo = INFINITY, hi = -INFINITY;
    for (double v : raw)
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
    if (!std::isfinite(lo)) lo = hi = 0.0;
    y = y.unaryExpr([&](double v) { return std::isnan(v) ? lo : std::clamp(v, lo, hi); });
    const double mean = y.mean();
    const double sd = std::max(std::sqrt((y.array() - mean).square().mean()), 1e-10);
    *mean_out = mean;
    *sd_out = sd;
    return (y.array() - mean) / sd;
  }

  static bool has_space(const FrozenTrial& t, const SearchSpace& space) {
    for (const auto& [name, dist] : space) {
      const TrialParam* p = t.find_param(name);
      if (!p || !(p->distribution == dist)) return false;
    }
    return true;
  }

  static InternalParams internal_params(const FrozenTrial& t, const SearchSpace& space) {
    InternalParams out;
    for (const auto& [name, dist] : space) {
      const TrialParam* p = t.find_param(name);
      if (p)
        out.emplace(name,
                    p->distribution == dist ? p->internal : hpo::to_internal(dist, p->value()));
    }
    return out;
  }

  std::uint64_t seed_;
  Options options_;
  QmcSampler startup_;
  RandomSampler random_;
  RelativeSearchSpace relative_space_;
  Model model_;
  Stats stats_;
};

}  // namespace hpo
