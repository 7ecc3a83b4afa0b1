// SPDX-License-Identifier: MIT
#pragma once

/// plot_parallel_coordinate: every Complete trial as a line across one vertical axis for the
/// objective and one per parameter, coloured by its objective value.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "hpo/detail/param_axes.hpp"
#include "hpo/plot/axis.hpp"
#include "hpo/plot/colormap.hpp"
#include "hpo/plot/svg.hpp"
#include "hpo/study/study.hpp"
#include "hpo/trial/frozen_trial.hpp"
#include "hpo/visualization/plot_options.hpp"

namespace hpo::visualization {

/// A parallel-coordinate plot of `study` as SVG text: a vertical axis for the drawn objective
/// (log10 when its values are all > 0 and span more than two decades), then one per parameter
/// in order of first appearance (or `params`, in that order) with its own ticks: log10 for log
/// ranges, category labels for categoricals, whole numbers for ints. Each Complete trial that
/// has every shown parameter is one polyline, coloured by its objective value on the viridis
/// scale of the colour bar (dark = best), the best drawn last, on top. Above
/// `options.max_trials` trials a deterministic subset is drawn (see detail::downsample) and
/// the subtitle says so; tooltips (trial, value, parameters) up to `options.max_tooltips`.
///
/// Without Complete trials, an SVG saying so. Throws hpo::InvalidArgument for an unknown or
/// repeated parameter in `params` or an objective out of range.
inline std::string plot_parallel_coordinate(const Study& study, const PlotOptions& options = {},
                                            const std::vector<std::string>& params = {});

namespace detail {

/// What a parallel-coordinate plot draws: its axes and one row of axis values per trial.
struct ParallelCoordinateData {
  std::vector<ParamInfo> params;  ///< The parameter axes, in order.
  /// The axes: the objective first, then one per parameter.
  std::vector<plot::Axis> axes;
  /// The drawn trials, in drawing order: worst first, best last.
  std::vector<FrozenTrialPtr> trials;
  /// Per drawn trial: its objective value, then its parameter values in axis units (a
  /// categorical's index).
  std::vector<std::vector<double>> rows;
  plot::ColorScale colors;  ///< Objective value -> line colour.
  std::size_t total = 0;    ///< Complete trials having every shown parameter (before downsampling).
  bool tooltips = false;    ///< Whether the lines carry tooltips.
  std::string empty;        ///< Why nothing is drawn; empty when there are trials.
};

/// The axes and lines of plot_parallel_coordinate (which see).
inline ParallelCoordinateData parallel_coordinate_data(const Study& study,
                                                       const PlotOptions& options,
                                                       const std::vector<std::string>& params) {
  constexpr const char* kName = "plot_parallel_coordinate";
  check_objective(study, options, kName);
  ParallelCoordinateData d;
  const auto all = study.trial_snapshots();
  if (all.empty()) {
    d.empty = "no trials yet";
    return d;
  }
  d.params = param_infos(all, params, kName);
  const bool minimize = minimizing(study, options);
  std::vector<FrozenTrialPtr> eligible;
  for (const auto& t : complete_trials(study, options)) {
    const bool has_all = std::all_of(d.params.begin(), d.params.end(), [&](const ParamInfo& p) {
      return std::isfinite(param_value(*t, p));
    });
    if (has_all) eligible.push_back(t);
  }
  d.total = eligible.size();
  if (eligible.empty()) {
    d.empty = "no complete trial has all the shown parameters";
    return d;
  }
  d.trials = downsample(eligible, options.max_trials, options, minimize);
  // Worst first, so that the best lines end up on top.
  std::stable_sort(d.trials.begin(), d.trials.end(),
                   [&](const FrozenTrialPtr& a, const FrozenTrialPtr& b) {
                     const double va = objective_value(*a, options);
                     const double vb = objective_value(*b, options);
                     return minimize ? va > vb : va < vb;
                   });
  std::vector<double> objective;
  for (const auto& t : d.trials) {
    std::vector<double> row{objective_value(*t, options)};
    objective.push_back(row.front());
    for (const ParamInfo& p : d.params) row.push_back(param_value(*t, p));
    d.rows.push_back(std::move(row));
  }
  plot::Axis objective_axis;
  objective_axis.label = objective_label(study, options);
  objective_axis.scale = wants_log(objective) ? plot::Scale::Log10 : plot::Scale::Linear;
  d.axes.push_back(objective_axis);
  for (const ParamInfo& p : d.params) d.axes.push_back(param_axis(p));
  d.colors = objective_scale(objective, objective_axis.label, minimize);
  d.tooltips = d.trials.size() <= options.max_tooltips;
  return d;
}

/// Draws `d` as SVG text (see plot_parallel_coordinate).
inline std::string parallel_coordinate_svg(const ParallelCoordinateData& d,
                                           const PlotOptions& options) {
  using plot::Attrs;
  const std::string title = options.title.empty() ? "Parallel coordinates" : options.title;
  if (!d.empty.empty()) return message_svg(title, d.empty);
  const std::size_t n_axes = d.axes.size();
  const double width = options.width > 0
                           ? options.width
                           : std::clamp(120.0 * static_cast<double>(n_axes) + 160, 560.0, 1500.0);
  const double height = options.height > 0 ? options.height : 460;
  const double left = 70, right = width - plot::detail::kColorBarWidth - 40;
  const double top = 92, bottom = height - 30;
  const double spacing =
      n_axes > 1 ? (right - left) / static_cast<double>(n_axes - 1) : (right - left);
  const auto axis_x = [&](std::size_t i) {
    return n_axes > 1 ? left + spacing * static_cast<double>(i) : (left + right) / 2;
  };
  // Each axis's range from the drawn values.
  std::vector<plot::detail::AxisMap> maps;
  for (std::size_t k = 0; k < n_axes; ++k) {
    std::vector<double> values;
    values.reserve(d.rows.size());
    for (const auto& row : d.rows) values.push_back(row[k]);
    maps.push_back(plot::detail::make_axis(d.axes[k], values, bottom, top));
  }

  plot::SvgDocument doc(width, height);
  doc.text(20, 28, title,
           Attrs().set("font-size", 17.0).set("font-weight", "bold").set("fill", "#222222"));
  std::string subtitle = fmt::format("{} trial{}; line colour: {}", d.trials.size(),
                                     d.trials.size() == 1 ? "" : "s", d.colors.label);
  const std::string note = downsample_note(d.trials.size(), d.total);
  if (!note.empty()) subtitle = fmt::format("{} ({}, best kept)", subtitle, note);
  doc.text(20, 48, subtitle, Attrs().set("font-size", 12.0).set("fill", "#555555"));

  // Lines: one polyline per trial, common attributes on the group.
  const std::size_t n = d.rows.size();
  const double opacity = n <= 100 ? 0.9 : n <= 500 ? 0.7 : n <= 1500 ? 0.5 : 0.35;
  doc.begin_group(Attrs()
                      .set("class", "trials")
                      .set("fill", "none")
                      .set("stroke-width", 1.3)
                      .set("stroke-opacity", opacity)
                      .set("stroke-linejoin", "round"));
  std::string body, points;
  for (std::size_t r = 0; r < n; ++r) {
    points.clear();
    for (std::size_t k = 0; k < n_axes; ++k) {
      if (k > 0) points += ' ';
      const double v = d.rows[r][k];
      const double py = maps[k].valid(v) ? maps[k](v) : bottom;
      points += plot::format_number(axis_x(k), 1) + ',' + plot::format_number(py, 1);
    }
    const std::string color = d.colors.color(d.rows[r][0]);
    const bool best = r + 1 == n;
    const std::string extra = best ? " stroke-width=\"2.6\" stroke-opacity=\"1\"" : "";
    if (d.tooltips) {
      body +=
          fmt::format("<polyline points=\"{}\" stroke=\"{}\"{}><title>{}</title></polyline>\n",
                      points, color, extra, plot::escape_xml(trial_title(*d.trials[r], options)));
    } else {
      body += fmt::format("<polyline points=\"{}\" stroke=\"{}\"{}/>\n", points, color, extra);
    }
  }
  doc.raw(body);
  doc.end_group();

  // Axes on top of the lines, tick labels with a white halo so they stay readable.
  for (std::size_t k = 0; k < n_axes; ++k) {
    const plot::Axis& a = d.axes[k];
    const plot::detail::AxisMap& m = maps[k];
    const double x = axis_x(k);
    const char* scale = !a.categories.empty()           ? "categorical"
                        : a.scale == plot::Scale::Log10 ? "log"
                                                        : "linear";
    doc.begin_group(Attrs()
                        .set("class", "axis")
                        .set("data-name", k == 0 ? std::string("objective") : d.params[k - 1].name)
                        .set("data-scale", scale));
    doc.line(x, top, x, bottom, Attrs().set("stroke", "#444444").set("stroke-width", 1.5));
    double last = 1e9;
    for (const plot::Tick& t : m.ticks) {
      const double py = m(t.value);
      doc.line(x - (t.major ? 5 : 3), py, x, py, Attrs().set("stroke", "#444444"));
      if (t.label.empty() || py > last - 12) continue;
      last = py;
      doc.text(x - 7, py + 4, shorten(t.label, 14),
               Attrs()
                   .set("font-size", 10.0)
                   .set("text-anchor", "end")
                   .set("fill", "#222222")
                   .set("stroke", "white")
                   .set("stroke-width", 3.0)
                   .set("stroke-opacity", 0.8)
                   .set("paint-order", "stroke"));
    }
    const auto max_chars = static_cast<std::size_t>(std::max(6.0, spacing / 7.0));
    doc.text(x, top - 14, shorten(a.label, max_chars),
             Attrs()
                 .set("font-size", 12.0)
                 .set("font-weight", k == 0 ? "bold" : "normal")
                 .set("text-anchor", "middle")
                 .set("fill", "#222222"));
    doc.end_group();
  }
  plot::detail::draw_color_bar(doc, d.colors, right + 34, top, bottom - top,
                               "hpo-parallel-color-bar");
  return doc.str();
}

}  // namespace detail

inline std::string plot_parallel_coordinate(const Study& study, const PlotOptions& options,
                                            const std::vector<std::string>& params) {
  return detail::parallel_coordinate_svg(detail::parallel_coordinate_data(study, options, params),
                                         options);
}

}  // namespace hpo::visualization
