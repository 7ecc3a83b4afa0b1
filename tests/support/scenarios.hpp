// SPDX-License-Identifier: MIT
#pragma once

/// Helpers shared by the pruner, early-stopping and schedule tests.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "hpo/errors.hpp"
#include "hpo/study/study.hpp"
#include "hpo/trial/frozen_trial.hpp"
#include "hpo/trial/trial.hpp"
#include "hpo/trial/trial_state.hpp"

namespace hpo_test {

/// A quiet NaN, for reports and values that are not numbers.
inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// Intermediate values by step.
using Reports = std::map<std::int64_t, double>;

/// A finished trial for Study::add_trial: Complete (value = last report) or Pruned.
inline hpo::FrozenTrial finished(hpo::TrialState state, Reports reports) {
  hpo::FrozenTrial t;
  t.state = state;
  if (state == hpo::TrialState::Complete) t.values = {reports.rbegin()->second};
  t.intermediate_values = std::move(reports);
  return t;
}

/// Adds a Complete trial with these intermediate values and objective value 0 (irrelevant).
inline void add_completed(hpo::Study& study, Reports intermediate) {
  hpo::FrozenTrial t;
  t.state = hpo::TrialState::Complete;
  t.values = {0.0};
  t.intermediate_values = std::move(intermediate);
  study.add_trial(std::move(t));
}

/// How first_pruned_step() tells a kept trial: Pruned, or Complete with its last report.
enum class IfKept { TellPruned, TellComplete };

/// A new trial reports `reports` in order, asking should_prune() after each: the pruned step or -1.
template <class Sequence = Reports>
std::int64_t first_pruned_step(hpo::Study& study, const Sequence& reports,
                               IfKept if_kept = IfKept::TellPruned) {
  hpo::Trial trial = study.ask();
  double last = kNaN;
  for (const auto& [step, value] : reports) {
    trial.report(step, value);
    last = value;
    if (trial.should_prune()) {
      study.tell(trial, hpo::TrialState::Pruned);
      return step;
    }
  }
  if (if_kept == IfKept::TellComplete) {
    study.tell(trial, last);
  } else {
    study.tell(trial, hpo::TrialState::Pruned);
  }
  return -1;
}

/// The message of the hpo::InvalidArgument that `make` throws, or "" if it throws none.
template <class Make>
std::string invalid_argument_message(Make&& make) {
  try {
    make();
  } catch (const hpo::InvalidArgument& e) {
    return e.what();
  }
  return "";
}

/// Whether `text` contains `part`.
inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// An objective whose trial reports the curve x + 1/(step + 1) for steps 0..last_step, asking
/// should_prune() after every report (x = the suggested float "x" in [0, 1]).
inline auto decaying_curve(std::int64_t last_step) {
  return [last_step](hpo::Trial& t) {
    const double x = t.suggest_float("x", 0.0, 1.0);
    double value = 0.0;
    for (std::int64_t step = 0; step <= last_step; ++step) {
      value = x + 1.0 / static_cast<double>(step + 1);
      t.report(step, value);
      if (t.should_prune()) throw hpo::TrialPruned();
    }
    return value;
  };
}

/// Asks `n` trials of a study on Branin's box (x in [-5, 10], y in [0, 15]) without telling
/// any, so that each sees the others running, and returns the smallest distance between two of
/// their points, the box scaled to the unit square.
inline double closest_concurrent_branin_asks(hpo::Study& study, int n) {
  std::vector<hpo::Trial> trials;
  std::vector<std::pair<double, double>> points;
  for (int i = 0; i < n; ++i) {
    trials.push_back(study.ask());
    const double x = trials.back().suggest_float("x", -5.0, 10.0);
    const double y = trials.back().suggest_float("y", 0.0, 15.0);
    points.emplace_back(x / 15.0, y / 15.0);
  }
  double closest = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < points.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      closest = std::min(closest, std::hypot(points[i].first - points[j].first,
                                             points[i].second - points[j].second));
  return closest;
}

}  // namespace hpo_test
