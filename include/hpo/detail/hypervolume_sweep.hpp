// SPDX-License-Identifier: MIT
#pragma once

/// Exact hypervolume in 1, 2 and 3 objectives by sweeps, for hpo/multi_objective/hypervolume.hpp.
///
/// Every function here takes points in minimization form that are all strictly better than the
/// reference point in every objective (the caller filters the others out), one point per row.

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <map>
#include <numeric>
#include <vector>

#include <Eigen/Core>

namespace hpo::detail {

/// Points stored row by row, so that one point's objectives are contiguous.
using HvPoints = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// Indices 0..n-1 of the rows of `p` sorted by column `first`, ties by column `second`.
inline std::vector<Eigen::Index> hv_order(const HvPoints& p, Eigen::Index first,
                                          Eigen::Index second) {
  std::vector<Eigen::Index> order(static_cast<std::size_t>(p.rows()));
  std::iota(order.begin(), order.end(), Eigen::Index{0});
  std::sort(order.begin(), order.end(), [&p, first, second](Eigen::Index a, Eigen::Index b) {
    return p(a, first) < p(b, first) || (p(a, first) == p(b, first) && p(a, second) < p(b, second));
  });
  return order;
}

/// 1 objective: the length from the best point to the reference.
inline double hypervolume_1d(const HvPoints& p, const Eigen::VectorXd& ref) {
  return p.rows() == 0 ? 0.0 : ref(0) - p.col(0).minCoeff();
}

/// 2 objectives in O(n log n): sweep along the first objective; each point that improves the
/// best second objective so far adds the rectangle between it, the reference and that best.
inline double hypervolume_2d(const HvPoints& p, const Eigen::VectorXd& ref) {
  double best_y = ref(1);
  double area = 0.0;
  for (Eigen::Index i : hv_order(p, 0, 1)) {
    if (p(i, 1) >= best_y) continue;  // dominated by an earlier point (or equal to it)
    area += (ref(0) - p(i, 0)) * (best_y - p(i, 1));
    best_y = p(i, 1);
  }
  return area;
}

/// A 2-D staircase: the non-dominated points seen so far, keyed by first objective (increasing)
/// with their second objective (then strictly decreasing), and the area they dominate up to the
/// reference corner.
class Staircase2d {
 public:
  Staircase2d(double ref_x, double ref_y) : ref_x_(ref_x), ref_y_(ref_y) {}

  /// The area dominated by the points inserted so far.
  double area() const { return area_; }

  /// Adds (x, y), strictly better than the reference, and returns the area it adds: 0 if an
  /// earlier point dominates it or equals it; otherwise the points it dominates leave the
  /// staircase. Amortized O(log n): each point enters and leaves at most once.
  double insert(double x, double y) {
    auto it = steps_.lower_bound(x);  // first step with x' >= x
    // Among the steps with x' <= x, the last has the lowest y': p is dominated iff y' <= y.
    if (it != steps_.end() && it->first == x) {
      if (it->second <= y) return 0.0;
    } else if (it != steps_.begin() && std::prev(it)->second <= y) {
      return 0.0;
    }
    // The added area, strip by strip from x rightwards: each strip was covered up to the y of
    // the step ruling it and is now covered up to y.
    double strip_x = x;
    double strip_y = it == steps_.begin() ? ref_y_ : std::prev(it)->second;
    double added = 0.0;
    while (it != steps_.end() && it->second >= y) {  // x' >= x and y' >= y: dominated by p
      added += (it->first - strip_x) * (strip_y - y);
      strip_x = it->first;
      strip_y = it->second;
      it = steps_.erase(it);
    }
    const double end_x = it == steps_.end() ? ref_x_ : it->first;
    added += (end_x - strip_x) * (strip_y - y);
    steps_.emplace_hint(it, x, y);
    area_ += added;
    return added;
  }

 private:
  std::map<double, double> steps_;
  double ref_x_;
  double ref_y_;
  double area_ = 0.0;
};

/// 3 objectives in O(n log n) (Beume, Fonseca, López-Ibáñez, Paquete, Vahrenhold 2009): sweep
/// along the third objective; between two consecutive points the dominated cross-section is
/// the area of the 2-D staircase of the points passed so far, updated as each point is added.
inline double hypervolume_3d(const HvPoints& p, const Eigen::VectorXd& ref) {
  const std::vector<Eigen::Index> order = hv_order(p, 2, 0);
  Staircase2d staircase(ref(0), ref(1));
  double volume = 0.0;
  for (std::size_t k = 0; k < order.size(); ++k) {
    const Eigen::Index i = order[k];
    staircase.insert(p(i, 0), p(i, 1));
    const double next_z = k + 1 < order.size() ? p(order[k + 1], 2) : ref(2);
    volume += staircase.area() * (next_z - p(i, 2));
  }
  return volume;
}

}  // namespace hpo::detail
