// SPDX-License-Identifier: MIT
#include "support/catch.hpp"

#include <Eigen/Core>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <vector>

#include <hpo/detail/tpe_below.hpp>
#include <hpo/detail/tpe_history.hpp>
#include <hpo/multi_objective/hypervolume.hpp>
#include <hpo/study/direction.hpp>
#include <hpo/trial/frozen_trial.hpp>
#include <hpo/trial/trial_state.hpp>

namespace {

using hpo::Direction;
using S = hpo::TrialState;

hpo::FrozenTrialPtr make_trial(int number, S state, std::vector<double> values,
                               std::vector<double> constraints = {},
                               std::map<std::int64_t, double> intermediate = {}) {
  auto t = std::make_shared<hpo::FrozenTrial>();
  t->number = number;
  t->state = state;
  t->values = std::move(values);
  t->constraints = std::move(constraints);
  t->intermediate_values = std::move(intermediate);
  return t;
}

Eigen::MatrixXd rows(const std::vector<std::vector<double>>& v) {
  Eigen::MatrixXd m(static_cast<Eigen::Index>(v.size()), static_cast<Eigen::Index>(v[0].size()));
  for (std::size_t i = 0; i < v.size(); ++i)
    for (std::size_t j = 0; j < v[i].size(); ++j)
      m(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = v[i][j];
  return m;
}

/// The greedy selection without the lazy shortcut: every gain recomputed in every step.
std::vector<Eigen::Index> eager_greedy(const Eigen::MatrixXd& p, Eigen::Index k,
                                       const Eigen::VectorXd& ref) {
  std::vector<Eigen::Index> chosen;
  std::vector<char> taken(static_cast<std::size_t>(p.rows()), 0);
  for (Eigen::Index step = 0; step < k; ++step) {
    Eigen::MatrixXd base(static_cast<Eigen::Index>(chosen.size()), p.cols());
    for (std::size_t j = 0; j < chosen.size(); ++j)
      base.row(static_cast<Eigen::Index>(j)) = p.row(chosen[j]);
    const double hv = chosen.empty() ? 0.0 : hpo::hypervolume(base, ref);
    Eigen::Index best = -1;
    double best_gain = -1.0;
    for (Eigen::Index i = 0; i < p.rows(); ++i) {
      if (taken[static_cast<std::size_t>(i)]) continue;
      Eigen::MatrixXd with(base.rows() + 1, p.cols());
      with.topRows(base.rows()) = base;
      with.row(base.rows()) = p.row(i);
      const double gain = hpo::hypervolume(with, ref) - hv;
      if (gain > best_gain) best_gain = gain, best = i;
    }
    chosen.push_back(best);
    taken[static_cast<std::size_t>(best)] = 1;
  }
  return chosen;
}

}  // namespace

TEST_CASE("greedy_hypervolume_subset takes the largest gain first, lazily", "[detail][tpe]") {
  using hpo::detail::greedy_hypervolume_subset;
  const Eigen::MatrixXd p = rows({{1, 4}, {2, 2}, {4, 1}});
  const Eigen::Vector2d ref(5, 5);
  // Boxes 4, 9, 4: (2, 2) first; then (1, 4) and (4, 1) both add 1, the lower index wins.
  CHECK(greedy_hypervolume_subset(p, 1, ref) == std::vector<Eigen::Index>{1});
  CHECK(greedy_hypervolume_subset(p, 2, ref) == std::vector<Eigen::Index>{1, 0});
  CHECK(greedy_hypervolume_subset(p, 3, ref) == std::vector<Eigen::Index>{1, 0, 2});
  CHECK(greedy_hypervolume_subset(p, 0, ref).empty());
  CHECK(greedy_hypervolume_subset(p, 7, ref).size() == 3);

  // The lazy evaluation picks what recomputing every gain in every step picks (3 objectives,
  // points near a spherical front, so that gains interact).
  std::mt19937_64 gen(11);
  std::normal_distribution<double> normal;
  for (int rep = 0; rep < 5; ++rep) {
    Eigen::MatrixXd q(14, 3);
    for (Eigen::Index i = 0; i < q.rows(); ++i) {
      Eigen::Vector3d v(std::abs(normal(gen)), std::abs(normal(gen)), std::abs(normal(gen)));
      q.row(i) = v.normalized().transpose();
    }
    const Eigen::Vector3d r(1.1, 1.1, 1.1);
    for (Eigen::Index k : {1, 4, 9})
      CHECK(greedy_hypervolume_subset(q, k, r) == eager_greedy(q, k, r));
  }
}

TEST_CASE("tpe_hypervolume_weights: contributions over the largest, floors elsewhere",
          "[detail][tpe]") {
  using hpo::detail::kTpeWeightFloor;
  using hpo::detail::tpe_hypervolume_weights;
  const Eigen::MatrixXd loss = rows({{1, 3}, {2, 2}, {3, 1}, {3, 3}});
  // Reference 1.1 * worst = (3.3, 3.3); exclusive parts 0.3, 1, 0.3 and 0 (dominated).
  const Eigen::ArrayXd w = tpe_hypervolume_weights(loss, {1, 1, 1, 1});
  CHECK(w[0] == Approx(0.3));
  CHECK(w[1] == Approx(1.0));
  CHECK(w[2] == Approx(0.3));
  CHECK(w[3] == kTpeWeightFloor);
  // Without (2, 2): (1, 3) and (3, 1) share the top; it gets the floor, as does (3, 3).
  const Eigen::ArrayXd v = tpe_hypervolume_weights(loss, {1, 0, 1, 1});
  CHECK(v[0] == Approx(1.0));
  CHECK(v[1] == kTpeWeightFloor);
  CHECK(v[2] == Approx(1.0));
  CHECK(v[3] == kTpeWeightFloor);
  // No usable member (nothing feasible yet): all weigh 1, as with one objective.
  CHECK((tpe_hypervolume_weights(loss, {0, 0, 0, 0}) == 1.0).all());
  // One usable member: weight 1; infinite losses: every usable member 1.
  CHECK((tpe_hypervolume_weights(loss, {0, 0, 1, 0}) ==
         Eigen::ArrayXd::Constant(4, kTpeWeightFloor).max(Eigen::Array4d(0, 0, 1, 0)))
            .all());
  const Eigen::MatrixXd inf = rows({{1, 3}, {2, INFINITY}});
  CHECK((tpe_hypervolume_weights(inf, {1, 1}) == 1.0).all());
  // A negative worst value: the reference is 0.9 of it, still beyond every point.
  CHECK(hpo::detail::tpe_reference_point(rows({{-2, 0}, {-1, -3}}))
            .isApprox(Eigen::Vector2d(-0.9, 1e-12)));
}

TEST_CASE("TPE's below set under constraints: feasible by value, then pruned, then violation",
          "[detail][tpe][constraints]") {
  const std::vector<hpo::FrozenTrialPtr> trials{
      make_trial(0, S::Complete, {1.0}, {0.5}),          // infeasible, violation 0.5
      make_trial(1, S::Complete, {5.0}, {-1.0}),         // feasible
      make_trial(2, S::Complete, {3.0}, {-0.1, 0.0}),    // feasible, best feasible
      make_trial(3, S::Complete, {0.0}),                 // no constraints: violation inf
      make_trial(4, S::Pruned, {}, {-1.0}, {{1, 2.0}}),  // feasible pruned
      make_trial(5, S::Complete, {2.0}, {2.0, -3.0}),    // infeasible, violation 2
  };
  const std::vector<Direction> min{Direction::Minimize};
  auto below = [&](int n) {
    return hpo::detail::tpe_constrained_or_multi_objective_below(trials, n, min, true);
  };
  CHECK(below(0).numbers.empty());
  CHECK(below(1).numbers == std::vector<int>{2});
  CHECK(below(2).numbers == std::vector<int>{1, 2});
  CHECK(below(3).numbers == std::vector<int>{1, 2, 4});
  CHECK(below(4).numbers == std::vector<int>{0, 1, 2, 4});
  CHECK(below(5).numbers == std::vector<int>{0, 1, 2, 4, 5});
  CHECK(below(6).numbers == std::vector<int>{0, 1, 2, 3, 4, 5});
  CHECK(below(6).weights.size() == 0);  // one objective: the default weights
  const std::vector<Direction> max{Direction::Maximize};
  CHECK(hpo::detail::tpe_constrained_or_multi_objective_below(trials, 1, max, true).numbers ==
        std::vector<int>{1});
  CHECK(hpo::detail::tpe_violation(*trials[3]) == INFINITY);
  CHECK(hpo::detail::tpe_violation(*trials[5]) == 2.0);

  // Unconstrained, one objective: Optuna's plain split (tpe_split), whatever the constraints.
  for (int n = 0; n <= 7; ++n)
    for (const Direction d : {Direction::Minimize, Direction::Maximize})
      CHECK(hpo::detail::tpe_constrained_or_multi_objective_below(trials, n, {d}, false).numbers ==
            hpo::detail::tpe_split(trials, n, d).below);
}

TEST_CASE("TPE's below set with several objectives: fronts, then hypervolume subset selection",
          "[detail][tpe][multi_objective]") {
  // (minimize f1, maximize f2): losses (1,4), (2,2), (4,1) form the first front, (3,3) the
  // second, (5,5) the third.
  std::vector<hpo::FrozenTrialPtr> trials{
      make_trial(0, S::Complete, {1, -4}), make_trial(1, S::Complete, {2, -2}),
      make_trial(2, S::Complete, {4, -1}), make_trial(3, S::Complete, {3, -3}),
      make_trial(4, S::Complete, {5, -5}), make_trial(5, S::Pruned, {}, {}, {{3, 1.0}})};
  const std::vector<Direction> dirs{Direction::Minimize, Direction::Maximize};
  auto below = [&](int n, bool constrained = false) {
    return hpo::detail::tpe_constrained_or_multi_objective_below(trials, n, dirs, constrained);
  };
  // Two of the first front: (2,2) has the largest box up to (4.4, 4.4); then (1,4) and (4,1)
  // add the same, the lower number wins.
  CHECK(below(2).numbers == std::vector<int>{0, 1});
  CHECK(below(3).numbers == std::vector<int>{0, 1, 2});
  // Four: both fronts whole. Weights: contributions 0.4, 3 (4 less the 1 that (3,3) covers
  // without it), 0.4 and 0 up to (4.4, 4.4), over the largest.
  const hpo::detail::TpeBelow four = below(4);
  CHECK(four.numbers == std::vector<int>{0, 1, 2, 3});
  REQUIRE(four.weights.size() == 4);
  CHECK(four.weights[0] == Approx(0.4 / 3));
  CHECK(four.weights[1] == Approx(1.0));
  CHECK(four.weights[2] == Approx(0.4 / 3));
  CHECK(four.weights[3] == hpo::detail::kTpeWeightFloor);
  // Six: the pruned trial fills up, with the floor weight (it has no values).
  const hpo::detail::TpeBelow six = below(6);
  CHECK(six.numbers == std::vector<int>{0, 1, 2, 3, 4, 5});
  CHECK(six.weights[5] == hpo::detail::kTpeWeightFloor);

  // Constrained: trial 1 infeasible. The feasible front is (1,4), (4,1), (3,3); two of them:
  // (3,3) first (box 1.96), then a tie of 0.8, the lower number.
  for (auto& t : trials) {
    auto copy = std::make_shared<hpo::FrozenTrial>(*t);
    copy->constraints = {t->number == 1 ? 1.0 : -1.0};
    t = copy;
  }
  CHECK(below(2, true).numbers == std::vector<int>{0, 3});
  // Six: every feasible trial (the pruned one last), then the infeasible one. Weights up to
  // (5.5, 5.5): contributions 3, 3, 1 of (1,4), (4,1), (3,3); the floor for the dominated
  // (5,5), the pruned and the infeasible trial.
  const hpo::detail::TpeBelow all = below(6, true);
  CHECK(below(5, true).numbers == std::vector<int>{0, 2, 3, 4, 5});
  CHECK(all.numbers == std::vector<int>{0, 1, 2, 3, 4, 5});
  REQUIRE(all.weights.size() == 6);
  CHECK(all.weights[0] == Approx(1.0));
  CHECK(all.weights[1] == hpo::detail::kTpeWeightFloor);
  CHECK(all.weights[2] == Approx(1.0));
  CHECK(all.weights[3] == Approx(1.0 / 3.0));
  CHECK(all.weights[4] == hpo::detail::kTpeWeightFloor);
  CHECK(all.weights[5] == hpo::detail::kTpeWeightFloor);
}
