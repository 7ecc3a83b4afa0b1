// SPDX-License-Identifier: MIT
#pragma once

/// A continuous colour scale (viridis, perceptually uniform and readable in grey and by most
/// colour-blind readers) and its colour bar, for plots that colour marks by a value.
///
/// Example:
/// ```
/// hpo::plot::ColorScale scale;
/// scale.lo = 0.01;
/// scale.hi = 10;
/// scale.scale = hpo::plot::Scale::Log10;
/// std::string c = scale.color(0.3);  // "#21918c"-like
/// ```

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "hpo/plot/axis.hpp"
#include "hpo/plot/svg.hpp"

namespace hpo::plot {

/// The viridis colour at `t` in [0, 1] (clamped; NaN gives the 0 end): dark purple at 0
/// through blue and green to yellow at 1, as "#rrggbb".
inline std::string viridis(double t) {
  // Viridis at t = 0, 0.1, ..., 1; linear interpolation in between.
  static constexpr std::array<std::array<int, 3>, 11> kStops = {{{68, 1, 84},
                                                                 {72, 36, 117},
                                                                 {65, 68, 135},
                                                                 {53, 95, 141},
                                                                 {42, 120, 142},
                                                                 {33, 145, 140},
                                                                 {34, 168, 132},
                                                                 {68, 191, 112},
                                                                 {122, 209, 81},
                                                                 {189, 223, 38},
                                                                 {253, 231, 37}}};
  if (!(t > 0)) t = 0;
  if (t > 1) t = 1;
  const double f = t * 10;
  const auto i = std::min<std::size_t>(static_cast<std::size_t>(f), 9);
  const double u = f - static_cast<double>(i);
  int rgb[3];
  for (std::size_t k = 0; k < 3; ++k) {
    const double v = kStops[i][k] + u * (kStops[i + 1][k] - kStops[i][k]);
    rgb[k] = static_cast<int>(std::lround(v));
  }
  return fmt::format("#{:02x}{:02x}{:02x}", rgb[0], rgb[1], rgb[2]);
}

/// Maps values in [lo, hi] to viridis colours, linearly or by log10, and describes its bar.
struct ColorScale {
  std::string label;            ///< Title of the colour bar (e.g. "objective value").
  double lo = 0;                ///< Value at the dark end (the light end when `reverse`).
  double hi = 1;                ///< Value at the light end (the dark end when `reverse`).
  Scale scale = Scale::Linear;  ///< Linear, or log10 (then lo and hi must be > 0).
  bool reverse = false;         ///< Dark for high values, light for low ones.

  /// Position of `v` on the scale: 0 at `lo`, 1 at `hi`, clamped (before `reverse`).
  double position(double v) const {
    const bool log = scale == Scale::Log10 && lo > 0 && hi > 0;
    double a = lo, b = hi, x = v;
    if (log) {
      if (!(x > 0)) return 0;
      a = std::log10(a), b = std::log10(b), x = std::log10(x);
    }
    if (!(b > a)) return 0.5;
    return std::clamp((x - a) / (b - a), 0.0, 1.0);
  }
  /// The colour of `v`.
  std::string color(double v) const {
    const double t = position(v);
    return viridis(reverse ? 1 - t : t);
  }
};

namespace detail {

/// Width in pixels a colour bar drawn by draw_color_bar takes, labels included.
inline constexpr double kColorBarWidth = 92;

/// Draws `scale` as a vertical bar at (x, top) of height `height` (values grow upwards), with
/// ticks and labels on its right and its label rotated beside them. `id` names the gradient
/// (unique within the document).
inline void draw_color_bar(SvgDocument& doc, const ColorScale& scale, double x, double top,
                           double height, const std::string& id) {
  const double bar_w = 14, bottom = top + height;
  std::string stops;
  for (int k = 0; k <= 10; ++k) {
    const double t = k / 10.0;  // offset 0 is the top of the bar: the `hi` end
    stops += fmt::format("<stop offset=\"{}\" stop-color=\"{}\"/>", format_number(t),
                         viridis(scale.reverse ? t : 1 - t));
  }
  doc.raw(fmt::format(
      "<defs><linearGradient id=\"{}\" x1=\"0\" y1=\"0\" x2=\"0\" y2=\"1\">{}</linearGradient>"
      "</defs>\n",
      escape_xml(id), stops));
  doc.rect(x, top, bar_w, height,
           Attrs()
               .set("fill", fmt::format("url(#{})", id))
               .set("stroke", "#888888")
               .set("class", "color-bar"));
  Axis axis;
  axis.scale = scale.scale;
  axis.min = scale.lo;
  axis.max = scale.hi;
  const AxisMap m = make_axis(axis, {scale.lo, scale.hi}, bottom, top);
  double widest = 0, last = 1e9;
  for (const Tick& t : m.ticks) {
    if (t.label.empty()) continue;
    const double py = m(t.value);
    if (py > last - 12) continue;
    last = py;
    doc.line(x + bar_w, py, x + bar_w + 4, py, Attrs().set("stroke", "#555555"));
    doc.text(x + bar_w + 6, py + 4, t.label, Attrs().set("font-size", 10.0).set("fill", "#333333"));
    widest = std::max(widest, 6.2 * static_cast<double>(t.label.size()));
  }
  if (!scale.label.empty()) {
    const double cx = x + bar_w + 14 + widest, cy = top + height / 2;
    doc.text(cx, cy, scale.label,
             Attrs()
                 .set("font-size", 11.0)
                 .set("text-anchor", "middle")
                 .set("fill", "#333333")
                 .set("transform",
                      fmt::format("rotate(90 {} {})", format_number(cx), format_number(cy))));
  }
}

}  // namespace detail
}  // namespace hpo::plot
