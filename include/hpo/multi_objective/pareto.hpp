// SPDX-License-Identifier: MIT
#pragma once

/// Pareto dominance, non-dominated sorting and crowding distance (Deb et al. 2002, NSGA-II).
///
/// Everything here works in minimization form on an Eigen matrix of points: one row per point,
/// one column per objective, smaller is better in every column. `to_minimization` turns a
/// study's values and directions into that form.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numeric>
#include <vector>

#include <fmt/format.h>
#include <Eigen/Core>

#include "hpo/errors.hpp"
#include "hpo/study/direction.hpp"

namespace hpo {

namespace detail {

/// Points stored row by row, so that one point's objectives are contiguous.
using ParetoRows = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// Throws InvalidArgument naming the first NaN of `points`.
inline void check_no_nan(const char* function, const Eigen::MatrixXd& points) {
  if (!points.hasNaN()) return;
  for (Eigen::Index i = 0; i < points.rows(); ++i)
    for (Eigen::Index j = 0; j < points.cols(); ++j)
      if (std::isnan(points(i, j)))
        throw InvalidArgument(fmt::format("hpo::{}: points({}, {}) is NaN", function, i, j));
}

/// Throws InvalidArgument unless `violations` has one value >= 0 (not NaN) per point.
inline void check_violations(const char* function, const Eigen::VectorXd& violations,
                             Eigen::Index n_points) {
  if (violations.size() != n_points)
    throw InvalidArgument(
        fmt::format("hpo::{}: {} violations for {} points", function, violations.size(), n_points));
  for (Eigen::Index i = 0; i < violations.size(); ++i)
    if (!(violations(i) >= 0.0))
      throw InvalidArgument(
          fmt::format("hpo::{}: violations({}) must be >= 0 (got {})", function, i, violations(i)));
}

/// Whether row `a` Pareto-dominates row `b` (both `d` values long).
inline bool dominates_row(const double* a, const double* b, Eigen::Index d) {
  bool strictly = false;
  for (Eigen::Index j = 0; j < d; ++j) {
    if (a[j] > b[j]) return false;
    if (a[j] < b[j]) strictly = true;
  }
  return strictly;
}

/// Indices 0..n-1 ordered by their rows, lexicographically: a point can only be dominated by
/// points before it in this order.
inline std::vector<Eigen::Index> lexicographic_order(const ParetoRows& p) {
  std::vector<Eigen::Index> order(static_cast<std::size_t>(p.rows()));
  std::iota(order.begin(), order.end(), Eigen::Index{0});
  const Eigen::Index d = p.cols();
  std::sort(order.begin(), order.end(), [&p, d](Eigen::Index a, Eigen::Index b) {
    return std::lexicographical_compare(p.row(a).data(), p.row(a).data() + d, p.row(b).data(),
                                        p.row(b).data() + d);
  });
  return order;
}

/// Ranks of 2-objective points in O(n log n): a sweep along the first objective, keeping the
/// last point of every front so far (Jensen 2003). Those last points are increasing in
/// (second, first) order, so a binary search finds the first front not dominating a point.
inline std::vector<int> non_domination_rank_2d(const ParetoRows& p) {
  const std::vector<Eigen::Index> order = lexicographic_order(p);
  std::vector<int> rank(order.size(), 0);
  std::vector<Eigen::Index> tails;  // the last point added to each front
  for (Eigen::Index i : order) {
    // The tail of a front dominates p iff (y, x) of the tail is lexicographically smaller.
    const auto first_not_dominating =
        std::partition_point(tails.begin(), tails.end(), [&p, i](Eigen::Index t) {
          return p(t, 1) < p(i, 1) || (p(t, 1) == p(i, 1) && p(t, 0) < p(i, 0));
        });
    const auto front = first_not_dominating - tails.begin();
    if (first_not_dominating == tails.end())
      tails.push_back(i);
    else
      *first_not_dominating = i;
    rank[static_cast<std::size_t>(i)] = static_cast<int>(front);
  }
  return rank;
}

/// Ranks of points with any number of objectives in O(M n^2): in lexicographic order, each
/// point's rank is one more than the highest rank among the earlier points dominating it.
inline std::vector<int> non_domination_rank_general(const ParetoRows& p) {
  const std::vector<Eigen::Index> order = lexicographic_order(p);
  std::vector<int> rank(order.size(), 0);
  const Eigen::Index d = p.cols();
  for (std::size_t k = 0; k < order.size(); ++k) {
    int r = 0;
    for (std::size_t l = 0; l < k; ++l) {
      const int candidate = rank[static_cast<std::size_t>(order[l])] + 1;
      if (candidate > r && dominates_row(p.row(order[l]).data(), p.row(order[k]).data(), d))
        r = candidate;
    }
    rank[static_cast<std::size_t>(order[k])] = r;
  }
  return rank;
}

}  // namespace detail

/// Turns objective values (one row per trial, one column per direction) into minimization
/// form: maximized columns are negated, minimized ones kept.
inline Eigen::MatrixXd to_minimization(const Eigen::MatrixXd& values,
                                       const std::vector<Direction>& directions) {
  if (static_cast<std::size_t>(values.cols()) != directions.size())
    throw InvalidArgument(
        fmt::format("hpo::to_minimization: {} columns of values for {} directions", values.cols(),
                    directions.size()));
  Eigen::MatrixXd out = values;
  for (std::size_t j = 0; j < directions.size(); ++j)
    if (directions[j] == Direction::Maximize) out.col(static_cast<Eigen::Index>(j)) *= -1.0;
  return out;
}

/// The same from one vector of values per trial, such as `FrozenTrial::values`.
inline Eigen::MatrixXd to_minimization(const std::vector<std::vector<double>>& values,
                                       const std::vector<Direction>& directions) {
  const auto d = static_cast<Eigen::Index>(directions.size());
  Eigen::MatrixXd m(static_cast<Eigen::Index>(values.size()), d);
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (values[i].size() != directions.size())
      throw InvalidArgument(
          fmt::format("hpo::to_minimization: values[{}] has {} values for {} directions", i,
                      values[i].size(), directions.size()));
    m.row(static_cast<Eigen::Index>(i)) = Eigen::Map<const Eigen::RowVectorXd>(values[i].data(), d);
  }
  return to_minimization(m, directions);
}

/// Whether `a` Pareto-dominates `b` (minimization): no worse in every objective and strictly
/// better in at least one. Equal points do not dominate each other. Accepts any Eigen vectors
/// (rows of a points matrix, VectorXd, ...) of the same size.
template <class A, class B>
bool dominates(const Eigen::MatrixBase<A>& a, const Eigen::MatrixBase<B>& b) {
  if (a.size() != b.size())
    throw InvalidArgument(
        fmt::format("hpo::dominates: points of different sizes ({} and {})", a.size(), b.size()));
  bool strictly = false;
  for (Eigen::Index j = 0; j < a.size(); ++j) {
    if (a(j) > b(j)) return false;
    if (a(j) < b(j)) strictly = true;
  }
  return strictly;
}

/// Total constraint violation of each row of `constraints` (one column per constraint, a value
/// <= 0 meaning satisfied): the sum of max(0, c_j). 0 means feasible.
inline Eigen::VectorXd constraint_violations(const Eigen::MatrixXd& constraints) {
  detail::check_no_nan("constraint_violations", constraints);
  return constraints.cwiseMax(0.0).rowwise().sum();
}

/// Constrained domination (Deb 2000), as NSGA-II's: a feasible point (violation 0) dominates
/// an infeasible one; of two infeasible points the one with the smaller total violation
/// dominates; two feasible points compare by Pareto dominance. Violations are >= 0.
template <class A, class B>
bool constrained_dominates(const Eigen::MatrixBase<A>& a, const Eigen::MatrixBase<B>& b,
                           double violation_a, double violation_b) {
  const bool feasible_a = violation_a <= 0.0;
  const bool feasible_b = violation_b <= 0.0;
  if (feasible_a && feasible_b) return dominates(a, b);
  if (feasible_a != feasible_b) return feasible_a;
  return violation_a < violation_b;
}

/// Non-domination rank of each point (Optuna's `_fast_non_domination_rank`): 0 for the Pareto
/// front, 1 for the front of the rest, and so on. Equal points share a rank.
///
/// O(n log n) for 1 and 2 objectives, O(M n^2) otherwise (as the fast non-dominated sort of
/// Deb et al. 2002, with O(n) memory). Throws InvalidArgument on NaN.
inline std::vector<int> non_domination_rank(const Eigen::MatrixXd& points) {
  detail::check_no_nan("non_domination_rank", points);
  if (points.cols() == 1) {
    // Dense rank of the values.
    std::vector<double> sorted(points.data(), points.data() + points.rows());
    std::sort(sorted.begin(), sorted.end());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    std::vector<int> rank(static_cast<std::size_t>(points.rows()));
    for (Eigen::Index i = 0; i < points.rows(); ++i)
      rank[static_cast<std::size_t>(i)] = static_cast<int>(
          std::lower_bound(sorted.begin(), sorted.end(), points(i, 0)) - sorted.begin());
    return rank;
  }
  const detail::ParetoRows rows = points;
  return points.cols() == 2 ? detail::non_domination_rank_2d(rows)
                            : detail::non_domination_rank_general(rows);
}

/// Non-domination rank under constrained domination (`constrained_dominates`): the feasible
/// points (violation 0) ranked as by `non_domination_rank`, then the infeasible ones, one rank
/// per distinct total violation, smallest first. `violations` has one value >= 0 per point.
inline std::vector<int> non_domination_rank(const Eigen::MatrixXd& points,
                                            const Eigen::VectorXd& violations) {
  detail::check_no_nan("non_domination_rank", points);
  detail::check_violations("non_domination_rank", violations, points.rows());
  std::vector<Eigen::Index> feasible;
  std::vector<double> infeasible_violations;
  for (Eigen::Index i = 0; i < points.rows(); ++i) {
    if (violations(i) == 0.0)
      feasible.push_back(i);
    else
      infeasible_violations.push_back(violations(i));
  }
  const std::vector<int> feasible_rank = non_domination_rank(points(feasible, Eigen::all));
  const int n_feasible_fronts =
      feasible_rank.empty() ? 0 : *std::max_element(feasible_rank.begin(), feasible_rank.end()) + 1;
  std::sort(infeasible_violations.begin(), infeasible_violations.end());
  infeasible_violations.erase(
      std::unique(infeasible_violations.begin(), infeasible_violations.end()),
      infeasible_violations.end());

  std::vector<int> rank(static_cast<std::size_t>(points.rows()));
  for (std::size_t k = 0; k < feasible.size(); ++k)
    rank[static_cast<std::size_t>(feasible[k])] = feasible_rank[k];
  for (Eigen::Index i = 0; i < points.rows(); ++i) {
    if (violations(i) == 0.0) continue;
    const auto position = std::lower_bound(infeasible_violations.begin(),
                                           infeasible_violations.end(), violations(i)) -
                          infeasible_violations.begin();
    rank[static_cast<std::size_t>(i)] = n_feasible_fronts + static_cast<int>(position);
  }
  return rank;
}

/// Indices (ascending) of the points no other point dominates: the Pareto front. Equal points
/// are all kept. O(n log n + n F M) for a front of F points; throws InvalidArgument on NaN.
inline std::vector<Eigen::Index> pareto_front_indices(const Eigen::MatrixXd& points) {
  detail::check_no_nan("pareto_front_indices", points);
  const detail::ParetoRows rows = points;
  std::vector<Eigen::Index> front;
  // In lexicographic order a dominating point comes first; if any point dominates p, a point of
  // the front does too, so comparing with the front found so far is enough.
  for (Eigen::Index i : detail::lexicographic_order(rows)) {
    const bool dominated = std::any_of(front.begin(), front.end(), [&rows, i](Eigen::Index f) {
      return detail::dominates_row(rows.row(f).data(), rows.row(i).data(), rows.cols());
    });
    if (!dominated) front.push_back(i);
  }
  std::sort(front.begin(), front.end());
  return front;
}

/// NSGA-II crowding distance (Deb et al. 2002) of the points `front` (indices into `points`,
/// normally one front), in the order of `front`.
///
/// Per objective, the points are sorted (ties by position in `front`); the first and last get
/// +infinity, each other one adds (next - previous) / (max - min). An objective in which all
/// points are equal adds nothing, so duplicates and flat objectives give no NaN; fronts of one
/// or two points are all infinite. O(M F log F). Values must be finite.
inline Eigen::VectorXd crowding_distance(const Eigen::MatrixXd& points,
                                         const std::vector<Eigen::Index>& front) {
  for (Eigen::Index i : front)
    if (i < 0 || i >= points.rows())
      throw InvalidArgument(fmt::format(
          "hpo::crowding_distance: index {} out of range for {} points", i, points.rows()));
  const Eigen::MatrixXd f = points(front, Eigen::all);
  if (!f.allFinite())
    throw InvalidArgument("hpo::crowding_distance: the points of the front must be finite");
  const auto n = static_cast<Eigen::Index>(front.size());
  if (n <= 2) return Eigen::VectorXd::Constant(n, std::numeric_limits<double>::infinity());
  Eigen::VectorXd distance = Eigen::VectorXd::Zero(n);
  std::vector<Eigen::Index> order(front.size());
  for (Eigen::Index j = 0; j < f.cols(); ++j) {
    std::iota(order.begin(), order.end(), Eigen::Index{0});
    std::stable_sort(order.begin(), order.end(),
                     [&f, j](Eigen::Index a, Eigen::Index b) { return f(a, j) < f(b, j); });
    const double range = f(order.back(), j) - f(order.front(), j);
    if (range == 0.0) continue;
    distance(order.front()) = std::numeric_limits<double>::infinity();
    distance(order.back()) = std::numeric_limits<double>::infinity();
    for (std::size_t k = 1; k + 1 < order.size(); ++k)
      distance(order[k]) += (f(order[k + 1], j) - f(order[k - 1], j)) / range;
  }
  return distance;
}

}  // namespace hpo
