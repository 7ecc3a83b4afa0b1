// SPDX-License-Identifier: MIT
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
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
    /// upper confidence bound mean + sqrt(beta) sigma.
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
  /// The model of the current search space: rows in the order trials were added.
  struct Model {
    SearchSpace space;
    std::optional<detail::SearchSpaceTransform> transform;
    detail::GpLayout layout;
    std::vector<int> numbers;  // trial number of each row
    Eigen::MatrixXd x;
    detail::GpHyperparameters hyper;
    detail::GpPosterior posterior;   // on x with the hyperparameters, targets refreshed per call
    int fitted_n = 0;                // rows at the last fit (0: never)
    detail::LbfgsMemory fit_memory;  // curvature of the last fit, for the next one
  };

  InternalParams suggest(const StudyView& view, const FrozenTrial& trial, const SearchSpace& space,
                         const std::vector<FrozenTrialPtr>& complete) {
    Model& m = model_;
    if (!m.transform || m.space != space) {
      m = Model{};
      m.space = space;
      m.transform.emplace(space, detail::CategoricalEncoding::OneHot);
      m.layout = detail::GpLayout::of(*m.transform);
      m.x.resize(0, m.transform->n_columns());
    }
    const detail::SearchSpaceTransform& tf = *m.transform;

    // Rows: keep the modelled trials if they are all still Complete, and append new ones.
    std::set<int> complete_numbers;
    for (const auto& t : complete) complete_numbers.insert(t->number);
    bool keep = true;
    for (int n : m.numbers) keep = keep && complete_numbers.count(n) > 0;
    if (!keep) {
      m.numbers.clear();
      m.x.resize(0, tf.n_columns());
      m.fitted_n = 0;
    }
    const std::set<int> known(m.numbers.begin(), m.numbers.end());
    std::vector<FrozenTrialPtr> added;
    for (const auto& t : complete)
      if (!known.count(t->number)) added.push_back(t);
    const Eigen::MatrixXd x_new = tf.encode(added);
    Eigen::MatrixXd x_all(m.x.rows() + x_new.rows(), tf.n_columns());
    x_all.topRows(m.x.rows()) = m.x;
    x_all.bottomRows(x_new.rows()) = x_new;
    m.x = std::move(x_all);
    for (const auto& t : added) m.numbers.push_back(t->number);

    // Targets: maximized, non-finite values clipped to the finite range, standardized.
    std::vector<double> raw;
    {
      std::map<int, double> by_number;
      const bool minimize = view.direction() == Direction::Minimize;
      for (const auto& t : complete) by_number[t->number] = minimize ? -t->values[0] : t->values[0];
      for (int n : m.numbers) raw.push_back(by_number[n]);
    }
    const Eigen::VectorXd y = standardize(raw);
    const auto n = static_cast<int>(m.numbers.size());

    // Fit when due; otherwise extend the factor by the new rows.
    const bool due = m.fitted_n == 0 || n <= options_.refit_every_trial_until ||
                     n >= static_cast<int>(std::ceil(m.fitted_n * (1.0 + options_.refit_growth)));
    if (due) {
      detail::GpFitOptions fo;
      fo.fixed_noise = options_.deterministic_objective;
      const detail::GpFitResult fit = detail::fit_gp(m.x, y, m.layout, m.hyper, fo, &m.fit_memory);
      ++stats_.fits;
      if (fit.status == detail::GpFitStatus::Defaults) ++stats_.failed_fits;
      m.hyper = fit.hyperparameters;
      m.posterior = detail::GpPosterior(m.x, y, m.layout, m.hyper);
      m.fitted_n = n;
    } else {
      m.posterior.append(x_new, y.tail(x_new.rows()));
      m.posterior.set_targets(y);
    }
    stats_.inverse_squared_lengthscales = m.hyper.inverse_squared_lengthscales;
    stats_.signal_variance = m.hyper.signal_variance;
    stats_.noise_variance = m.hyper.noise_variance;

    // The acquisition, with running trials as fantasies.
    detail::Acquisition acq;
    acq.best = y.maxCoeff();
    acq.kind = acquisition_kind(options_.acquisition);
    acq.beta = options_.ucb_schedule
                   ? detail::gp_ucb_beta(n, static_cast<double>(options_.n_candidates), 0.1) / 5.0
                   : options_.ucb_beta;
    detail::GpPosterior gp = m.posterior;
    std::vector<FrozenTrialPtr> running;
    if (options_.use_running_trials)
      for (const auto& t : view.trials(TrialStates{TrialState::Running}))
        if (t->number != trial.number && has_space(*t, space)) running.push_back(t);
    if (!running.empty()) {
      const Eigen::MatrixXd xr = tf.encode(running);
      Eigen::VectorXd lie;
      if (acq.kind == detail::AcquisitionKind::UCB) {
        Eigen::VectorXd var;
        gp.predict(xr, lie, var);
      } else {
        lie = Eigen::VectorXd::Constant(xr.rows(), acq.best);
      }
      gp.append(xr, lie);
    }

    // Search, warm-started at the incumbent; take the best proposal that repeats no trial.
    Eigen::Index best_row = 0;
    y.maxCoeff(&best_row);
    detail::AcquisitionSearchOptions so;
    so.n_candidates = options_.n_candidates;
    so.n_local_search = options_.n_local_search;
    const detail::AcquisitionSearch search(tf, so);
    const std::uint64_t stream = detail::mix(seed_, static_cast<std::uint64_t>(trial.number));
    const std::vector<detail::ScoredPoint> proposals =
        search.run(gp, acq, {m.x.row(best_row).transpose()}, stream);

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

  static Eigen::VectorXd standardize(const std::vector<double>& raw) {
    Eigen::VectorXd y =
        Eigen::Map<const Eigen::VectorXd>(raw.data(), static_cast<Eigen::Index>(raw.size()));
    double lo = INFINITY, hi = -INFINITY;
    for (double v : raw)
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
    if (!std::isfinite(lo)) lo = hi = 0.0;
    y = y.unaryExpr([&](double v) { return std::isnan(v) ? lo : std::clamp(v, lo, hi); });
    const double mean = y.mean();
    const double sd = std::sqrt((y.array() - mean).square().mean());
    return (y.array() - mean) / std::max(sd, 1e-10);
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
