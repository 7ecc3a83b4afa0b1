// SPDX-License-Identifier: MIT
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "hpo/detail/fanova.hpp"
#include "hpo/detail/ped_anova.hpp"
#include "hpo/detail/random_forest.hpp"
#include "hpo/detail/transform.hpp"
#include "hpo/errors.hpp"
#include "hpo/samplers/search_space.hpp"
#include "hpo/study/study.hpp"

namespace hpo {

/// How param_importances measures importance.
enum class ImportanceMethod {
  /// fANOVA (Hutter et al. 2014) on a random forest fitted to the Complete trials: the share
  /// of the objective's variance over the search space explained by each parameter alone.
  Fanova,
  /// PED-ANOVA (Watanabe et al. 2023): how differently each parameter is distributed in the
  /// top-quantile trials than in all trials (Pearson divergence of Parzen estimates). Cheap,
  /// and about what it takes to reach the top quantile rather than the whole space.
  PedAnova,
};

/// Options of param_importances; the defaults are Optuna's.
struct ImportanceOptions {
  ImportanceMethod method = ImportanceMethod::Fanova;
  /// Parameters to assess (empty: every parameter all Complete trials share).
  std::vector<std::string> params;
  /// The objective to assess in a study with several (required there).
  std::optional<int> objective;
  /// fANOVA: trees, their depth and the forest's seed.
  int n_trees = 64;
  int max_depth = 64;
  std::uint64_t seed = 0;
  /// PED-ANOVA: the top quantile whose parameters are compared with all trials'.
  double baseline_quantile = 0.1;
  /// At most this many Complete trials are used (0: all): beyond it, trials evenly spaced by
  /// number. fANOVA's cost grows as n log n (about 1 s at 10,000 trials); the HTML report
  /// uses 2,000.
  std::size_t max_trials = 0;
};

/// One parameter's importance: its share (the importances of a call sum to 1), and for fANOVA
/// the standard deviation over the trees of its variance fraction, divided by the same sum as
/// the importances (so that importance ± std_dev is an error bar on the same scale).
struct ParamImportance {
  std::string name;
  double importance = 0.0;
  double std_dev = 0.0;
};

/// The result of param_importances: most important first.
struct ParamImportances {
  ImportanceMethod method = ImportanceMethod::Fanova;
  std::vector<ParamImportance> params;
  /// How many Complete trials the importances come from, and how many the study has.
  std::size_t n_trials = 0;
  std::size_t n_complete = 0;  ///< See `n_trials`; larger when ImportanceOptions::max_trials cut.

  /// "fANOVA" or "PED-ANOVA".
  std::string method_name() const {
    return method == ImportanceMethod::Fanova ? "fANOVA" : "PED-ANOVA";
  }
  /// The importance of `name`; throws UnknownName.
  double operator[](const std::string& name) const {
    for (const auto& p : params)
      if (p.name == name) return p.importance;
    throw UnknownName(fmt::format("hpo::ParamImportances: no parameter '{}'", name));
  }
};

/// The importance of each parameter of `study` for its objective, from its Complete trials,
/// normalized to sum to 1 (as Optuna's get_param_importances). Parameters with a single
/// possible value get 0. Parameters are the ones every Complete trial has with the same
/// distribution (or options.params, which must be among them).
///
/// Where this differs from Optuna: fANOVA sees numeric parameters in the unit coordinates the
/// samplers use (log space for log ranges: the uniform measure of a log-scale learning rate is
/// over its decades, not over its raw values, where Optuna's fANOVA puts 90 % of [1e-5, 1e-1]
/// above 1e-2) and a categorical as one feature whose choices share [0, 1] evenly (Optuna
/// one-hot encodes it and sums over the columns, whose marginals also weigh impossible
/// codes). Throws NoCompletedTrials without Complete trials, InvalidArgument for unknown or
/// non-shared parameters, a bad option, or several objectives without options.objective, and
/// Error when fANOVA finds no variance (every value equal).
inline ParamImportances param_importances(const Study& study,
                                          const ImportanceOptions& options = {}) {
  auto complete = study.trial_snapshots(TrialStates{TrialState::Complete});
  if (complete.empty())
    throw NoCompletedTrials("hpo::param_importances: the study has no Complete trial");
  const std::size_t n_complete = complete.size();
  if (options.max_trials > 0 && complete.size() > options.max_trials) {
    std::vector<FrozenTrialPtr> kept(options.max_trials);
    for (std::size_t k = 0; k < kept.size(); ++k) kept[k] = complete[k * n_complete / kept.size()];
    complete = std::move(kept);
  }
  const std::size_t n_objectives = study.directions().size();
  if (n_objectives > 1 && !options.objective)
    throw InvalidArgument(fmt::format(
        "hpo::param_importances: the study has {} objectives; set ImportanceOptions::objective",
        n_objectives));
  const int objective = options.objective.value_or(0);
  if (objective < 0 || objective >= static_cast<int>(n_objectives))
    throw InvalidArgument(
        fmt::format("hpo::param_importances: objective {} of {}", objective, n_objectives));
  if (options.n_trees < 1 || options.max_depth < 1)
    throw InvalidArgument(
        fmt::format("hpo::param_importances: n_trees {} and max_depth {} must be >= 1",
                    options.n_trees, options.max_depth));
  if (!(options.baseline_quantile > 0.0 && options.baseline_quantile <= 1.0))
    throw InvalidArgument(
        fmt::format("hpo::param_importances: baseline_quantile {} is not in (0, 1]",
                    options.baseline_quantile));
  const SearchSpace shared = intersection_search_space(study.view());
  std::vector<std::pair<std::string, Distribution>> space;
  if (options.params.empty()) {
    space.assign(shared.begin(), shared.end());
  } else {
    for (const auto& name : options.params) {
      const auto it = shared.find(name);
      if (it == shared.end())
        throw InvalidArgument(fmt::format(
            "hpo::param_importances: parameter '{}' is not in every Complete trial with one "
            "distribution",
            name));
      space.emplace_back(name, it->second);
    }
  }
  ParamImportances out;
  out.method = options.method;
  out.n_trials = complete.size();
  out.n_complete = n_complete;
  std::vector<std::pair<std::string, Distribution>> varying;
  for (const auto& p : space) {
    if (single(p.second))
      out.params.push_back({p.first, 0.0, 0.0});
    else
      varying.push_back(p);
  }
  const auto n = static_cast<Eigen::Index>(complete.size());
  const auto d = static_cast<Eigen::Index>(varying.size());
  Eigen::VectorXd y(n);
  std::vector<std::vector<double>> internal(varying.size(), std::vector<double>(complete.size()));
  for (Eigen::Index i = 0; i < n; ++i) {
    const FrozenTrial& t = *complete[static_cast<std::size_t>(i)];
    y[i] = t.values[static_cast<std::size_t>(objective)];
    for (std::size_t j = 0; j < varying.size(); ++j)
      internal[j][static_cast<std::size_t>(i)] = t.internal_param(varying[j].first);
  }
  std::vector<double> raw(varying.size(), 0.0), spread(varying.size(), 0.0);
  if (d > 0 && options.method == ImportanceMethod::Fanova) {
    Eigen::MatrixXd x(n, d);
    for (Eigen::Index j = 0; j < d; ++j)
      for (Eigen::Index i = 0; i < n; ++i)
        x(i, j) =
            detail::to_unit(varying[static_cast<std::size_t>(j)].second,
                            internal[static_cast<std::size_t>(j)][static_cast<std::size_t>(i)]);
    detail::ForestOptions fo;
    fo.n_trees = options.n_trees, fo.max_depth = options.max_depth, fo.seed = options.seed;
    const auto effects =
        detail::fanova_main_effects(detail::fit_forest(x, y, fo), static_cast<int>(d));
    for (std::size_t j = 0; j < varying.size(); ++j)
      raw[j] = effects[j].mean, spread[j] = effects[j].std_dev;
    if (!(std::accumulate(raw.begin(), raw.end(), 0.0) > 0.0))
      throw Error(fmt::format(
          "hpo::param_importances: fANOVA found no variance in the objective over {} Complete "
          "trials (all values equal, or too few trials)",
          n));
  } else if (d > 0) {
    // PED-ANOVA: the top trials are those at or better than the baseline quantile, and at
    // least the best two (Optuna's filter); with two trials or fewer, no split: all equal.
    const bool minimize =
        study.directions()[static_cast<std::size_t>(objective)] == Direction::Minimize;
    std::vector<double> loss(static_cast<std::size_t>(n));
    for (Eigen::Index i = 0; i < n; ++i)
      loss[static_cast<std::size_t>(i)] = minimize ? y[i] : -y[i];
    if (n > 2) {
      std::vector<double> sorted = loss;
      std::sort(sorted.begin(), sorted.end());
      const auto cut = static_cast<std::size_t>(
          std::max(0.0, std::ceil(options.baseline_quantile * static_cast<double>(n)) - 1.0));
      const double cutoff = std::max(sorted[1], sorted[std::min(cut, sorted.size() - 1)]);
      for (std::size_t j = 0; j < varying.size(); ++j) {
        std::vector<double> top;
        for (std::size_t i = 0; i < loss.size(); ++i)
          if (loss[i] <= cutoff) top.push_back(internal[j][i]);
        const Distribution& dist = varying[j].second;
        raw[j] = detail::ped_pearson_divergence(
            detail::ped_parzen_masses(detail::ped_grid(dist, top)),
            detail::ped_parzen_masses(detail::ped_grid(dist, internal[j])));
      }
    }
    if (!(std::accumulate(raw.begin(), raw.end(), 0.0) > 0.0))
      std::fill(raw.begin(), raw.end(), 1.0);
  }
  const double sum = std::accumulate(raw.begin(), raw.end(), 0.0);
  for (std::size_t j = 0; j < varying.size(); ++j)
    out.params.push_back({varying[j].first, raw[j] / sum, sum > 0.0 ? spread[j] / sum : 0.0});
  std::stable_sort(out.params.begin(), out.params.end(),
                   [](const ParamImportance& a, const ParamImportance& b) {
                     return a.importance > b.importance;
                   });
  return out;
}

}  // namespace hpo
