// SPDX-License-Identifier: MIT
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <iterator>
#include <limits>
#include <tuple>
#include <utility>
#include <vector>

#include "hpo/detail/tpe_history.hpp"
#include "hpo/multi_objective/hypervolume.hpp"
#include "hpo/multi_objective/pareto.hpp"
#include "hpo/study/direction.hpp"
#include "hpo/trial/frozen_trial.hpp"

// TPE's "below" set when the study has several objectives or constraints (Optuna's
// _split_trials with MOTPE, Ozaki et al. 2020/2022, and c-TPE's feasibility order), and the
// weights of its members in l(x).

namespace hpo::detail {

/// The smallest weight of a member of the below set (Optuna's EPS).
inline constexpr double kTpeWeightFloor = 1e-12;

/// The below set of one suggestion: trial numbers ascending and, when not empty, one weight per
/// member for l(x) (aligned with `numbers`); empty weights mean Optuna's default_weights.
struct TpeBelow {
  std::vector<int> numbers;
  Eigen::ArrayXd weights;
};

/// The total violation of a finished trial of a constrained study: the sum of its positive
/// constraint values, +inf if it has none (such trials rank after every other).
inline double tpe_violation(const FrozenTrial& t) {
  if (t.constraints.empty()) return std::numeric_limits<double>::infinity();
  double total = 0.0;
  for (double c : t.constraints) total += std::max(c, 0.0);
  return total;
}

/// MOTPE's reference point of a set of loss vectors (minimization, one row each): per
/// objective max(1.1 w, 0.9 w) of the worst value w, and a tiny positive value where that is 0.
inline Eigen::VectorXd tpe_reference_point(const Eigen::MatrixXd& loss) {
  const Eigen::ArrayXd worst = loss.colwise().maxCoeff().transpose().array();
  const Eigen::ArrayXd ref = (1.1 * worst).max(0.9 * worst);
  return (ref == 0.0).select(kTpeWeightFloor, ref).matrix();
}

/// Greedy hypervolume subset selection (Guerreiro, Fonseca, Paquete 2016): `k` rows of
/// `points` (minimization, finite, each better than `reference`), each step taking the row
/// that adds the most hypervolume to the rows already taken, ties to the lower index. A row's
/// gain only shrinks as the set grows (the hypervolume is submodular), so a gain computed in
/// an earlier step is an upper bound and only the rows that could still win are re-evaluated
/// (lazy greedy). Returns the rows in the order taken.
inline std::vector<Eigen::Index> greedy_hypervolume_subset(const Eigen::MatrixXd& points,
                                                           Eigen::Index k,
                                                           const Eigen::VectorXd& reference) {
  const Eigen::Index n = points.rows();
  k = std::clamp<Eigen::Index>(k, 0, n);
  // A max-heap of (gain, -row, step): the gain of the row when added to the first `step` rows
  // chosen. Larger gain first, then the lower row.
  using Entry = std::tuple<double, Eigen::Index, Eigen::Index>;
  const Eigen::ArrayXd box =
      (reference.transpose().replicate(n, 1) - points).array().max(0.0).rowwise().prod();
  std::vector<Entry> heap;
  for (Eigen::Index i = 0; i < n; ++i) heap.emplace_back(box[i], -i, 0);
  std::make_heap(heap.begin(), heap.end());
  std::vector<Eigen::Index> chosen;
  Eigen::MatrixXd clipped(k, points.cols());
  while (static_cast<Eigen::Index>(chosen.size()) < k) {
    std::pop_heap(heap.begin(), heap.end());
    const auto [bound, minus_row, step] = heap.back();
    heap.pop_back();
    const Eigen::Index row = -minus_row;
    const auto s = static_cast<Eigen::Index>(chosen.size());
    if (step == s) {
      chosen.push_back(row);
      continue;
    }
    // Re-evaluate: its box less the part the chosen rows already cover.
    const Eigen::RowVectorXd p = points.row(row);
    for (Eigen::Index j = 0; j < s; ++j)
      clipped.row(j) = points.row(chosen[static_cast<std::size_t>(j)]).cwiseMax(p);
    const double covered = hpo::hypervolume(clipped.topRows(s), reference);
    heap.emplace_back(std::min(bound, std::max(box[row] - covered, 0.0)), minus_row, s);
    std::push_heap(heap.begin(), heap.end());
  }
  return chosen;
}

/// MOTPE's weights of the below set's members in l(x): for the feasible members with values
/// (`usable`), their exclusive hypervolume contributions among themselves (up to
/// tpe_reference_point of their losses) divided by the largest, at least kTpeWeightFloor;
/// the other members get kTpeWeightFloor. With one usable member, or non-finite losses, every
/// usable member weighs 1. With none (no feasible trial yet), every member weighs 1, as with
/// one objective: l(x) then follows the least violating trials (Optuna 4.9 gives them all
/// the floor, which leaves l(x) to the prior: a random search until a trial is feasible).
inline Eigen::ArrayXd tpe_hypervolume_weights(const Eigen::MatrixXd& loss,
                                              const std::vector<char>& usable) {
  const Eigen::Index n = loss.rows();
  Eigen::ArrayXd w(n);
  std::vector<Eigen::Index> rows;
  for (Eigen::Index i = 0; i < n; ++i) {
    w[i] = usable[static_cast<std::size_t>(i)] ? 1.0 : kTpeWeightFloor;
    if (usable[static_cast<std::size_t>(i)]) rows.push_back(i);
  }
  if (rows.empty()) return Eigen::ArrayXd::Ones(n);
  if (rows.size() == 1) return w;
  const Eigen::MatrixXd f = loss(rows, Eigen::all);
  if (!f.allFinite()) return w;
  const Eigen::VectorXd c = hpo::hypervolume_contributions(f, tpe_reference_point(f));
  const double top = std::max(c.maxCoeff(), kTpeWeightFloor);
  for (std::size_t k = 0; k < rows.size(); ++k)
    w[rows[k]] = std::max(c[static_cast<Eigen::Index>(k)] / top, kTpeWeightFloor);
  return w;
}

/// The below set of TPE for `n_below` members among `finished` (Complete and Pruned trials)
/// when the study has several objectives or is constrained (Optuna's _split_trials):
/// - with `constrained`, infeasible trials (FrozenTrial::feasible) are set apart;
/// - the feasible Complete trials come first: one objective by value; several by
///   non-domination rank, whole fronts while they fit, the front that does not fit thinned by
///   greedy hypervolume subset selection (up to tpe_reference_point of that front);
/// - then the feasible Pruned trials, by the last step they reached (later first), for one
///   objective then by their value there;
/// - then the infeasible trials by total violation (tpe_violation).
/// Ties go to the lower trial number. With several objectives the members get
/// tpe_hypervolume_weights (Pruned and infeasible members the floor); with one, the default
/// weights. Everything not returned is the above set.
inline TpeBelow tpe_constrained_or_multi_objective_below(
    const std::vector<FrozenTrialPtr>& finished, int n_below,
    const std::vector<Direction>& directions, bool constrained) {
  const bool multi = directions.size() > 1;
  std::vector<const FrozenTrial*> complete, pruned, infeasible;
  for (const auto& t : finished) {
    if (constrained && !t->feasible())
      infeasible.push_back(t.get());
    else if (t->state == TrialState::Complete)
      complete.push_back(t.get());
    else if (t->state == TrialState::Pruned)
      pruned.push_back(t.get());
  }
  auto loss_of = [&](const std::vector<const FrozenTrial*>& trials) {
    Eigen::MatrixXd loss(static_cast<Eigen::Index>(trials.size()),
                         static_cast<Eigen::Index>(directions.size()));
    for (Eigen::Index i = 0; i < loss.rows(); ++i)
      for (Eigen::Index j = 0; j < loss.cols(); ++j) {
        const FrozenTrial& t = *trials[static_cast<std::size_t>(i)];
        const double v = static_cast<std::size_t>(j) < t.values.size()
                             ? t.values[static_cast<std::size_t>(j)]
                             : std::numeric_limits<double>::infinity();
        loss(i, j) = directions[static_cast<std::size_t>(j)] == Direction::Maximize ? -v : v;
      }
    return loss;
  };
  auto by_number = [](const FrozenTrial* a, const FrozenTrial* b) { return a->number < b->number; };

  std::vector<const FrozenTrial*> below;
  const auto want = static_cast<std::size_t>(std::max(n_below, 0));
  if (!multi) {
    std::vector<std::pair<std::pair<double, int>, const FrozenTrial*>> keyed;
    for (const FrozenTrial* t : complete)
      keyed.emplace_back(tpe_complete_key(*t, directions.front()), t);
    std::sort(keyed.begin(), keyed.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (std::size_t i = 0; i < keyed.size() && below.size() < want; ++i)
      below.push_back(keyed[i].second);
  } else if (!complete.empty() && want > 0) {
    std::sort(complete.begin(), complete.end(), by_number);
    const Eigen::MatrixXd loss = loss_of(complete);
    // Peel fronts (pareto_front_indices needs no NaN: those losses count as worst).
    const Eigen::MatrixXd finite_loss =
        loss.unaryExpr([](double v) { return std::isnan(v) ? INFINITY : v; });
    std::vector<Eigen::Index> rest(static_cast<std::size_t>(loss.rows()));
    for (std::size_t i = 0; i < rest.size(); ++i) rest[i] = static_cast<Eigen::Index>(i);
    while (!rest.empty() && below.size() < want) {
      const Eigen::MatrixXd part = finite_loss(rest, Eigen::all);
      std::vector<Eigen::Index> front;
      for (Eigen::Index f : hpo::pareto_front_indices(part))
        front.push_back(rest[static_cast<std::size_t>(f)]);
      const std::size_t room = want - below.size();
      if (front.size() > room) {
        const Eigen::MatrixXd front_loss = finite_loss(front, Eigen::all);
        if (front_loss.allFinite()) {
          const std::vector<Eigen::Index> keep = greedy_hypervolume_subset(
              front_loss, static_cast<Eigen::Index>(room), tpe_reference_point(front_loss));
          std::vector<Eigen::Index> picked;
          for (Eigen::Index k : keep) picked.push_back(front[static_cast<std::size_t>(k)]);
          std::sort(picked.begin(), picked.end());
          front = std::move(picked);
        } else {
          front.resize(room);
        }
      }
      for (Eigen::Index f : front) below.push_back(complete[static_cast<std::size_t>(f)]);
      std::vector<Eigen::Index> next;
      std::set_difference(rest.begin(), rest.end(), front.begin(), front.end(),
                          std::back_inserter(next));
      rest = std::move(next);
    }
  }
  {
    using Key = std::tuple<double, double, int>;
    std::vector<std::pair<Key, const FrozenTrial*>> keyed;
    for (const FrozenTrial* t : pruned) {
      Key k = tpe_pruned_key(*t, directions.front());
      if (multi) std::get<1>(k) = 0.0;  // an intermediate value has no direction then
      keyed.emplace_back(k, t);
    }
    std::sort(keyed.begin(), keyed.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (std::size_t i = 0; i < keyed.size() && below.size() < want; ++i)
      below.push_back(keyed[i].second);
  }
  {
    std::vector<std::pair<std::pair<double, int>, const FrozenTrial*>> keyed;
    for (const FrozenTrial* t : infeasible) keyed.push_back({{tpe_violation(*t), t->number}, t});
    std::sort(keyed.begin(), keyed.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (std::size_t i = 0; i < keyed.size() && below.size() < want; ++i)
      below.push_back(keyed[i].second);
  }

  std::sort(below.begin(), below.end(), by_number);
  TpeBelow out;
  for (const FrozenTrial* t : below) out.numbers.push_back(t->number);
  if (multi && !below.empty()) {
    std::vector<char> usable;
    for (const FrozenTrial* t : below)
      usable.push_back(t->state == TrialState::Complete && (!constrained || t->feasible()));
    out.weights = tpe_hypervolume_weights(loss_of(below), usable);
  }
  return out;
}

}  // namespace hpo::detail
