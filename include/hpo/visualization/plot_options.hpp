// SPDX-License-Identifier: MIT
#pragma once

/// What every plot of hpo/visualization takes: which objective to draw, how many trials at
/// most, and the size. Plus the pieces the plots share (in hpo::visualization::detail): the
/// trials of a study, their value, state colours, tooltips and deterministic downsampling.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "hpo/errors.hpp"
#include "hpo/plot/axis.hpp"
#include "hpo/plot/svg.hpp"
#include "hpo/study/direction.hpp"
#include "hpo/study/study.hpp"
#include "hpo/trial/frozen_trial.hpp"
#include "hpo/trial/trial_state.hpp"

namespace hpo::visualization {

/// Options shared by every plot function.
struct PlotOptions {
  /// Which objective value to draw (0 for a single-objective study).
  std::size_t objective = 0;
  /// Axis label of the objective; empty: "objective value" (or "objective N" when several).
  std::string objective_name;
  /// At most this many trials get per-trial marks (markers, lines, tooltips). Beyond it, a
  /// deterministic subset is drawn (the best tenth of the budget plus trials evenly spread over
  /// the rest) and the plot says so in a note. 0: no limit.
  std::size_t max_trials = 3000;
  /// Tooltips (SVG `<title>`: trial number, value, parameters) on per-trial marks when at
  /// most this many trials are drawn; they cost about 100 bytes per trial.
  std::size_t max_tooltips = 1500;
  /// Chart title; empty: the plot's own title.
  std::string title;
  /// Size of one panel in pixels; 0: the plot's default.
  double width = 0;
  double height = 0;  ///< See `width`.
};

namespace detail {

/// Marker colour of a trial state: Complete blue, Pruned orange, Failed vermillion, else grey.
inline std::string state_color(TrialState state) {
  switch (state) {
    case TrialState::Complete:
      return "#0072B2";
    case TrialState::Pruned:
      return "#E69F00";
    case TrialState::Failed:
      return "#D55E00";
    default:
      return "#999999";
  }
}

/// The scale an axis of `values` gets by default: log10 when every finite value is > 0 and
/// they span more than two decades (max/min > 100); linear otherwise.
inline plot::Scale auto_scale(const std::vector<double>& values) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (double v : values) {
    if (!std::isfinite(v)) continue;
    if (v <= 0) return plot::Scale::Linear;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  return hi > 100 * lo ? plot::Scale::Log10 : plot::Scale::Linear;
}

/// A valid SVG of `width` x `height` with `title` and `message` in the middle ("no complete
/// trials"), for plots with nothing to draw.
inline std::string message_svg(const std::string& title, const std::string& message,
                               double width = 560, double height = 200) {
  plot::SvgDocument doc(width, height);
  doc.text(20, 30, title,
           plot::Attrs().set("font-size", 17.0).set("font-weight", "bold").set("fill", "#222222"));
  doc.text(width / 2, height / 2 + 10, message,
           plot::Attrs()
               .set("font-size", 14.0)
               .set("text-anchor", "middle")
               .set("fill", "#888888")
               .set("class", "message"));
  return doc.str();
}

/// The axis label of the drawn objective.
inline std::string objective_label(const Study& study, const PlotOptions& options) {
  if (!options.objective_name.empty()) return options.objective_name;
  return study.directions().size() == 1 ? std::string("objective value")
                                        : fmt::format("objective {}", options.objective);
}

/// Checks `options.objective` against the study's number of objectives; throws
/// hpo::InvalidArgument naming `plot` otherwise.
inline void check_objective(const Study& study, const PlotOptions& options, const char* plot) {
  const std::size_t n = study.directions().size();
  if (options.objective >= n) {
    throw InvalidArgument(
        fmt::format("hpo::visualization::{}: objective {} out of range (the "
                    "study has {} objective{})",
                    plot, options.objective, n, n == 1 ? "" : "s"));
  }
}

/// The direction of the drawn objective.
inline Direction objective_direction(const Study& study, const PlotOptions& options) {
  return study.directions().at(options.objective);
}

/// The drawn value of `t` (NaN when it has none, e.g. a pruned or failed trial).
inline double objective_value(const FrozenTrial& t, const PlotOptions& options) {
  return options.objective < t.values.size() ? t.values[options.objective]
                                             : std::numeric_limits<double>::quiet_NaN();
}

/// A one-line description of a trial for tooltips: "trial 12 (Complete): 0.031; lr=0.01, ...".
inline std::string trial_title(const FrozenTrial& t, const PlotOptions& options) {
  std::string s = fmt::format("trial {} ({})", t.number, to_string(t.state));
  const double v = objective_value(t, options);
  if (std::isfinite(v)) s += fmt::format(": {:.6g}", v);
  for (std::size_t i = 0; i < t.params.size(); ++i) {
    s += i == 0 ? "; " : ", ";
    const ParamValue p = t.params[i].value();
    s += t.params[i].name + "=" + (p.is_string() ? p.as<std::string>() : p.to_string());
  }
  return s;
}

/// The trials to draw when at most `max` may be (0: all): all of them if few enough, else the
/// best max/10 complete trials by the drawn objective (`minimize`) plus trials evenly spaced by
/// number over the rest, returned in number order. Deterministic: no random choice.
inline std::vector<FrozenTrialPtr> downsample(const std::vector<FrozenTrialPtr>& trials,
                                              std::size_t max, const PlotOptions& options,
                                              bool minimize) {
  if (max == 0 || trials.size() <= max) return trials;
  std::vector<std::size_t> ranked;
  for (std::size_t i = 0; i < trials.size(); ++i) {
    if (std::isfinite(objective_value(*trials[i], options))) ranked.push_back(i);
  }
  std::sort(ranked.begin(), ranked.end(), [&](std::size_t a, std::size_t b) {
    const double va = objective_value(*trials[a], options);
    const double vb = objective_value(*trials[b], options);
    return minimize ? va < vb : va > vb;
  });
  std::vector<bool> keep(trials.size(), false);
  const std::size_t n_best = std::min(ranked.size(), max / 10);
  for (std::size_t k = 0; k < n_best; ++k) keep[ranked[k]] = true;
  const std::size_t rest = max - n_best;
  // Evenly spread over all trials; a slot that hits a kept trial is simply shared.
  for (std::size_t k = 0; k < rest; ++k) {
    keep[k * trials.size() / rest] = true;
  }
  std::vector<FrozenTrialPtr> out;
  for (std::size_t i = 0; i < trials.size(); ++i) {
    if (keep[i]) out.push_back(trials[i]);
  }
  return out;
}

/// The note a downsampled plot carries: "2,990 of 10,000 trials drawn".
inline std::string downsample_note(std::size_t drawn, std::size_t total) {
  if (drawn >= total) return {};
  return fmt::format("{} of {} trials drawn", drawn, total);
}

}  // namespace detail
}  // namespace hpo::visualization
