// SPDX-License-Identifier: MIT
#pragma once

/// Hypervolume indicator and exclusive hypervolume contributions, exact, in minimization form.
///
/// The hypervolume of a set of points is the measure of the region they dominate up to a
/// reference point: the union of the boxes [p, reference) over the points p. Points are the rows
/// of an Eigen matrix, one column per objective, smaller is better (see `to_minimization` in
/// hpo/multi_objective/pareto.hpp).

#include <cmath>
#include <cstddef>
#include <vector>

#include <fmt/format.h>
#include <Eigen/Core>

#include "hpo/detail/hypervolume_sweep.hpp"
#include "hpo/detail/hypervolume_wfg.hpp"
#include "hpo/errors.hpp"

namespace hpo {

namespace detail {

/// Throws InvalidArgument unless `reference` is finite with one value per column of `points`
/// and `points` holds no NaN and no -inf.
inline void check_hypervolume_input(const char* function, const Eigen::MatrixXd& points,
                                    const Eigen::VectorXd& reference) {
  if (points.cols() == 0)
    throw InvalidArgument(
        fmt::format("hpo::{}: the points have no objective (0 columns)", function));
  if (reference.size() != points.cols())
    throw InvalidArgument(fmt::format(
        "hpo::{}: the reference point has {} values but the points have {} objectives (columns)",
        function, reference.size(), points.cols()));
  for (Eigen::Index j = 0; j < reference.size(); ++j)
    if (!std::isfinite(reference(j)))
      throw InvalidArgument(
          fmt::format("hpo::{}: reference({}) is {}: the reference point must be finite", function,
                      j, reference(j)));
  for (Eigen::Index i = 0; i < points.rows(); ++i)
    for (Eigen::Index j = 0; j < points.cols(); ++j)
      if (std::isnan(points(i, j)) || (std::isinf(points(i, j)) && points(i, j) < 0.0))
        throw InvalidArgument(fmt::format(
            "hpo::{}: points({}, {}) is {}: points may hold finite values and +inf only", function,
            i, j, points(i, j)));
}

/// Indices of the points strictly better than `reference` in every objective.
inline std::vector<Eigen::Index> inside_reference(const Eigen::MatrixXd& points,
                                                  const Eigen::VectorXd& reference) {
  std::vector<Eigen::Index> inside;
  for (Eigen::Index i = 0; i < points.rows(); ++i)
    if ((points.row(i).transpose().array() < reference.array()).all()) inside.push_back(i);
  return inside;
}

}  // namespace detail

/// The exact hypervolume of `points` (minimization, one row per point) up to `reference`.
///
/// Only points strictly better than the reference in every objective count; the others
/// (including points equal to it in some objective) dominate no volume and are ignored, so
/// the result is 0 when there are none. Dominated and repeated points are allowed.
///
/// Algorithms, for n points: 1 objective O(n); 2 objectives O(n log n) (sweep); 3 objectives
/// O(n log n) (sweep of Beume et al. 2009); 4 and more WFG (While et al. 2012) down to the
/// 3-objective sweep: O(n^2 log n) for 4 objectives, exponential in the number of objectives
/// in the worst case beyond.
///
/// Throws InvalidArgument if the points have no column, `reference` does not have one value
/// per column or is not finite, or a point holds NaN or -inf (+inf is fine: such a point is
/// ignored).
inline double hypervolume(const Eigen::MatrixXd& points, const Eigen::VectorXd& reference) {
  detail::check_hypervolume_input("hypervolume", points, reference);
  const detail::HvPoints inside = points(detail::inside_reference(points, reference), Eigen::all);
  return detail::hypervolume_exact(inside, reference);
}

/// The exclusive hypervolume contribution of each point: hypervolume(all) minus hypervolume(all
/// but that point), as MOTPE weighs its good trials. Points outside the reference (see
/// `hypervolume`), points another point weakly dominates and repeated points contribute 0.
///
/// 2 objectives: O(n log n), from each front point's neighbours and the points only it
/// dominates. Otherwise, for each point not weakly dominated, its box less the hypervolume of
/// its box intersected with the other points: n hypervolume computations of n - 1 points, e.g.
/// O(n^2 log n) for 3 objectives. Same input rules and exceptions as `hypervolume`.
inline Eigen::VectorXd hypervolume_contributions(const Eigen::MatrixXd& points,
                                                 const Eigen::VectorXd& reference) {
  detail::check_hypervolume_input("hypervolume_contributions", points, reference);
  const std::vector<Eigen::Index> inside = detail::inside_reference(points, reference);
  const detail::HvPoints p = points(inside, Eigen::all);
  const Eigen::VectorXd c = points.cols() == 2
                                ? detail::hypervolume_contributions_2d(p, reference)
                                : detail::hypervolume_contributions_general(p, reference);
  Eigen::VectorXd out = Eigen::VectorXd::Zero(points.rows());
  // A loop rather than out(inside) = c: GCC 12 at -O3 warns (-Wfree-nonheap-object, a false
  // positive) inside Eigen's indexed view of a vector.
  for (std::size_t k = 0; k < inside.size(); ++k) out[inside[k]] = c[static_cast<Eigen::Index>(k)];
  return out;
}

}  // namespace hpo
