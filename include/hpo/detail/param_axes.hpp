// SPDX-License-Identifier: MIT
#pragma once

/// Internals shared by the parameter plots (parallel coordinates, slice, contour): which
/// parameters to show, their axes (log10 for log ranges, categories for categoricals, whole
/// numbers for ints), a trial's value on such an axis, and the "nothing to draw" SVG.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "hpo/distributions.hpp"
#include "hpo/errors.hpp"
#include "hpo/plot/axis.hpp"
#include "hpo/plot/colormap.hpp"
#include "hpo/plot/svg.hpp"
#include "hpo/study/direction.hpp"
#include "hpo/study/study.hpp"
#include "hpo/trial/frozen_trial.hpp"
#include "hpo/trial/trial_state.hpp"
#include "hpo/visualization/plot_options.hpp"

namespace hpo::visualization::detail {

/// A parameter as the plots show it, from its first appearance in the study.
struct ParamInfo {
  std::string name;                     ///< Parameter name.
  bool categorical = false;             ///< Drawn on a categorical axis.
  bool log = false;                     ///< A log range: drawn on a log10 axis.
  bool integer = false;                 ///< An int range: whole-number ticks.
  std::vector<std::string> categories;  ///< Choice labels, in the order of the distribution.
};

/// The label of a parameter value: strings as they are, numbers and bools as text.
inline std::string value_label(const ParamValue& v) {
  return v.is_string() ? v.as<std::string>() : v.to_string();
}

/// The parameters of `trials` in order of first appearance (or `requested`, in that order:
/// each must appear in some trial, else InvalidArgument naming `plot` and the parameter).
/// Categories are the union of the choices every trial's distribution lists.
inline std::vector<ParamInfo> param_infos(const std::vector<FrozenTrialPtr>& trials,
                                          const std::vector<std::string>& requested,
                                          const char* plot) {
  std::vector<ParamInfo> all;
  const auto find = [&all](const std::string& name) {
    return std::find_if(all.begin(), all.end(), [&](const ParamInfo& p) { return p.name == name; });
  };
  for (const auto& t : trials) {
    for (const TrialParam& p : t->params) {
      auto it = find(p.name);
      if (it == all.end()) {
        ParamInfo info;
        info.name = p.name;
        if (const auto* f = std::get_if<FloatDistribution>(&p.distribution)) {
          info.log = f->log();
        } else if (const auto* i = std::get_if<IntDistribution>(&p.distribution)) {
          info.log = i->log();
          info.integer = true;
        } else {
          info.categorical = true;
        }
        all.push_back(std::move(info));
        it = all.end() - 1;
      }
      if (const auto* c = std::get_if<CategoricalDistribution>(&p.distribution)) {
        if (!it->categorical) continue;
        for (const ParamValue& v : c->choices()) {
          std::string label = value_label(v);
          if (std::find(it->categories.begin(), it->categories.end(), label) ==
              it->categories.end())
            it->categories.push_back(std::move(label));
        }
      }
    }
  }
  if (requested.empty()) return all;
  std::vector<ParamInfo> out;
  for (const std::string& name : requested) {
    const auto it = find(name);
    if (it == all.end())
      throw InvalidArgument(fmt::format(
          "hpo::visualization::{}: unknown parameter '{}' (no trial of the study has it)", plot,
          name));
    if (std::any_of(out.begin(), out.end(), [&](const ParamInfo& p) { return p.name == name; }))
      throw InvalidArgument(
          fmt::format("hpo::visualization::{}: parameter '{}' is listed twice", plot, name));
    out.push_back(*it);
  }
  return out;
}

/// The value of `info` in trial `t` on its axis: the category index for a categorical, the
/// number otherwise; NaN when the trial lacks it (or has it with another kind of distribution).
inline double param_value(const FrozenTrial& t, const ParamInfo& info) {
  const TrialParam* p = t.find_param(info.name);
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  if (!p) return nan;
  const auto* c = std::get_if<CategoricalDistribution>(&p->distribution);
  if ((c != nullptr) != info.categorical) return nan;
  if (!c) return p->internal;
  const std::string label = value_label(p->value());
  const auto it = std::find(info.categories.begin(), info.categories.end(), label);
  return it == info.categories.end() ? nan : static_cast<double>(it - info.categories.begin());
}

/// A deterministic offset in [-0.25, 0.25) for trial `number` on a categorical axis (golden-
/// ratio sequence: consecutive trials spread evenly), so that markers do not stack.
inline double category_jitter(int number) {
  const double g = static_cast<double>(number) * 0.6180339887498949;
  return (g - std::floor(g)) * 0.5 - 0.25;
}

/// The axis of a parameter: titled by its name, log10 for a log range, categorical for a
/// categorical, whole-number ticks for an int.
inline plot::Axis param_axis(const ParamInfo& info) {
  plot::Axis a;
  a.label = info.name;
  if (info.categorical) {
    a.categories = info.categories;
  } else {
    a.scale = info.log ? plot::Scale::Log10 : plot::Scale::Linear;
    a.integer = info.integer;
  }
  return a;
}

/// The Complete trials of `study` whose drawn objective is finite, by number.
inline std::vector<FrozenTrialPtr> complete_trials(const Study& study, const PlotOptions& options) {
  std::vector<FrozenTrialPtr> out;
  for (auto& t : study.trial_snapshots(TrialStates{TrialState::Complete})) {
    if (std::isfinite(objective_value(*t, options))) out.push_back(std::move(t));
  }
  return out;
}

/// Whether values are better drawn on a log axis: all > 0 and spanning more than 2 decades.
inline bool wants_log(const std::vector<double>& values) {
  double lo = std::numeric_limits<double>::infinity(), hi = 0;
  for (double v : values) {
    if (!std::isfinite(v)) continue;
    if (!(v > 0)) return false;
    lo = std::min(lo, v), hi = std::max(hi, v);
  }
  return hi > 0 && hi > 100 * lo;
}

/// The colour scale of the objective over `values`: viridis, log10 when wants_log, with the
/// dark end at the best values (drawn on top, they stand out on white).
inline plot::ColorScale objective_scale(const std::vector<double>& values, std::string label,
                                        bool minimize) {
  plot::ColorScale s;
  s.label = std::move(label);
  s.lo = std::numeric_limits<double>::infinity();
  s.hi = -s.lo;
  for (double v : values) {
    if (std::isfinite(v)) s.lo = std::min(s.lo, v), s.hi = std::max(s.hi, v);
  }
  if (!(s.hi >= s.lo)) s.lo = 0, s.hi = 1;
  s.scale = wants_log(values) ? plot::Scale::Log10 : plot::Scale::Linear;
  s.reverse = !minimize;
  return s;
}

/// Whether the drawn objective is minimized.
inline bool minimizing(const Study& study, const PlotOptions& options) {
  return objective_direction(study, options) == Direction::Minimize;
}

/// `s` cut to about `max_chars` characters, with an ellipsis when cut.
inline std::string shorten(const std::string& s, std::size_t max_chars) {
  if (s.size() <= max_chars || max_chars < 2) return s;
  return s.substr(0, max_chars - 1) + "\u2026";
}

/// Draws the ticks, grid and labels of X (bottom) and Y (left) around the plot area
/// [left, right] x [top, bottom]; `grid` draws grid lines across the area.
inline void draw_frame(plot::SvgDocument& doc, const plot::detail::AxisMap& X,
                       const plot::detail::AxisMap& Y, const std::string& x_label,
                       const std::string& y_label, double left, double right, double top,
                       double bottom, bool grid) {
  using plot::Attrs;
  const std::string fill = "#333333";
  double last = -1e9, widest = 0;
  for (const plot::Tick& t : X.ticks) {
    const double px = X(t.value);
    if (grid) doc.line(px, top, px, bottom, Attrs().set("stroke", t.major ? "#dddddd" : "#f0f0f0"));
    doc.line(px, bottom, px, bottom + 4, Attrs().set("stroke", "#888888"));
    if (t.label.empty()) continue;
    const double half = 3.4 * static_cast<double>(t.label.size());
    if (px - half < last + 6) continue;
    last = px + half;
    doc.text(px, bottom + 16, t.label,
             Attrs().set("font-size", 11.0).set("text-anchor", "middle").set("fill", fill));
  }
  last = 1e9;
  for (const plot::Tick& t : Y.ticks) {
    const double py = Y(t.value);
    if (grid) doc.line(left, py, right, py, Attrs().set("stroke", t.major ? "#dddddd" : "#f0f0f0"));
    doc.line(left - 4, py, left, py, Attrs().set("stroke", "#888888"));
    if (t.label.empty() || py > last - 13) continue;
    last = py;
    widest = std::max(widest, 6.8 * static_cast<double>(t.label.size()));
    doc.text(left - 6, py + 4, t.label,
             Attrs().set("font-size", 11.0).set("text-anchor", "end").set("fill", fill));
  }
  doc.rect(left, top, right - left, bottom - top,
           Attrs().set("fill", "none").set("stroke", "#888888"));
  doc.text((left + right) / 2, bottom + 34, x_label,
           Attrs().set("font-size", 12.0).set("text-anchor", "middle").set("fill", fill));
  const double cx = left - widest - 18, cy = (top + bottom) / 2;
  doc.text(cx, cy, y_label,
           Attrs()
               .set("font-size", 12.0)
               .set("text-anchor", "middle")
               .set("fill", fill)
               .set("transform", fmt::format("rotate(-90 {} {})", plot::format_number(cx),
                                             plot::format_number(cy))));
}

}  // namespace hpo::visualization::detail
