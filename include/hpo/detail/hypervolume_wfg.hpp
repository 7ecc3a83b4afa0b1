// SPDX-License-Identifier: MIT
#pragma once

/// Exact hypervolume in any number of objectives (WFG) and exclusive contributions, for
/// hpo/multi_objective/hypervolume.hpp. Points as in hypervolume_sweep.hpp: minimization form,
/// one per row, all strictly better than the reference.

#include <algorithm>
#include <cstddef>
#include <numeric>
#include <vector>

#include <Eigen/Core>

#include "hpo/detail/hypervolume_sweep.hpp"

namespace hpo::detail {

/// The rows of `p` that no other row weakly dominates (one copy of equal rows). Lexicographic
/// order puts a weakly dominating row first, so each row is compared with the kept ones only.
inline HvPoints hv_nondominated(const HvPoints& p) {
  const Eigen::Index d = p.cols();
  std::vector<Eigen::Index> order(static_cast<std::size_t>(p.rows()));
  std::iota(order.begin(), order.end(), Eigen::Index{0});
  std::sort(order.begin(), order.end(), [&p, d](Eigen::Index a, Eigen::Index b) {
    return std::lexicographical_compare(p.row(a).data(), p.row(a).data() + d, p.row(b).data(),
                                        p.row(b).data() + d);
  });
  std::vector<Eigen::Index> kept;
  for (Eigen::Index i : order) {
    const bool covered = std::any_of(kept.begin(), kept.end(), [&p, i](Eigen::Index k) {
      return (p.row(k).array() <= p.row(i).array()).all();
    });
    if (!covered) kept.push_back(i);
  }
  return p(kept, Eigen::all);
}

/// `p` with every row replaced by its componentwise maximum with `q`: the region that both q
/// and each point dominate (WFG's limit set, before removing dominated rows).
inline HvPoints hv_limit_set(const HvPoints& p, const Eigen::RowVectorXd& q) {
  return p.cwiseMax(q.replicate(p.rows(), 1));
}

inline double hypervolume_wfg(const HvPoints& p, const Eigen::VectorXd& ref,
                              Eigen::Index sweep_dimension = 3);

/// The hypervolume by the sweep for 1-3 objectives (up to `sweep_dimension`), WFG beyond.
inline double hypervolume_exact(const HvPoints& p, const Eigen::VectorXd& ref,
                                Eigen::Index sweep_dimension = 3) {
  if (p.rows() == 0) return 0.0;
  const Eigen::Index d = p.cols();
  if (d <= sweep_dimension) {
    if (d == 1) return hypervolume_1d(p, ref);
    if (d == 2) return hypervolume_2d(p, ref);
    if (d == 3) return hypervolume_3d(p, ref);
  }
  return hypervolume_wfg(p, ref, sweep_dimension);
}

/// WFG (While, Bradstreet, Barone 2012), with the last objective as slicing axis: with the
/// points sorted worst first in it, the exclusive part of point k over the points after it is a
/// slab of depth (ref - z_k) times the (d-1)-objective exclusive hypervolume of its first d-1
/// objectives, i.e. its box minus the hypervolume of its limit set (the points after it, each
/// clipped to the box). Limit sets shrink once dominated rows are removed, which is what makes
/// WFG fast in practice; the recursion ends in the sweeps (sweep_dimension >= 1).
inline double hypervolume_wfg(const HvPoints& p, const Eigen::VectorXd& ref,
                              Eigen::Index sweep_dimension) {
  const Eigen::Index n = p.rows();
  const Eigen::Index d = p.cols();
  if (n == 0) return 0.0;
  if (d == 1) return hypervolume_1d(p, ref);
  if (n == 1) return (ref.transpose() - p.row(0)).prod();
  const Eigen::Index m = d - 1;
  std::vector<Eigen::Index> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), Eigen::Index{0});
  std::sort(order.begin(), order.end(),
            [&p, m](Eigen::Index a, Eigen::Index b) { return p(a, m) > p(b, m); });
  const HvPoints sorted = p(order, Eigen::seqN(0, m));
  const Eigen::VectorXd ref_head = ref.head(m);
  double volume = 0.0;
  for (Eigen::Index k = 0; k < n; ++k) {
    const double depth = ref(m) - p(order[static_cast<std::size_t>(k)], m);
    if (depth == 0.0) continue;
    const Eigen::RowVectorXd point = sorted.row(k);
    double exclusive = (ref_head.transpose() - point).prod();
    if (k + 1 < n) {
      const HvPoints limit = hv_limit_set(sorted.bottomRows(n - k - 1), point);
      // The sweeps handle dominated points themselves; WFG needs them gone.
      exclusive -= hypervolume_exact(m <= sweep_dimension ? limit : hv_nondominated(limit),
                                     ref_head, sweep_dimension);
    }
    volume += depth * exclusive;
  }
  return volume;
}

/// Exclusive contributions in 2 objectives in O(n log n). Sorted by the first objective, each
/// front point i owns the points after it up to the next front point. Its exclusive region is
/// the rectangle from it to (next front point's x, previous front point's y), less what the
/// points it owns cover there (they are dominated by i only; a 2-D sweep inside the rectangle).
inline Eigen::VectorXd hypervolume_contributions_2d(const HvPoints& p, const Eigen::VectorXd& ref) {
  const std::vector<Eigen::Index> order = hv_order(p, 0, 1);
  const auto n = order.size();
  Eigen::VectorXd out = Eigen::VectorXd::Zero(p.rows());
  double upper = ref(1);  // y of the previous front point
  for (std::size_t s = 0; s < n;) {
    const Eigen::Index front = order[s];
    std::size_t t = s + 1;
    while (t < n && p(order[t], 1) >= p(front, 1)) ++t;  // dominated by (or equal to) `front`
    const double right = t < n ? p(order[t], 0) : ref(0);
    double hidden = 0.0;
    double best = upper;
    for (std::size_t u = s + 1; u < t; ++u) {
      const Eigen::Index q = order[u];
      if (p(q, 1) >= best) continue;
      hidden += (right - p(q, 0)) * (best - p(q, 1));
      best = p(q, 1);
    }
    out(front) = (right - p(front, 0)) * (upper - p(front, 1)) - hidden;
    upper = p(front, 1);
    s = t;
  }
  return out;
}

/// Exclusive contributions in any number of objectives: point i's box less the hypervolume of
/// its limit set over all other points; 0 at once for a point another one weakly dominates.
/// O(n) hypervolume computations of up to n - 1 points: O(n^2 log n) for 3 objectives.
inline Eigen::VectorXd hypervolume_contributions_general(const HvPoints& p,
                                                         const Eigen::VectorXd& ref) {
  const Eigen::Index n = p.rows();
  const Eigen::Index d = p.cols();
  Eigen::VectorXd out = Eigen::VectorXd::Zero(n);
  HvPoints others(n > 0 ? n - 1 : 0, d);
  for (Eigen::Index i = 0; i < n; ++i) {
    const Eigen::RowVectorXd point = p.row(i);
    bool covered = false;
    for (Eigen::Index j = 0, r = 0; j < n; ++j) {
      if (j == i) continue;
      others.row(r++) = p.row(j);
      covered = covered || (p.row(j).array() <= point.array()).all();
    }
    if (covered) continue;
    const HvPoints limit = hv_limit_set(others, point);
    out(i) = (ref.transpose() - point).prod() -
             hypervolume_exact(d <= 3 ? limit : hv_nondominated(limit), ref);
  }
  return out;
}

}  // namespace hpo::detail
