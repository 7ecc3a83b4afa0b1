// SPDX-License-Identifier: MIT
#pragma once

/// plot_contour: a filled map of the objective over two parameters, interpolated from the
/// Complete trials, with the trials on top.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "hpo/detail/param_axes.hpp"
#include "hpo/errors.hpp"
#include "hpo/plot/axis.hpp"
#include "hpo/plot/colormap.hpp"
#include "hpo/plot/svg.hpp"
#include "hpo/study/study.hpp"
#include "hpo/trial/frozen_trial.hpp"
#include "hpo/visualization/plot_options.hpp"

namespace hpo::visualization {

/// A contour plot of `study` over `x_param` and `y_param` as SVG text: a 40 x 40 grid of
/// cells (one column or row per choice on a categorical axis, and per whole number on an int
/// axis spanning fewer than 40) filled with the objective,
/// coloured on the viridis scale of the colour bar (dark = best), the trials on top as white
/// dots and the best one ringed. Axes are log10 for log ranges and categorical for
/// categoricals, and span the trials' values with a 5 % margin.
///
/// The map is interpolated in the parameters' plot space (log10 for log ranges, the index for
/// categoricals), each axis scaled to [0, 1]: a cell holding trials takes their mean value;
/// any other cell, the inverse-distance-weighted mean (weights 1 / d^2) of the 8 trials
/// nearest its centre. Every cell is therefore filled, stays within the trials' range, and a
/// cell holding one trial shows exactly its value. Optuna instead interpolates linearly on a
/// Delaunay triangulation (scipy's griddata) and leaves the cells outside the trials' convex
/// hull empty; its map is smoother between trials but blank near the edges, ours is filled
/// everywhere but flat-topped around isolated trials. Only the drawn trials (see
/// `options.max_trials`) are interpolated.
///
/// Without Complete trials having both parameters, an SVG saying so. Throws
/// hpo::InvalidArgument when a parameter is empty, unknown or given twice, or the objective is
/// out of range.
inline std::string plot_contour(const Study& study, const std::string& x_param,
                                const std::string& y_param, const PlotOptions& options = {});

namespace detail {

/// Cells per numeric axis of a contour plot.
inline constexpr std::size_t kContourGrid = 40;
/// Trials an empty cell of a contour plot interpolates from.
inline constexpr std::size_t kContourNeighbours = 8;

/// One axis of a contour plot: its parameter, its plot axis and its domain.
struct ContourAxis {
  ParamInfo param;  ///< The parameter.
  plot::Axis axis;  ///< Its axis (for numeric ones, `min` and `max` hold the domain).
  double lo = 0;    ///< Domain start in axis units (-0.5 on a categorical axis).
  double hi = 1;    ///< Domain end in axis units (size - 0.5 on a categorical axis).
  /// Cells along the axis: kContourGrid, the number of categories, or of whole numbers.
  std::size_t cells = kContourGrid;

  /// The position of `v` in [0, 1] along the domain (log10 on a log axis).
  double unit(double v) const {
    if (axis.categories.empty() && axis.scale == plot::Scale::Log10)
      return (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo));
    return (v - lo) / (hi - lo);
  }
  /// The cell holding `v`.
  std::size_t cell(double v) const {
    const double c = std::floor(unit(v) * static_cast<double>(cells));
    return static_cast<std::size_t>(std::clamp(c, 0.0, static_cast<double>(cells - 1)));
  }
};

/// What a contour plot draws.
struct ContourData {
  ContourAxis x;  ///< Horizontal axis.
  ContourAxis y;  ///< Vertical axis.
  /// The map, row by row from the bottom: z[j * x.cells + i] is cell (i, j).
  std::vector<double> z;
  std::vector<double> px;              ///< X of each drawn trial, in axis units.
  std::vector<double> py;              ///< Y of each drawn trial, in axis units.
  std::vector<double> pv;              ///< Objective value of each drawn trial.
  std::vector<FrozenTrialPtr> trials;  ///< The drawn trials, by number.
  std::size_t best = 0;                ///< Index of the best drawn trial.
  std::size_t total = 0;               ///< Complete trials having both parameters.
  plot::ColorScale colors;             ///< Objective value -> cell colour.
  std::string empty;                   ///< Why nothing is drawn; empty when there are trials.
};

/// The axis of `info` over `values`: the values' range with a 5 % margin in plot space
/// (numeric), or all categories.
inline ContourAxis contour_axis(const ParamInfo& info, const std::vector<double>& values) {
  ContourAxis a;
  a.param = info;
  a.axis = param_axis(info);
  if (info.categorical) {
    a.lo = -0.5;
    a.hi = static_cast<double>(info.categories.size()) - 0.5;
    a.cells = info.categories.size();
    return a;
  }
  const bool log = info.log;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (double v : values) {
    const double t = log ? std::log10(v) : v;
    lo = std::min(lo, t), hi = std::max(hi, t);
  }
  if (info.integer && !log && hi - lo < static_cast<double>(kContourGrid)) {
    // Few whole numbers: one cell per number, centred on it.
    a.lo = lo - 0.5;
    a.hi = hi + 0.5;
    a.axis.min = a.lo;
    a.axis.max = a.hi;
    a.cells = static_cast<std::size_t>(std::llround(hi - lo)) + 1;
    return a;
  }
  const double pad = hi > lo ? 0.05 * (hi - lo) : log ? 0.5 : std::max(0.1 * std::fabs(lo), 0.5);
  lo -= pad, hi += pad;
  a.lo = log ? std::pow(10.0, lo) : lo;
  a.hi = log ? std::pow(10.0, hi) : hi;
  a.axis.min = a.lo;
  a.axis.max = a.hi;
  a.cells = kContourGrid;
  return a;
}

/// The map and points of plot_contour (which see).
inline ContourData contour_data(const Study& study, const std::string& x_param,
                                const std::string& y_param, const PlotOptions& options) {
  constexpr const char* kName = "plot_contour";
  check_objective(study, options, kName);
  if (x_param.empty() || y_param.empty())
    throw InvalidArgument(
        fmt::format("hpo::visualization::{}: two parameters are needed (got x '{}', y '{}')", kName,
                    x_param, y_param));
  if (x_param == y_param)
    throw InvalidArgument(fmt::format(
        "hpo::visualization::{}: parameter '{}' is given twice; pick two different ones", kName,
        x_param));
  ContourData d;
  const auto all = study.trial_snapshots();
  if (all.empty()) {
    d.empty = "no trials yet";
    return d;
  }
  const std::vector<ParamInfo> infos = param_infos(all, {x_param, y_param}, kName);
  const bool minimize = minimizing(study, options);
  std::vector<FrozenTrialPtr> eligible;
  for (const auto& t : complete_trials(study, options)) {
    if (std::isfinite(param_value(*t, infos[0])) && std::isfinite(param_value(*t, infos[1])))
      eligible.push_back(t);
  }
  d.total = eligible.size();
  if (eligible.empty()) {
    d.empty = fmt::format("no complete trial has both {} and {}", x_param, y_param);
    return d;
  }
  d.trials = downsample(eligible, options.max_trials, options, minimize);
  for (const auto& t : d.trials) {
    d.px.push_back(param_value(*t, infos[0]));
    d.py.push_back(param_value(*t, infos[1]));
    d.pv.push_back(objective_value(*t, options));
  }
  for (std::size_t i = 1; i < d.pv.size(); ++i) {
    if (minimize ? d.pv[i] < d.pv[d.best] : d.pv[i] > d.pv[d.best]) d.best = i;
  }
  d.x = contour_axis(infos[0], d.px);
  d.y = contour_axis(infos[1], d.py);
  d.colors = objective_scale(d.pv, objective_label(study, options), minimize);

  // Cells holding trials: their mean.
  const std::size_t nx = d.x.cells, ny = d.y.cells, n = d.pv.size();
  std::vector<double> sum(nx * ny, 0.0);
  std::vector<int> count(nx * ny, 0);
  std::vector<double> ux(n), uy(n);
  for (std::size_t k = 0; k < n; ++k) {
    ux[k] = d.x.unit(d.px[k]), uy[k] = d.y.unit(d.py[k]);
    const std::size_t c = d.y.cell(d.py[k]) * nx + d.x.cell(d.px[k]);
    sum[c] += d.pv[k];
    ++count[c];
  }
  // The others: inverse-distance weighting of the nearest trials.
  const std::size_t k_max = std::min(kContourNeighbours, n);
  d.z.assign(nx * ny, 0.0);
  std::array<double, kContourNeighbours> best_d{};
  std::array<std::size_t, kContourNeighbours> best_i{};
  for (std::size_t j = 0; j < ny; ++j) {
    const double cy = (static_cast<double>(j) + 0.5) / static_cast<double>(ny);
    for (std::size_t i = 0; i < nx; ++i) {
      const std::size_t c = j * nx + i;
      if (count[c] > 0) {
        d.z[c] = sum[c] / count[c];
        continue;
      }
      const double cx = (static_cast<double>(i) + 0.5) / static_cast<double>(nx);
      std::size_t found = 0;
      for (std::size_t k = 0; k < n; ++k) {
        const double dist = (ux[k] - cx) * (ux[k] - cx) + (uy[k] - cy) * (uy[k] - cy);
        if (found == k_max && dist >= best_d[k_max - 1]) continue;
        // Insertion into the sorted list of the nearest.
        std::size_t p = found < k_max ? found++ : k_max - 1;
        while (p > 0 && best_d[p - 1] > dist) {
          best_d[p] = best_d[p - 1], best_i[p] = best_i[p - 1];
          --p;
        }
        best_d[p] = dist, best_i[p] = k;
      }
      double wsum = 0, vsum = 0;
      for (std::size_t q = 0; q < found; ++q) {
        const double w = 1.0 / std::max(best_d[q], 1e-12);
        wsum += w, vsum += w * d.pv[best_i[q]];
      }
      d.z[c] = vsum / wsum;
    }
  }
  return d;
}

/// Draws `d` as SVG text (see plot_contour).
inline std::string contour_svg(const ContourData& d, const PlotOptions& options) {
  using plot::Attrs;
  const std::string title = options.title.empty() ? "Contour plot" : options.title;
  if (!d.empty.empty()) return message_svg(title, d.empty);
  const double width = options.width > 0 ? options.width : 620;
  const double height = options.height > 0 ? options.height : 540;
  const double left = 90, right = width - plot::detail::kColorBarWidth - 30;
  const double top = 66, bottom = height - 56;
  const auto X = plot::detail::make_axis(d.x.axis, d.px, left, right);
  const auto Y = plot::detail::make_axis(d.y.axis, d.py, bottom, top);

  plot::SvgDocument doc(width, height);
  doc.text(20, 28, title,
           Attrs().set("font-size", 17.0).set("font-weight", "bold").set("fill", "#222222"));
  const FrozenTrial& best = *d.trials[d.best];
  std::string subtitle = fmt::format("{} trials (white dots), best ringed: trial {} = {:.6g}",
                                     d.trials.size(), best.number, d.pv[d.best]);
  const std::string note = downsample_note(d.trials.size(), d.total);
  if (!note.empty()) subtitle += fmt::format("; {}", note);
  doc.text(20, 48, subtitle, Attrs().set("font-size", 12.0).set("fill", "#555555"));

  // The map: cell edges are even in plot space, which the axes map linearly to pixels.
  const std::size_t nx = d.x.cells, ny = d.y.cells;
  const double cw = (right - left) / static_cast<double>(nx);
  const double ch = (bottom - top) / static_cast<double>(ny);
  std::string cells;
  for (std::size_t j = 0; j < ny; ++j) {
    for (std::size_t i = 0; i < nx; ++i) {
      // Half a pixel of overlap hides the seams anti-aliasing leaves between cells.
      cells += fmt::format(
          "<rect class=\"cell\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>\n",
          plot::format_number(left + cw * static_cast<double>(i), 1),
          plot::format_number(bottom - ch * static_cast<double>(j + 1), 1),
          plot::format_number(cw + 0.5, 1), plot::format_number(ch + 0.5, 1),
          d.colors.color(d.z[j * nx + i]));
    }
  }
  doc.begin_group(Attrs().set("class", "map"));
  doc.raw(cells);
  doc.end_group();
  draw_frame(doc, X, Y, d.x.axis.label, d.y.axis.label, left, right, top, bottom, false);

  // The trials, the best last and ringed.
  const bool tooltips = d.trials.size() <= options.max_tooltips;
  std::string dots;
  const auto position = [&](std::size_t k) {
    double x = d.px[k], y = d.py[k];
    if (d.x.param.categorical) x += 0.8 * category_jitter(d.trials[k]->number);
    if (d.y.param.categorical) y += 0.8 * category_jitter(d.trials[k]->number + 7919);
    return plot::Point{X(x), Y(y)};
  };
  for (std::size_t k = 0; k < d.trials.size(); ++k) {
    const plot::Point p = position(k);
    const std::string attrs = fmt::format("cx=\"{}\" cy=\"{}\" r=\"3\"",
                                          plot::format_number(p.x, 1), plot::format_number(p.y, 1));
    if (tooltips)
      dots += fmt::format("<circle class=\"trial\" {}><title>{}</title></circle>\n", attrs,
                          plot::escape_xml(trial_title(*d.trials[k], options)));
    else
      dots += fmt::format("<circle class=\"trial\" {}/>\n", attrs);
  }
  doc.begin_group(Attrs().set("fill", "white").set("stroke", "#222222"));
  doc.raw(dots);
  doc.end_group();
  const plot::Point b = position(d.best);
  doc.circle(b.x, b.y, 7,
             Attrs()
                 .set("class", "best")
                 .set("fill", "none")
                 .set("stroke", "#D55E00")
                 .set("stroke-width", 2.5));
  plot::detail::draw_color_bar(doc, d.colors, right + 24, top, bottom - top,
                               "hpo-contour-color-bar");
  return doc.str();
}

}  // namespace detail

inline std::string plot_contour(const Study& study, const std::string& x_param,
                                const std::string& y_param, const PlotOptions& options) {
  return detail::contour_svg(detail::contour_data(study, x_param, y_param, options), options);
}

}  // namespace hpo::visualization
