// SPDX-License-Identifier: MIT
#pragma once

// NSGA-II's elitist selection (Deb, Pratap, Agarwal, Meyarivan 2002) over finished trials.

#include <Eigen/Core>
#include <algorithm>
#include <cstddef>
#include <limits>
#include <numeric>
#include <vector>

#include "hpo/multi_objective/pareto.hpp"
#include "hpo/storage/storage.hpp"
#include "hpo/study/direction.hpp"

namespace hpo::detail {

/// Total constraint violation of each trial for constrained domination: 0 for all when no
/// trial has constraints; otherwise sum of max(0, c_j), and +infinity for a trial without
/// constraints (infeasible, as FrozenTrial::feasible says).
inline Eigen::VectorXd trial_violations(const std::vector<FrozenTrialPtr>& trials) {
  const auto n = static_cast<Eigen::Index>(trials.size());
  Eigen::VectorXd v = Eigen::VectorXd::Zero(n);
  if (!any_constrained(trials)) return v;
  for (Eigen::Index i = 0; i < n; ++i) {
    const std::vector<double>& c = trials[static_cast<std::size_t>(i)]->constraints;
    if (c.empty()) {
      v[i] = std::numeric_limits<double>::infinity();
      continue;
    }
    for (double x : c) v[i] += std::max(0.0, x);
  }
  return v;
}

/// The best `size` of `complete` (Complete trials with one value per direction) by NSGA-II's
/// crowded comparison, best first: fronts of constrained non-domination in order, each front
/// by decreasing crowding distance (ties: lower trial number); the last front that fits only in
/// part gives its least crowded trials. A tournament that prefers the earlier position is
/// NSGA-II's crowded-comparison tournament. O(n log n) for 2 objectives, O(M n^2) beyond.
inline std::vector<FrozenTrialPtr> nsga2_population(const std::vector<FrozenTrialPtr>& complete,
                                                    const std::vector<Direction>& directions,
                                                    std::size_t size) {
  std::vector<std::vector<double>> values;
  values.reserve(complete.size());
  for (const auto& t : complete) values.push_back(t->values);
  const Eigen::MatrixXd points = to_minimization(values, directions);
  const std::vector<int> rank = non_domination_rank(points, trial_violations(complete));

  std::vector<Eigen::Index> order(complete.size());
  std::iota(order.begin(), order.end(), Eigen::Index{0});
  std::stable_sort(order.begin(), order.end(), [&rank](Eigen::Index a, Eigen::Index b) {
    return rank[static_cast<std::size_t>(a)] < rank[static_cast<std::size_t>(b)];
  });
  std::vector<FrozenTrialPtr> population;
  population.reserve(std::min(size, complete.size()));
  for (std::size_t begin = 0; begin < order.size() && population.size() < size;) {
    std::size_t end = begin;
    const int r = rank[static_cast<std::size_t>(order[begin])];
    while (end < order.size() && rank[static_cast<std::size_t>(order[end])] == r) ++end;
    std::vector<Eigen::Index> front(order.begin() + static_cast<std::ptrdiff_t>(begin),
                                    order.begin() + static_cast<std::ptrdiff_t>(end));
    const Eigen::VectorXd crowding = crowding_distance(points, front);
    std::vector<std::size_t> by_crowding(front.size());
    std::iota(by_crowding.begin(), by_crowding.end(), std::size_t{0});
    std::sort(by_crowding.begin(), by_crowding.end(), [&](std::size_t a, std::size_t b) {
      const double ca = crowding[static_cast<Eigen::Index>(a)],
                   cb = crowding[static_cast<Eigen::Index>(b)];
      if (ca != cb) return ca > cb;
      return complete[static_cast<std::size_t>(front[a])]->number <
             complete[static_cast<std::size_t>(front[b])]->number;
    });
    for (std::size_t k = 0; k < by_crowding.size() && population.size() < size; ++k)
      population.push_back(complete[static_cast<std::size_t>(front[by_crowding[k]])]);
    begin = end;
  }
  return population;
}

}  // namespace hpo::detail
