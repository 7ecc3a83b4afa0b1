// SPDX-License-Identifier: MIT
#pragma once

/// plot_slice: the objective value of every Complete trial against each parameter, one panel
/// per parameter.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "hpo/detail/param_axes.hpp"
#include "hpo/plot/chart.hpp"
#include "hpo/plot/colormap.hpp"
#include "hpo/study/study.hpp"
#include "hpo/trial/frozen_trial.hpp"
#include "hpo/visualization/plot_options.hpp"

namespace hpo::visualization {

/// A slice plot of `study` as SVG text: one panel per parameter (order of first appearance,
/// or `params`), each with one marker per Complete trial that has the parameter, at (its
/// value, its objective value). X is log10 for log ranges and categorical for categoricals
/// (markers spread by a small deterministic jitter within ±0.25 of their category so they do
/// not stack; ints spanning at most 20 get ±0.15); Y is log10 when every value is > 0 and they span
/// more than two decades. Markers are coloured by trial number on the viridis scale of the colour
/// bar (dark = late). Above `options.max_trials` trials (and above 24,000 markers in all, to bound
/// the size) a deterministic subset is drawn and the caption says so; tooltips when at most
/// `options.max_tooltips` trials are drawn and they fit about 1 MB.
///
/// Without Complete trials, an SVG saying so. Throws hpo::InvalidArgument for an unknown or
/// repeated parameter in `params` or an objective out of range.
inline std::string plot_slice(const Study& study, const PlotOptions& options = {},
                              const std::vector<std::string>& params = {});

namespace detail {

/// Markers a slice plot draws at most, over all panels (about 55 bytes each).
inline constexpr std::size_t kSliceMaxMarkers = 24000;
/// Bytes of tooltips a slice plot adds at most.
inline constexpr std::size_t kSliceMaxTooltipBytes = 1000000;

/// The chart of plot_slice (which see); no panels when there is nothing to draw.
inline plot::Chart slice_chart(const Study& study, const PlotOptions& options,
                               const std::vector<std::string>& params) {
  constexpr const char* kName = "plot_slice";
  check_objective(study, options, kName);
  plot::Chart chart;
  chart.title = options.title.empty() ? "Slice plot" : options.title;
  chart.legend = false;
  const auto all = study.trial_snapshots();
  if (all.empty()) return chart;
  const std::vector<ParamInfo> infos = param_infos(all, params, kName);
  const auto complete = complete_trials(study, options);
  if (complete.empty() || infos.empty()) return chart;

  std::size_t max = options.max_trials;
  if (max > 0) max = std::min(max, std::max<std::size_t>(200, kSliceMaxMarkers / infos.size()));
  const auto drawn = downsample(complete, max, options, minimizing(study, options));

  std::vector<std::string> titles;
  if (drawn.size() <= options.max_tooltips) {
    std::size_t bytes = 0;
    for (const auto& t : drawn) {
      titles.push_back(trial_title(*t, options));
      bytes += (titles.back().size() + 30) * infos.size();
    }
    if (bytes > kSliceMaxTooltipBytes) titles.clear();
  }
  plot::ColorScale colors;
  colors.label = "trial number";
  colors.lo = drawn.front()->number;
  colors.hi = drawn.back()->number;
  colors.reverse = true;
  std::vector<std::string> point_colors;
  std::vector<double> values;
  for (const auto& t : drawn) {
    point_colors.push_back(colors.color(t->number));
    values.push_back(objective_value(*t, options));
  }
  const bool log_y = wants_log(values);

  const std::size_t n = infos.size();
  chart.columns = n <= 2 ? static_cast<int>(n) : n <= 4 ? 2 : 3;
  chart.panel_width = options.width > 0 ? options.width : chart.columns == 3 ? 330 : 400;
  chart.panel_height = options.height > 0 ? options.height : 280;
  chart.color_bar = colors;
  chart.caption = fmt::format("{} trials; marker colour: trial number", drawn.size());
  const std::string note = downsample_note(drawn.size(), complete.size());
  if (!note.empty())
    chart.caption = fmt::format("{} (best kept); marker colour: trial number", note);
  for (const ParamInfo& info : infos) {
    // Ints over a short range (1..4 layers) are spread a little too, by up to ±0.15.
    bool small_int = info.integer && !info.log;
    if (small_int) {
      double lo = std::numeric_limits<double>::infinity(), hi = -lo;
      for (const auto& t : drawn) {
        const double x = param_value(*t, info);
        if (std::isfinite(x)) lo = std::min(lo, x), hi = std::max(hi, x);
      }
      small_int = hi - lo <= 20;
    }
    plot::Panel& panel = chart.add_panel(info.name);
    panel.x = param_axis(info);
    panel.y.label = objective_label(study, options);
    panel.y.scale = log_y ? plot::Scale::Log10 : plot::Scale::Linear;
    plot::Series& s = panel.add_series("", {}, {});
    s.line = false;
    s.markers = true;
    s.width = drawn.size() > 1000 ? 0.9 : 1.8;  // marker radius - 1.5
    const double jitter = info.categorical ? 1.0 : small_int ? 0.6 : 0.0;
    for (std::size_t i = 0; i < drawn.size(); ++i) {
      double x = param_value(*drawn[i], info);
      if (!std::isfinite(x)) continue;
      x += jitter * category_jitter(drawn[i]->number);
      s.x.push_back(x);
      s.y.push_back(values[i]);
      s.point_colors.push_back(point_colors[i]);
      if (!titles.empty()) s.point_titles.push_back(titles[i]);
    }
  }
  return chart;
}

}  // namespace detail

inline std::string plot_slice(const Study& study, const PlotOptions& options,
                              const std::vector<std::string>& params) {
  const plot::Chart chart = detail::slice_chart(study, options, params);
  if (chart.panels.empty()) {
    return detail::message_svg(chart.title, study.n_trials() == 0
                                                ? "no trials yet"
                                                : "no complete trials with parameters");
  }
  return chart.to_svg();
}

}  // namespace hpo::visualization
