// SPDX-License-Identifier: MIT
#pragma once

/// plot_optimization_history: the objective value of every finished trial against its number,
/// with the best value so far as a step line.
///
/// Complete trials are blue markers, pruned trials with a value (their last intermediate
/// value) orange ones, and trials without a value (failed, or pruned before reporting) sit on
/// the bottom edge of the plot, so that a reader sees where failures happened.
///
/// Example:
/// ```
/// std::string svg = hpo::visualization::plot_optimization_history(study);
/// ```

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "hpo/plot/axis.hpp"
#include "hpo/plot/chart.hpp"
#include "hpo/study/direction.hpp"
#include "hpo/study/study.hpp"
#include "hpo/trial/frozen_trial.hpp"
#include "hpo/trial/trial_state.hpp"
#include "hpo/visualization/plot_options.hpp"

namespace hpo::visualization {

/// The optimization history of `study` as an SVG document: one marker per finished trial
/// (x = trial number, y = `options.objective`, coloured by state), failed trials on the bottom
/// edge, and the best value so far (in the objective's direction; feasible trials only once
/// any trial has constraints) as a step line. The y axis is log10 when every drawn value is
/// > 0 and they span more than two decades. Throws hpo::InvalidArgument when
/// `options.objective` is out of range.
inline std::string plot_optimization_history(const Study& study, const PlotOptions& options = {});

namespace detail {

/// The value `t` shows in the history: its objective value, else (a pruned trial of a
/// single-objective study) its last intermediate value; NaN when it has neither.
inline double history_value(const FrozenTrial& t, const PlotOptions& options, bool single) {
  double v = objective_value(t, options);
  if (!std::isfinite(v) && single && t.state == TrialState::Pruned) {
    if (const auto last = t.last_intermediate()) v = last->second;
  }
  return v;
}

/// The chart plot_optimization_history draws. Series, in order: "Complete" and "Pruned"
/// markers, the no-value marks on the bottom edge, then the best-so-far step line.
inline plot::Chart optimization_history_chart(const Study& study, const PlotOptions& options) {
  check_objective(study, options, "plot_optimization_history");
  const Direction direction = objective_direction(study, options);
  const bool single = study.directions().size() == 1;
  const std::string label = objective_label(study, options);
  const std::vector<FrozenTrialPtr> finished = study.trial_snapshots(TrialStates::finished());

  plot::Chart chart;
  chart.title = options.title.empty() ? "Optimization history" : options.title;
  chart.columns = 1;
  chart.panel_width = options.width > 0 ? options.width : 760;
  chart.panel_height = options.height > 0 ? options.height : 420;
  plot::Panel& panel = chart.add_panel(
      fmt::format("{} ({})", label, direction == Direction::Minimize ? "minimize" : "maximize"));
  panel.x.label = "trial";
  panel.y.label = label;

  std::size_t n_complete = 0, n_pruned = 0, n_failed = 0;
  for (const FrozenTrialPtr& t : finished) {
    n_complete += t->state == TrialState::Complete;
    n_pruned += t->state == TrialState::Pruned;
    n_failed += t->state == TrialState::Failed;
  }
  panel.subtitle = fmt::format("{} finished trials: {} complete, {} pruned, {} failed",
                               finished.size(), n_complete, n_pruned, n_failed);

  // Best so far, from every complete (and feasible, once constraints exist) trial.
  const bool constrained = hpo::detail::any_constrained(finished);
  std::vector<double> best_x, best_y;
  double best = std::numeric_limits<double>::quiet_NaN();
  for (const FrozenTrialPtr& t : finished) {
    if (t->state != TrialState::Complete || (constrained && !t->feasible())) continue;
    const double v = objective_value(*t, options);
    if (!std::isfinite(v)) continue;
    if (std::isnan(best) || is_better(direction, v, best)) {
      best = v;
      best_x.push_back(t->number);
      best_y.push_back(v);
    }
  }
  if (!best_x.empty() && finished.back()->number > best_x.back()) {
    best_x.push_back(finished.back()->number);
    best_y.push_back(best);
  }

  const std::vector<FrozenTrialPtr> drawn =
      downsample(finished, options.max_trials, options, direction == Direction::Minimize);
  const bool tooltips = drawn.size() <= options.max_tooltips;

  plot::Series complete, pruned, missing;
  complete.name = "Complete";
  complete.color = state_color(TrialState::Complete);
  pruned.name = "Pruned";
  pruned.color = state_color(TrialState::Pruned);
  missing.name = "Failed / no value (bottom edge)";
  missing.color = state_color(TrialState::Failed);
  // Smaller markers when there are many, so that the best-so-far line stays readable.
  const double marker = drawn.size() > 1000 ? 0.8 : drawn.size() > 300 ? 1.3 : 2.0;
  for (plot::Series* s : {&complete, &pruned, &missing}) {
    s->line = false;
    s->markers = true;
    s->width = marker;
  }

  std::vector<double> shown = best_y;  // every drawn y value: decides the axis
  for (const FrozenTrialPtr& t : drawn) {
    const double v = history_value(*t, options, single);
    plot::Series& s = !std::isfinite(v)                  ? missing
                      : t->state == TrialState::Complete ? complete
                                                         : pruned;
    s.x.push_back(t->number);
    s.y.push_back(v);  // replaced by the axis minimum below for `missing`
    if (&s == &missing) s.point_colors.push_back(state_color(t->state));
    if (tooltips) s.point_titles.push_back(trial_title(*t, options));
    if (std::isfinite(v)) shown.push_back(v);
  }

  panel.y.scale = auto_scale(shown);
  // Fix the y range to the data's, so the bottom-edge marks sit exactly on its lower end.
  const plot::detail::AxisMap y_axis = plot::detail::make_axis(panel.y, shown, 0, 1);
  panel.y.min = y_axis.lo;
  panel.y.max = y_axis.hi;
  for (double& y : missing.y) y = y_axis.lo;

  for (plot::Series* s : {&complete, &pruned, &missing}) {
    if (!s->x.empty()) panel.series.push_back(std::move(*s));
  }
  if (!best_x.empty()) {
    plot::Series& b =
        panel.add_series(single ? std::string("best so far") : fmt::format("best {} so far", label),
                         std::move(best_x), std::move(best_y));
    b.step = true;
    b.color = "#009E73";
  }

  std::string note = n_complete == 0 ? "no complete trials" : "";
  const std::string sampled = downsample_note(drawn.size(), finished.size());
  if (!sampled.empty()) note += (note.empty() ? "" : "; ") + sampled;
  panel.note = note;
  return chart;
}

}  // namespace detail

inline std::string plot_optimization_history(const Study& study, const PlotOptions& options) {
  return detail::optimization_history_chart(study, options).to_svg();
}

}  // namespace hpo::visualization
