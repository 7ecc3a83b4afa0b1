// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "hpo/detail/tpe_history.hpp"

namespace hpo::detail {

/// Ranks in trial-number order of the observations `above` (coordinate, number): rank[i] is
/// the number of observations whose trial number is below above[i]'s. `count` is scratch.
inline void tpe_number_ranks(const std::vector<std::pair<double, int>>& above,
                             std::vector<int>& count, std::vector<int>& rank) {
  rank.resize(above.size());
  int max_number = -1;
  for (const auto& e : above) max_number = std::max(max_number, e.second);
  count.assign(static_cast<std::size_t>(max_number + 2), 0);
  for (const auto& e : above) count[static_cast<std::size_t>(e.second) + 1] = 1;
  for (std::size_t i = 1; i < count.size(); ++i) count[i] += count[i - 1];
  for (std::size_t i = 0; i < above.size(); ++i)
    rank[i] = count[static_cast<std::size_t>(above[i].second)];
}

/// The "above" observations of one parameter: those of a TpeColumn whose trials are not in
/// the below set, ascending by (coordinate, number), with their coordinates and ranks in
/// trial-number order, kept between suggestions.
///
/// An update reads only the trials folded into the column since the last one and the changes
/// of the below set: observations are inserted and removed in place, and when every trial
/// inserted is newer than all the others (the usual case) the other ranks stand. Otherwise
/// (or if the column started over) the ranks, or everything, are recomputed. The result is
/// always that of a rebuild from scratch.
class TpeAboveSet {
 public:
  /// Brings the set up to date with `column` (folded from `history`) and `below` (the below
  /// set's trial numbers, ascending).
  void update(const TpeHistory& history, const TpeColumn& column, const std::vector<int>& below) {
    if (!synced_ || column.resets() != resets_ || column.consumed() < consumed_ ||
        !apply_changes(history, column, below))
      rebuild(column, below);
    synced_ = true;
    resets_ = column.resets();
    consumed_ = column.consumed();
    below_ = below;
  }

  /// (coordinate, number), ascending.
  const std::vector<std::pair<double, int>>& sorted() const { return above_; }
  /// The coordinates of sorted().
  const std::vector<double>& mu() const { return mu_; }
  /// The ranks of sorted() in trial-number order.
  const std::vector<int>& rank() const { return rank_; }

  /// Everything recomputed from `column` and `below` (what update equals).
  void rebuild(const TpeColumn& column, const std::vector<int>& below) {
    in_below_.assign(column.size_by_number(), 0);
    for (int b : below)
      if (static_cast<std::size_t>(b) < in_below_.size())
        in_below_[static_cast<std::size_t>(b)] = 1;
    above_.clear();
    for (const auto& e : column.sorted())
      if (!in_below_[static_cast<std::size_t>(e.second)]) above_.push_back(e);
    mu_.resize(above_.size());
    for (std::size_t i = 0; i < above_.size(); ++i) mu_[i] = above_[i].first;
    tpe_number_ranks(above_, count_, rank_);
    max_number_ = -1;
    for (const auto& e : above_) max_number_ = std::max(max_number_, e.second);
  }

 private:
  /// Applies the changes since the last update; false if they are too many to apply one by
  /// one (then the caller rebuilds).
  bool apply_changes(const TpeHistory& history, const TpeColumn& column,
                     const std::vector<int>& below) {
    constexpr std::size_t kAtMost = 16;
    added_.clear(), removed_.clear(), fresh_.clear();
    const auto& log = history.log();
    if (column.consumed() - consumed_ > kAtMost || column.consumed() > log.size()) return false;
    for (std::size_t i = consumed_; i < column.consumed(); ++i) {
      const int q = log[i]->number;
      fresh_.push_back(q);
      const double c = column.at(q);
      if (!std::isnan(c) && !std::binary_search(below.begin(), below.end(), q))
        added_.emplace_back(c, q);
    }
    // Trials that left the below set come back above; old ones that entered it leave.
    for (int q : below_)
      if (!std::binary_search(below.begin(), below.end(), q) && !std::isnan(column.at(q)))
        added_.emplace_back(column.at(q), q);
    for (int q : below)
      if (!std::binary_search(below_.begin(), below_.end(), q) &&
          std::find(fresh_.begin(), fresh_.end(), q) == fresh_.end() && !std::isnan(column.at(q)))
        removed_.emplace_back(column.at(q), q);
    if (added_.size() + removed_.size() > kAtMost) return false;
    // Newest last, so that appended ranks follow trial-number order.
    std::sort(added_.begin(), added_.end(),
              [](const auto& x, const auto& y) { return x.second < y.second; });
    const bool newest = removed_.empty() && (added_.empty() || added_.front().second > max_number_);
    for (const auto& e : removed_) {
      const auto it = std::lower_bound(above_.begin(), above_.end(), e);
      if (it == above_.end() || *it != e) return false;
      const auto i = it - above_.begin();
      above_.erase(it);
      mu_.erase(mu_.begin() + i);
      rank_.erase(rank_.begin() + i);
    }
    for (const auto& e : added_) {
      const auto it = std::upper_bound(above_.begin(), above_.end(), e);
      const auto i = it - above_.begin();
      above_.insert(it, e);
      mu_.insert(mu_.begin() + i, e.first);
      // Provisional unless `newest`: recomputed below.
      rank_.insert(rank_.begin() + i, static_cast<int>(above_.size()) - 1);
      max_number_ = std::max(max_number_, e.second);
    }
    if (!newest) {
      tpe_number_ranks(above_, count_, rank_);
      max_number_ = -1;
      for (const auto& e : above_) max_number_ = std::max(max_number_, e.second);
    }
    return true;
  }

  bool synced_ = false;
  std::uint64_t resets_ = 0;
  std::size_t consumed_ = 0;
  int max_number_ = -1;
  std::vector<int> below_, fresh_, rank_, count_;
  std::vector<char> in_below_;
  std::vector<std::pair<double, int>> above_, added_, removed_;
  std::vector<double> mu_;
};

}  // namespace hpo::detail
