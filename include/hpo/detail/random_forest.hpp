// SPDX-License-Identifier: MIT
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <vector>

#include "hpo/detail/rng.hpp"

namespace hpo::detail {

/// One node of a regression tree: a split (feature >= 0: x[feature] <= threshold goes left) or
/// a leaf (feature == -1) predicting `value`.
struct TreeNode {
  int feature = -1;
  double threshold = 0.0;
  int left = -1, right = -1;
  double value = 0.0;
};

/// A regression tree: nodes[0] is the root.
struct RegressionTree {
  std::vector<TreeNode> nodes;

  double predict(const double* x) const {
    int k = 0;
    while (nodes[static_cast<std::size_t>(k)].feature >= 0) {
      const TreeNode& n = nodes[static_cast<std::size_t>(k)];
      k = x[n.feature] <= n.threshold ? n.left : n.right;
    }
    return nodes[static_cast<std::size_t>(k)].value;
  }
};

/// Settings of fit_forest; the defaults are those Optuna's fANOVA gives scikit-learn's
/// RandomForestRegressor.
struct ForestOptions {
  int n_trees = 64;
  int max_depth = 64;
  std::uint64_t seed = 0;
};

/// A random forest of regression trees (Breiman 2001, in scikit-learn's default form for
/// regression): each tree is grown on a bootstrap sample of the n rows, splitting each node on
/// the feature and threshold that most reduce the squared error, over every feature (no feature
/// subsampling; features tried in a random order, the first best kept), with thresholds halfway
/// between consecutive distinct values, until a node is pure, holds one row, has no split or
/// reaches max_depth. Rows drawn several times count several times. Each feature's rows are
/// sorted once per tree and partitioned at each split, so a tree costs O(d n depth).
inline std::vector<RegressionTree> fit_forest(const Eigen::MatrixXd& x, const Eigen::VectorXd& y,
                                              const ForestOptions& options) {
  const auto n = static_cast<int>(x.rows());
  const auto d = static_cast<int>(x.cols());
  std::vector<RegressionTree> forest(static_cast<std::size_t>(std::max(options.n_trees, 0)));
  if (n == 0) return forest;
  // Row indices sorted by each feature, shared by the trees (bootstrap counts select rows).
  std::vector<std::vector<int>> sorted(static_cast<std::size_t>(d));
  for (int f = 0; f < d; ++f) {
    auto& s = sorted[static_cast<std::size_t>(f)];
    s.resize(static_cast<std::size_t>(n));
    std::iota(s.begin(), s.end(), 0);
    std::stable_sort(s.begin(), s.end(), [&](int a, int b) { return x(a, f) < x(b, f); });
  }
  std::vector<double> count(static_cast<std::size_t>(n));
  std::vector<char> goes_left(static_cast<std::size_t>(n));
  std::vector<int> features(static_cast<std::size_t>(d)), scratch;
  for (std::size_t tree_index = 0; tree_index < forest.size(); ++tree_index) {
    Rng rng = Rng::stream(options.seed, 0x666f72657374ULL, tree_index);
    std::fill(count.begin(), count.end(), 0.0);
    for (int i = 0; i < n; ++i) count[rng.below(static_cast<std::uint64_t>(n))] += 1.0;
    // Per feature, the drawn rows in order; a node owns the same range [begin, end) of each.
    std::vector<std::vector<int>> order(static_cast<std::size_t>(d));
    for (int f = 0; f < d; ++f)
      for (int r : sorted[static_cast<std::size_t>(f)])
        if (count[static_cast<std::size_t>(r)] > 0) order[static_cast<std::size_t>(f)].push_back(r);
    const auto m = static_cast<int>(order.empty() ? 0 : order[0].size());
    std::vector<TreeNode>& nodes = forest[tree_index].nodes;
    struct Task {
      int node, begin, end, depth;
    };
    std::vector<Task> stack{{0, 0, m, 0}};
    nodes.assign(1, TreeNode{});
    if (d == 0) {
      // No feature: the tree is the weighted mean.
      double w = 0.0, s = 0.0;
      for (int i = 0; i < n; ++i)
        w += count[static_cast<std::size_t>(i)], s += count[static_cast<std::size_t>(i)] * y[i];
      nodes[0].value = s / w;
      continue;
    }
    while (!stack.empty()) {
      const Task task = stack.back();
      stack.pop_back();
      const auto& rows0 = order[0];
      double w = 0.0, s = 0.0, ss = 0.0;
      for (int k = task.begin; k < task.end; ++k) {
        const int r = rows0[static_cast<std::size_t>(k)];
        const double c = count[static_cast<std::size_t>(r)];
        w += c, s += c * y[r], ss += c * y[r] * y[r];
      }
      nodes[static_cast<std::size_t>(task.node)].value = s / w;
      const double sse = ss - s * s / w;
      if (task.depth >= options.max_depth || w < 2.0 || !(sse > 1e-12 * std::max(1.0, ss)))
        continue;
      // The best split: the largest S_L^2 / W_L + S_R^2 / W_R.
      std::iota(features.begin(), features.end(), 0);
      for (int i = d - 1; i > 0; --i)
        std::swap(features[static_cast<std::size_t>(i)],
                  features[rng.below(static_cast<std::uint64_t>(i) + 1)]);
      double best = s * s / w * (1.0 + 1e-12) + 1e-300;
      int best_feature = -1;
      double best_threshold = 0.0;
      for (int f : features) {
        const auto& rows = order[static_cast<std::size_t>(f)];
        double wl = 0.0, sl = 0.0;
        for (int k = task.begin; k + 1 < task.end; ++k) {
          const int r = rows[static_cast<std::size_t>(k)];
          const double c = count[static_cast<std::size_t>(r)];
          wl += c, sl += c * y[r];
          const double here = x(r, f), next = x(rows[static_cast<std::size_t>(k) + 1], f);
          if (!(next > here)) continue;
          const double wr = w - wl, sr = s - sl;
          const double gain = sl * sl / wl + sr * sr / wr;
          if (gain > best) {
            best = gain, best_feature = f;
            best_threshold = here + 0.5 * (next - here);
            if (!(best_threshold < next)) best_threshold = here;
          }
        }
      }
      if (best_feature < 0) continue;
      // Partition every feature's range, keeping each side's order.
      int n_left = 0;
      for (int k = task.begin; k < task.end; ++k) {
        const int r = order[static_cast<std::size_t>(best_feature)][static_cast<std::size_t>(k)];
        const bool left = x(r, best_feature) <= best_threshold;
        goes_left[static_cast<std::size_t>(r)] = left;
        n_left += left;
      }
      for (int f = 0; f < d; ++f) {
        auto& rows = order[static_cast<std::size_t>(f)];
        scratch.clear();
        int at = task.begin;
        for (int k = task.begin; k < task.end; ++k) {
          const int r = rows[static_cast<std::size_t>(k)];
          if (goes_left[static_cast<std::size_t>(r)])
            rows[static_cast<std::size_t>(at++)] = r;
          else
            scratch.push_back(r);
        }
        std::copy(scratch.begin(), scratch.end(), rows.begin() + at);
      }
      const auto left = static_cast<int>(nodes.size()), right = left + 1;
      TreeNode& node = nodes[static_cast<std::size_t>(task.node)];
      node.feature = best_feature, node.threshold = best_threshold;
      node.left = left, node.right = right;
      nodes.emplace_back();
      nodes.emplace_back();
      const int mid = task.begin + n_left;
      stack.push_back({right, mid, task.end, task.depth + 1});
      stack.push_back({left, task.begin, mid, task.depth + 1});
    }
  }
  return forest;
}

}  // namespace hpo::detail
