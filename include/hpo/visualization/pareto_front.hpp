// SPDX-License-Identifier: MIT
#pragma once

/// plot_pareto_front: the complete trials of a multi-objective study in the plane of two of
/// its objectives, with the non-dominated ones highlighted and joined by a step line.
///
/// Example:
/// ```
/// hpo::visualization::ParetoPlotOptions o;
/// o.objective_names = {"error", "latency (ms)"};
/// std::string svg = hpo::visualization::plot_pareto_front(study, o);
/// ```

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <Eigen/Core>

#include "hpo/errors.hpp"
#include "hpo/multi_objective/pareto.hpp"
#include "hpo/plot/axis.hpp"
#include "hpo/plot/chart.hpp"
#include "hpo/study/direction.hpp"
#include "hpo/study/study.hpp"
#include "hpo/trial/frozen_trial.hpp"
#include "hpo/trial/trial_state.hpp"
#include "hpo/visualization/plot_options.hpp"

namespace hpo::visualization {

/// Options of plot_pareto_front.
struct ParetoPlotOptions {
  /// The objective drawn on the x axis.
  std::size_t x_objective = 0;
  /// The objective drawn on the y axis; must differ from `x_objective`.
  std::size_t y_objective = 1;
  /// One name per objective of the study, for the axis labels; empty: "objective N".
  std::vector<std::string> objective_names;
  /// Title, size, trial and tooltip limits (`plot.objective` and `plot.objective_name` are
  /// not used: the two objectives come from `x_objective` and `y_objective`).
  PlotOptions plot;
};

/// The Pareto front of `study` in the plane of objectives `options.x_objective` and
/// `options.y_objective`, as an SVG document. Complete trials no other feasible complete trial
/// dominates in these two objectives are blue and joined by a step line (the boundary of the
/// region they dominate); dominated trials are grey, and infeasible ones (once any trial has
/// constraints) pink. Each axis is log10 when its values are all > 0 and span more than two
/// decades. Throws hpo::InvalidArgument for a single-objective study, an objective index out of
/// range, equal x and y objectives, or a wrong number of objective names.
inline std::string plot_pareto_front(const Study& study, const ParetoPlotOptions& options = {});

namespace detail {

/// Throws hpo::InvalidArgument unless `options` fits `study`.
inline void check_pareto_options(const Study& study, const ParetoPlotOptions& options) {
  const std::size_t n = study.directions().size();
  const auto fail = [](const std::string& why) {
    throw InvalidArgument(fmt::format("hpo::visualization::plot_pareto_front: {}", why));
  };
  if (n < 2) fail("the study has 1 objective; a Pareto front needs at least 2");
  for (std::size_t k : {options.x_objective, options.y_objective}) {
    if (k >= n) fail(fmt::format("objective {} out of range (the study has {} objectives)", k, n));
  }
  if (options.x_objective == options.y_objective)
    fail(fmt::format("x_objective and y_objective are both {}", options.x_objective));
  if (!options.objective_names.empty() && options.objective_names.size() != n)
    fail(fmt::format("{} objective names for {} objectives", options.objective_names.size(), n));
}

/// The tooltip of a trial in the Pareto plot: its number, state, both drawn values and its
/// parameters.
inline std::string pareto_title(const FrozenTrial& t, const ParetoPlotOptions& options,
                                const std::string& x_name, const std::string& y_name) {
  PlotOptions no_value = options.plot;
  no_value.objective = std::numeric_limits<std::size_t>::max();
  // trial_title without a value reads "trial N (State)[; params]": put the values after the head.
  std::string s = trial_title(t, no_value);
  const std::size_t head = fmt::format("trial {} ({})", t.number, to_string(t.state)).size();
  s.insert(std::min(head, s.size()),
           fmt::format(": {}={:.6g}, {}={:.6g}", x_name, t.values[options.x_objective], y_name,
                       t.values[options.y_objective]));
  return s;
}

/// The chart plot_pareto_front draws. Series, in order (each only when not empty):
/// "dominated" and "infeasible" markers, then "Pareto front" markers joined by a step line,
/// ordered from the best x value to the worst.
inline plot::Chart pareto_front_chart(const Study& study, const ParetoPlotOptions& options) {
  check_pareto_options(study, options);
  const std::size_t ix = options.x_objective, iy = options.y_objective;
  const std::vector<Direction>& directions = study.directions();
  const auto name = [&](std::size_t k) {
    return options.objective_names.empty() ? fmt::format("objective {}", k)
                                           : options.objective_names[k];
  };
  const auto axis_label = [&](std::size_t k) {
    return fmt::format("{} ({})", name(k),
                       directions[k] == Direction::Minimize ? "minimize" : "maximize");
  };

  std::vector<FrozenTrialPtr> complete = study.trial_snapshots(TrialStates{TrialState::Complete});
  complete.erase(std::remove_if(complete.begin(), complete.end(),
                                [&](const FrozenTrialPtr& t) {
                                  return t->values.size() != directions.size() ||
                                         !std::isfinite(t->values[ix]) ||
                                         !std::isfinite(t->values[iy]);
                                }),
                 complete.end());
  const bool constrained = hpo::detail::any_constrained(complete);
  std::vector<FrozenTrialPtr> feasible, infeasible;
  for (const FrozenTrialPtr& t : complete)
    (!constrained || t->feasible() ? feasible : infeasible).push_back(t);

  // The front of the feasible trials in the two drawn objectives (minimization form).
  std::vector<std::vector<double>> points;
  for (const FrozenTrialPtr& t : feasible) points.push_back({t->values[ix], t->values[iy]});
  const Eigen::MatrixXd minimized = to_minimization(points, {directions[ix], directions[iy]});
  std::vector<Eigen::Index> front_index = pareto_front_indices(minimized);
  std::stable_sort(front_index.begin(), front_index.end(), [&](Eigen::Index a, Eigen::Index b) {
    return minimized(a, 0) < minimized(b, 0) ||
           (minimized(a, 0) == minimized(b, 0) && minimized(a, 1) < minimized(b, 1));
  });
  std::vector<bool> on_front(feasible.size(), false);
  for (Eigen::Index i : front_index) on_front[static_cast<std::size_t>(i)] = true;
  std::vector<FrozenTrialPtr> others;  // dominated or infeasible, by number
  for (std::size_t i = 0; i < feasible.size(); ++i)
    if (!on_front[i]) others.push_back(feasible[i]);
  others.insert(others.end(), infeasible.begin(), infeasible.end());
  std::sort(others.begin(), others.end(),
            [](const FrozenTrialPtr& a, const FrozenTrialPtr& b) { return a->number < b->number; });

  // The whole front is always drawn; the others share what is left of max_trials.
  const std::size_t max = options.plot.max_trials;
  const std::size_t budget =
      max == 0 ? 0 : std::max(max > front_index.size() ? max - front_index.size() : 0, max / 10);
  PlotOptions rank = options.plot;
  rank.objective = ix;
  const std::vector<FrozenTrialPtr> drawn_others =
      downsample(others, budget, rank, directions[ix] == Direction::Minimize);
  const std::size_t n_drawn = drawn_others.size() + front_index.size();
  const bool tooltips = n_drawn <= options.plot.max_tooltips;

  plot::Chart chart;
  chart.title = options.plot.title.empty() ? "Pareto front" : options.plot.title;
  chart.columns = 1;
  chart.panel_width = options.plot.width > 0 ? options.plot.width : 620;
  chart.panel_height = options.plot.height > 0 ? options.plot.height : 500;
  plot::Panel& panel = chart.add_panel(fmt::format("{} vs {}", name(iy), name(ix)));
  panel.x.label = axis_label(ix);
  panel.y.label = axis_label(iy);
  panel.subtitle =
      fmt::format("{} complete trials, {} on the front{}{}", complete.size(), front_index.size(),
                  constrained ? fmt::format(", {} infeasible", infeasible.size()) : std::string(),
                  directions.size() > 2 ? " (front of the 2 drawn objectives)" : "");

  plot::Series dominated, violating, front;
  dominated.name = "dominated";
  dominated.color = "#AAAAAA";
  violating.name = "infeasible";
  violating.color = "#CC79A7";
  front.name = "Pareto front";
  front.color = "#0072B2";
  front.step = true;
  front.markers = true;
  front.width = 2;
  for (plot::Series* s : {&dominated, &violating})
    s->line = false, s->markers = true, s->width = 1.5;
  const auto add = [&](plot::Series& s, const FrozenTrial& t) {
    s.x.push_back(t.values[ix]);
    s.y.push_back(t.values[iy]);
    if (tooltips) s.point_titles.push_back(pareto_title(t, options, name(ix), name(iy)));
  };
  for (const FrozenTrialPtr& t : drawn_others)
    add(constrained && !t->feasible() ? violating : dominated, *t);
  for (Eigen::Index i : front_index) add(front, *feasible[static_cast<std::size_t>(i)]);

  std::vector<double> xs, ys;
  for (plot::Series* s : {&dominated, &violating, &front}) {
    xs.insert(xs.end(), s->x.begin(), s->x.end());
    ys.insert(ys.end(), s->y.begin(), s->y.end());
    if (!s->x.empty()) panel.series.push_back(std::move(*s));
  }
  panel.x.scale = auto_scale(xs);
  panel.y.scale = auto_scale(ys);

  std::vector<std::string> notes;
  if (complete.empty()) notes.push_back("no complete trials");
  if (!complete.empty() && feasible.empty()) notes.push_back("no feasible trials");
  const std::string sampled = downsample_note(n_drawn, complete.size());
  if (!sampled.empty()) notes.push_back(sampled);
  panel.note = fmt::format("{}", fmt::join(notes, "; "));
  return chart;
}

}  // namespace detail

inline std::string plot_pareto_front(const Study& study, const ParetoPlotOptions& options) {
  return detail::pareto_front_chart(study, options).to_svg();
}

}  // namespace hpo::visualization
