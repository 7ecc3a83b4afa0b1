// SPDX-License-Identifier: MIT
#pragma once

/// plot_intermediate_values: the learning curves of the trials, as reported with
/// Trial::report (x = step, y = intermediate value), one line per trial coloured by state.
///
/// Pruned trials get a marker at their last reported step: where the pruner stopped them.
///
/// Example:
/// ```
/// std::string svg = hpo::visualization::plot_intermediate_values(study);
/// ```

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "hpo/plot/axis.hpp"
#include "hpo/plot/chart.hpp"
#include "hpo/study/direction.hpp"
#include "hpo/study/study.hpp"
#include "hpo/trial/frozen_trial.hpp"
#include "hpo/trial/trial_state.hpp"
#include "hpo/visualization/plot_options.hpp"

namespace hpo::visualization {

/// The intermediate values of `study` as an SVG document: one line per trial that reported
/// any (complete blue, pruned orange with a marker at the step where it stopped, failed
/// vermillion, running grey). At most min(`options.max_trials`, 500) curves are drawn (0: no
/// limit) and each curve at most max(16, 60000 / curves) points, with a note when either cap
/// applies. The y axis is log10 when every value is > 0 and they span more than two decades.
/// Throws hpo::InvalidArgument when `options.objective` is out of range.
inline std::string plot_intermediate_values(const Study& study, const PlotOptions& options = {});

namespace detail {

/// Default cap on the number of curves of plot_intermediate_values.
inline constexpr std::size_t kMaxIntermediateCurves = 500;
/// Total number of points plot_intermediate_values draws over all curves, at most (roughly).
inline constexpr std::size_t kIntermediatePointBudget = 60000;

/// The chart plot_intermediate_values draws. Series, in order: one empty series per state
/// present (the legend), one unnamed line per trial, "Pruned: last step" markers, and
/// (with tooltips) unnamed end-of-curve markers for the other trials.
inline plot::Chart intermediate_values_chart(const Study& study, const PlotOptions& options) {
  check_objective(study, options, "plot_intermediate_values");
  std::vector<FrozenTrialPtr> reporting = study.trial_snapshots();
  reporting.erase(std::remove_if(reporting.begin(), reporting.end(),
                                 [](const FrozenTrialPtr& t) {
                                   return t->intermediate_values.empty() ||
                                          t->state == TrialState::Waiting;
                                 }),
                  reporting.end());

  plot::Chart chart;
  chart.title = options.title.empty() ? "Intermediate values" : options.title;
  chart.columns = 1;
  chart.panel_width = options.width > 0 ? options.width : 760;
  chart.panel_height = options.height > 0 ? options.height : 420;
  plot::Panel& panel = chart.add_panel("learning curves");
  panel.x.label = "step";
  panel.y.label = "intermediate value";

  const std::size_t cap =
      options.max_trials == 0 ? 0 : std::min(options.max_trials, kMaxIntermediateCurves);
  std::vector<FrozenTrialPtr> drawn = downsample(
      reporting, cap, options, objective_direction(study, options) == Direction::Minimize);
  // Complete curves first, pruned ones last: the short pruned curves stay visible on top.
  const auto layer = [](TrialState s) {
    return s == TrialState::Complete  ? 0
           : s == TrialState::Running ? 1
           : s == TrialState::Failed  ? 2
                                      : 3;
  };
  std::stable_sort(drawn.begin(), drawn.end(),
                   [&](const FrozenTrialPtr& a, const FrozenTrialPtr& b) {
                     return layer(a->state) < layer(b->state);
                   });
  const bool tooltips = drawn.size() <= options.max_tooltips;
  const std::size_t per_curve =
      std::max<std::size_t>(16, kIntermediatePointBudget / std::max<std::size_t>(drawn.size(), 1));
  panel.subtitle = fmt::format("{} of {} trials reported intermediate values", reporting.size(),
                               study.n_trials());

  // Legend first, one entry per state present, in a fixed order.
  const TrialState order[] = {TrialState::Complete, TrialState::Pruned, TrialState::Failed,
                              TrialState::Running};
  for (TrialState s : order) {
    const bool present = std::any_of(drawn.begin(), drawn.end(),
                                     [s](const FrozenTrialPtr& t) { return t->state == s; });
    if (!present) continue;
    plot::Series& legend = panel.add_series(std::string(to_string(s)), {}, {});
    legend.color = state_color(s);
    legend.width = 1.5;
  }

  plot::Series stops, ends;
  stops.name = "Pruned: last step";
  stops.color = state_color(TrialState::Pruned);
  stops.line = false;
  stops.markers = true;
  stops.width = 2.5;
  ends.line = false;
  ends.markers = true;
  ends.width = 0.5;

  std::vector<double> shown;
  bool thinned = false;
  for (const FrozenTrialPtr& t : drawn) {
    const std::size_t n = t->intermediate_values.size();
    const std::size_t keep = std::min(n, per_curve);
    thinned = thinned || keep < n;
    std::vector<double> xs, ys;
    xs.reserve(keep);
    ys.reserve(keep);
    // Evenly spaced reports, always the first and the last one.
    std::size_t i = 0, next = 0, k = 0;
    for (const auto& [step, value] : t->intermediate_values) {
      if (i == next) {
        xs.push_back(static_cast<double>(step));
        ys.push_back(value);
        shown.push_back(value);
        ++k;
        next = keep <= 1 ? n : k * (n - 1) / (keep - 1);
      }
      ++i;
    }
    plot::Series& curve = panel.add_series("", std::move(xs), std::move(ys));
    curve.color = state_color(t->state);
    curve.width = drawn.size() > 100 ? 0.8 : 1.2;
    const auto [last_step, last_value] = *t->intermediate_values.rbegin();
    plot::Series& mark = t->state == TrialState::Pruned ? stops : ends;
    if (&mark == &ends && !tooltips) continue;
    mark.x.push_back(static_cast<double>(last_step));
    mark.y.push_back(last_value);
    if (&mark == &ends) mark.point_colors.push_back(state_color(t->state));
    if (tooltips) mark.point_titles.push_back(trial_title(*t, options));
  }
  if (!stops.x.empty()) panel.series.push_back(std::move(stops));
  if (!ends.x.empty()) panel.series.push_back(std::move(ends));
  panel.y.scale = auto_scale(shown);

  std::vector<std::string> notes;
  if (reporting.empty()) notes.push_back("no intermediate values");
  const std::string sampled = downsample_note(drawn.size(), reporting.size());
  if (!sampled.empty()) notes.push_back(sampled);
  if (thinned) notes.push_back(fmt::format("at most {} steps per curve", per_curve));
  panel.note = fmt::format("{}", fmt::join(notes, "; "));
  return chart;
}

}  // namespace detail

inline std::string plot_intermediate_values(const Study& study, const PlotOptions& options) {
  return detail::intermediate_values_chart(study, options).to_svg();
}

}  // namespace hpo::visualization
