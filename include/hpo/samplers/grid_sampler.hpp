// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <climits>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "hpo/detail/rng.hpp"
#include "hpo/errors.hpp"
#include "hpo/samplers/sampler.hpp"

namespace hpo {

/// Evaluates every combination of a grid of parameter values exactly once, then reports itself
/// exhausted, which ends Study::optimize (also with n_jobs > 1).
///
/// Grid points are numbered in mixed radix over the parameter names in order (the last name
/// varies fastest) and visited in that order, or in a seeded random order. Each trial records
/// its point as the system attribute "grid_id". Enqueued trials with fixed parameters take no
/// grid point; their other grid parameters are drawn from the grid at random.
class GridSampler final : public Sampler {
 public:
  /// Parameter name -> the values to try.
  using Grid = std::map<std::string, std::vector<ParamValue>>;

  /// Visits the grid in order.
  explicit GridSampler(Grid grid) : grid_(std::move(grid)) { init(); }
  /// Visits the grid in a random order fixed by `seed`.
  GridSampler(Grid grid, std::uint64_t seed) : grid_(std::move(grid)), seed_(seed) { init(); }

  AttrMap before_trial(const StudyView& study, const FrozenTrial& trial) override {
    if (!trial.fixed_params.empty()) return {};
    sync(study);
    while (next_ < total_ && visited_.count(point(next_)) != 0) ++next_;
    if (next_ >= total_)
      throw Error(fmt::format("hpo::GridSampler: all {} grid points have been used", total_));
    const std::int64_t id = point(next_++);
    visited_.insert(id);
    return {{"grid_id", id}};
  }

  double sample_independent(const StudyView&, const FrozenTrial& trial, const std::string& name,
                            const Distribution& distribution) override {
    const auto values = grid_.find(name);
    if (values == grid_.end())
      throw UnknownName(fmt::format("hpo::GridSampler: parameter '{}' is not in the grid", name));
    std::size_t index = 0;
    const auto id = trial.system_attrs.find("grid_id");
    if (id != trial.system_attrs.end()) {
      index = static_cast<std::size_t>((id->second.as<std::int64_t>() / strides_.at(name)) %
                                       static_cast<std::int64_t>(values->second.size()));
    } else {
      auto rng = detail::Rng::stream(seed_.value_or(0), static_cast<std::uint64_t>(trial.number),
                                     detail::hash_name(name));
      index = static_cast<std::size_t>(rng.below(values->second.size()));
    }
    try {
      return to_internal(distribution, values->second[index]);
    } catch (const Error& e) {
      throw InvalidArgument(
          fmt::format("hpo::GridSampler: parameter '{}': grid value {}", name, e.what()));
    }
  }

  bool is_exhausted(const StudyView& study) override {
    sync(study);
    return static_cast<std::int64_t>(visited_.size()) >= total_;
  }

  void reseed(std::uint64_t seed) override {
    seed_ = seed;
    shuffle();
  }
  std::string name() const override { return "grid"; }

  /// Number of grid points.
  std::int64_t size() const { return total_; }
  /// The grid point with number `id`, name -> value.
  ParamMap point_values(std::int64_t id) const {
    ParamMap m;
    for (const auto& [name, values] : grid_)
      m.emplace(name, values[static_cast<std::size_t>((id / strides_.at(name)) %
                                                      static_cast<std::int64_t>(values.size()))]);
    return m;
  }

 private:
  void init() {
    if (grid_.empty()) throw InvalidArgument("hpo::GridSampler: the grid is empty");
    std::int64_t stride = 1;
    for (auto it = grid_.rbegin(); it != grid_.rend(); ++it) {
      const auto& [name, values] = *it;
      if (values.empty())
        throw InvalidArgument(fmt::format("hpo::GridSampler: parameter '{}' has no values", name));
      for (std::size_t i = 0; i < values.size(); ++i)
        for (std::size_t j = i + 1; j < values.size(); ++j)
          if (values[i] == values[j])
            throw InvalidArgument(
                fmt::format("hpo::GridSampler: parameter '{}' lists {} twice", name, values[i]));
      strides_[name] = stride;
      const auto n = static_cast<std::int64_t>(values.size());
      if (stride > std::numeric_limits<std::int64_t>::max() / n)
        throw InvalidArgument("hpo::GridSampler: the grid has more than 2^63 points");
      stride *= n;
    }
    total_ = stride;
    shuffle();
  }

  void shuffle() {
    order_.clear();
    if (!seed_) return;
    if (total_ > kMaxShuffled)
      throw InvalidArgument(fmt::format(
          "hpo::GridSampler: a seeded (shuffled) grid holds at most {} points (got {}); use the "
          "ordered GridSampler(grid) for larger grids",
          kMaxShuffled, total_));
    order_.resize(static_cast<std::size_t>(total_));
    for (std::int64_t i = 0; i < total_; ++i) order_[static_cast<std::size_t>(i)] = i;
    detail::Rng rng(*seed_);
    for (std::size_t i = order_.size(); i > 1; --i)
      std::swap(order_[i - 1], order_[static_cast<std::size_t>(rng.below(i))]);
    next_ = 0;
  }

  std::int64_t point(std::int64_t k) const {
    return order_.empty() ? k : order_[static_cast<std::size_t>(k)];
  }

  // Marks the grid points of trials this sampler has not seen yet (resumed studies, other
  // processes); reads each trial once.
  void sync(const StudyView& study) {
    for (const auto& t : study.trials(TrialStates::all(), TrialRange{cursor_, INT_MAX})) {
      const auto id = t->system_attrs.find("grid_id");
      if (id != t->system_attrs.end() && id->second.is_int())
        visited_.insert(id->second.as<std::int64_t>());
      cursor_ = std::max(cursor_, t->number + 1);
    }
  }

  // The shuffled order is stored: 8 bytes per point.
  static constexpr std::int64_t kMaxShuffled = 10'000'000;

  Grid grid_;
  std::optional<std::uint64_t> seed_;
  std::map<std::string, std::int64_t> strides_;
  std::vector<std::int64_t> order_;
  std::int64_t total_ = 0;
  std::int64_t next_ = 0;
  std::set<std::int64_t> visited_;
  int cursor_ = 0;
};

}  // namespace hpo
