// SPDX-License-Identifier: MIT
#pragma once

/// Charts drawn as plain SVG: a grid of panels with linear or log10 axes, nice ticks, lines,
/// markers, translucent bands and one shared legend.
///
/// Series without a colour take one from the Okabe–Ito palette by name, so a name keeps its
/// colour in every panel, and the legend lists each name once, above the panels (it never
/// covers data). Points that an axis cannot show (NaN, infinities, values <= 0 on a log axis)
/// are skipped and break the line there.
///
/// Example:
/// ```
/// hpo::plot::Chart chart;
/// chart.title = "Convergence";
/// hpo::plot::Panel& p = chart.add_panel("branin");
/// p.x.label = "evaluations";
/// p.y.label = "regret";
/// p.y.scale = hpo::plot::Scale::Log10;
/// p.add_series("tpe", {10, 20, 40}, {1.0, 0.1, 0.01}).markers = true;
/// std::string svg = chart.to_svg();
/// ```

#include <algorithm>
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "hpo/plot/axis.hpp"
#include "hpo/plot/colormap.hpp"
#include "hpo/plot/svg.hpp"

namespace hpo::plot {

/// A named sequence of (x, y) points drawn as a line and/or markers.
struct Series {
  std::string name;       ///< Legend entry; no legend entry when empty.
  std::vector<double> x;  ///< X values (same length as `y`; extra values are ignored).
  std::vector<double> y;  ///< Y values.
  std::string color;      ///< CSS colour; empty: the palette colour of `name`.
  bool line = true;       ///< Connect the points.
  bool markers = false;   ///< Draw a dot at every point.
  bool step = false;      ///< Draw the line as a staircase: y holds until the next x.
  std::string dash;       ///< SVG stroke-dasharray (e.g. "5 3"); empty: solid.
  double width = 2.0;     ///< Line width in pixels.
  /// Optional colour per point for the markers (e.g. by trial state); empty: all `color`.
  std::vector<std::string> point_colors;
  /// Optional tooltip per point (an SVG `<title>`, shown on hover; e.g. the trial and its
  /// parameters); empty: none. Each title adds its length to the SVG.
  std::vector<std::string> point_titles;
};

/// A filled area between `lo` and `hi` over `x` (e.g. a quartile band), drawn translucent.
struct Band {
  std::string name;        ///< Colour key: a band named like a series shares its colour.
  std::vector<double> x;   ///< X values.
  std::vector<double> lo;  ///< Lower edge.
  std::vector<double> hi;  ///< Upper edge.
  std::string color;       ///< CSS colour; empty: the palette colour of `name`.
  double opacity = 0.18;   ///< Fill opacity.
};

/// One plot area: title, two axes, bands under series.
struct Panel {
  std::string title;           ///< Drawn above the plot area.
  std::string subtitle;        ///< Smaller text under the title (e.g. the settings); optional.
  Axis x;                      ///< Horizontal axis.
  Axis y;                      ///< Vertical axis.
  std::vector<Band> bands;     ///< Drawn first, under the series.
  std::vector<Series> series;  ///< Drawn in order.
  std::string note;            ///< Small text in the top-right corner of the plot area.

  /// Appends a line series and returns it (set `markers`, `dash`, `color` on the result).
  Series& add_series(std::string name, std::vector<double> xs, std::vector<double> ys) {
    series.emplace_back();
    Series& s = series.back();
    s.name = std::move(name);
    s.x = std::move(xs);
    s.y = std::move(ys);
    return s;
  }
  /// Appends a band between `lo` and `hi` and returns it.
  Band& add_band(std::string name, std::vector<double> xs, std::vector<double> lo,
                 std::vector<double> hi) {
    bands.emplace_back();
    Band& b = bands.back();
    b.name = std::move(name);
    b.x = std::move(xs);
    b.lo = std::move(lo);
    b.hi = std::move(hi);
    return b;
  }
};

/// A chart: panels in a grid under a title, a caption and one legend.
class Chart {
 public:
  std::string title;          ///< Large text at the top; none when empty.
  std::string caption;        ///< Smaller text under the title (e.g. how values were clamped).
  int columns = 2;            ///< Panels per row.
  double panel_width = 420;   ///< Width of one panel, margins included, in pixels.
  double panel_height = 300;  ///< Height of one panel, margins included, in pixels.
  bool legend = true;         ///< Draw the legend of all named series.
  std::vector<Panel> panels;  ///< The panels, filled row by row.
  /// A colour bar right of the panels, for series coloured by a value through `point_colors`
  /// (e.g. `color_bar->color(v)` per point); none when empty.
  std::optional<ColorScale> color_bar;

  /// Appends an empty panel titled `panel_title` and returns it.
  Panel& add_panel(std::string panel_title) {
    panels.emplace_back();
    panels.back().title = std::move(panel_title);
    return panels.back();
  }

  /// The whole chart as an SVG document. Same chart, same bytes.
  std::string to_svg() const;
};

/// The Okabe–Ito colour-blind-safe palette (black moved last), 8 colours.
inline constexpr std::array<std::string_view, 8> kPalette = {
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"};

/// Palette colour number `i` (wraps around).
inline std::string palette_color(std::size_t i) {
  return std::string(kPalette[i % kPalette.size()]);
}

namespace detail {

/// The points of `panel` (series and bands) that both its axes can show, into `vx`, `vy`.
inline void valid_points(const Panel& panel, std::vector<double>& vx, std::vector<double>& vy);

/// The left margin `panel` needs for its y tick labels and y axis label, in pixels.
inline double left_margin(const Panel& panel);

/// Draws one panel into `doc` with its outer box at (x0, y0), size w x h, and the plot area
/// `margin` pixels from the left edge (the same in every panel, so that columns line up).
inline void draw_panel(SvgDocument& doc, const Panel& panel, std::size_t index, double x0,
                       double y0, double w, double h, double margin,
                       const std::vector<std::string>& names);

/// Colour of a series or band: its own, else the palette colour of its name's position.
inline std::string color_of(const std::string& own, const std::string& name,
                            const std::vector<std::string>& names);

}  // namespace detail

// ---------------------------------------------------------------------------------------------

namespace detail {

inline std::string color_of(const std::string& own, const std::string& name,
                            const std::vector<std::string>& names) {
  if (!own.empty()) return own;
  const auto it = std::find(names.begin(), names.end(), name);
  return palette_color(static_cast<std::size_t>(it - names.begin()));
}

/// Rough width of `s` in pixels at font size `size` (no font metrics available).
inline double text_width(std::string_view s, double size) {
  return 0.62 * size * static_cast<double>(s.size());
}

/// The runs of consecutive indices i < n for which `ok(i)` holds.
template <class Ok>
std::vector<std::vector<std::size_t>> runs(std::size_t n, Ok ok) {
  std::vector<std::vector<std::size_t>> out;
  bool open = false;
  for (std::size_t i = 0; i < n; ++i) {
    if (!ok(i)) {
      open = false;
      continue;
    }
    if (!open) out.emplace_back();
    out.back().push_back(i);
    open = true;
  }
  return out;
}

inline void valid_points(const Panel& panel, std::vector<double>& vx, std::vector<double>& vy) {
  std::vector<double> xs, ys;
  for (const Series& s : panel.series) {
    const std::size_t n = std::min(s.x.size(), s.y.size());
    xs.insert(xs.end(), s.x.begin(), s.x.begin() + static_cast<std::ptrdiff_t>(n));
    ys.insert(ys.end(), s.y.begin(), s.y.begin() + static_cast<std::ptrdiff_t>(n));
  }
  for (const Band& b : panel.bands) {
    const std::size_t n = std::min({b.x.size(), b.lo.size(), b.hi.size()});
    for (std::size_t i = 0; i < n; ++i) xs.push_back(b.x[i]), xs.push_back(b.x[i]);
    ys.insert(ys.end(), b.lo.begin(), b.lo.begin() + static_cast<std::ptrdiff_t>(n));
    ys.insert(ys.end(), b.hi.begin(), b.hi.begin() + static_cast<std::ptrdiff_t>(n));
  }
  const AxisMap probe_x = make_axis(panel.x, {}, 0, 1), probe_y = make_axis(panel.y, {}, 0, 1);
  for (std::size_t i = 0; i < xs.size(); ++i) {
    if (probe_x.valid(xs[i]) && probe_y.valid(ys[i])) vx.push_back(xs[i]), vy.push_back(ys[i]);
  }
}

/// Width of the widest y tick label of `y`.
inline double tick_label_width(const AxisMap& y) {
  double w = 0;
  for (const Tick& t : y.ticks) w = std::max(w, text_width(t.label, 11));
  return w;
}

inline double left_margin(const Panel& panel) {
  std::vector<double> vx, vy;
  valid_points(panel, vx, vy);
  const double w = tick_label_width(make_axis(panel.y, vy, 0, 1));
  return std::max(40.0, w + (panel.y.label.empty() ? 14 : 36));
}

inline void draw_panel(SvgDocument& doc, const Panel& panel, std::size_t index, double x0,
                       double y0, double w, double h, double margin,
                       const std::vector<std::string>& names) {
  // Margins: room for the tick labels, plus the axis labels when there are any.
  const double left = x0 + margin, right = x0 + w - 16;
  const double top = y0 + (panel.subtitle.empty() ? 30 : 42);
  const double bottom = y0 + h - (panel.x.label.empty() ? 26 : 44);
  // Only points valid on both axes decide the ranges.
  std::vector<double> vx, vy;
  valid_points(panel, vx, vy);
  const AxisMap Y = make_axis(panel.y, vy, bottom, top);
  const double label_w = tick_label_width(Y);
  const AxisMap X = make_axis(panel.x, vx, left, right);
  const auto ok = [&](double x, double y) { return X.valid(x) && Y.valid(y); };

  const std::string text_fill = "#333333";
  doc.text(left, y0 + 19, panel.title,
           Attrs().set("font-size", 13.0).set("font-weight", "bold").set("fill", "#222222"));
  if (!panel.subtitle.empty()) {
    doc.text(left, y0 + 34, panel.subtitle, Attrs().set("font-size", 11.0).set("fill", "#555555"));
  }

  // Grid and tick labels; a label that would touch the previous one is left out.
  double last_x_label = -1e9, last_y_label = 1e9;
  for (const Tick& t : X.ticks) {
    const double px = X(t.value);
    doc.line(px, top, px, bottom, Attrs().set("stroke", t.major ? "#dddddd" : "#f0f0f0"));
    if (t.label.empty()) continue;
    const double half = text_width(t.label, 11) / 2;
    if (px - half < last_x_label + 6) continue;
    last_x_label = px + half;
    doc.text(px, bottom + 16, t.label,
             Attrs().set("font-size", 11.0).set("text-anchor", "middle").set("fill", text_fill));
  }
  for (const Tick& t : Y.ticks) {
    const double py = Y(t.value);
    doc.line(left, py, right, py, Attrs().set("stroke", t.major ? "#dddddd" : "#f0f0f0"));
    if (t.label.empty() || py > last_y_label - 13) continue;
    last_y_label = py;
    doc.text(left - 6, py + 4, t.label,
             Attrs().set("font-size", 11.0).set("text-anchor", "end").set("fill", text_fill));
  }
  doc.rect(left, top, right - left, bottom - top,
           Attrs().set("fill", "none").set("stroke", "#888888"));
  if (!panel.x.label.empty()) {
    doc.text((left + right) / 2, bottom + 34, panel.x.label,
             Attrs().set("font-size", 12.0).set("text-anchor", "middle").set("fill", text_fill));
  }
  if (!panel.y.label.empty()) {
    const double cx = left - label_w - 20, cy = (top + bottom) / 2;
    doc.text(cx, cy, panel.y.label,
             Attrs()
                 .set("font-size", 12.0)
                 .set("text-anchor", "middle")
                 .set("fill", text_fill)
                 .set("transform",
                      fmt::format("rotate(-90 {} {})", format_number(cx), format_number(cy))));
  }

  // Data, clipped to the plot area.
  const std::string clip = fmt::format("hpo-plot-clip-{}", index);
  // The clip area reaches a few pixels past the frame, so markers on its edge stay whole.
  const double pad = 6;
  doc.raw(
      fmt::format("<defs><clipPath id=\"{}\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>"
                  "</clipPath></defs>\n",
                  clip, format_number(left - pad), format_number(top - pad),
                  format_number(right - left + 2 * pad), format_number(bottom - top + 2 * pad)));
  doc.begin_group(Attrs().set("clip-path", fmt::format("url(#{})", clip)));
  bool drawn = false;
  for (const Band& b : panel.bands) {
    const std::size_t n = std::min({b.x.size(), b.lo.size(), b.hi.size()});
    const std::string color = color_of(b.color, b.name, names);
    for (const auto& run :
         runs(n, [&](std::size_t i) { return ok(b.x[i], b.lo[i]) && ok(b.x[i], b.hi[i]); })) {
      std::vector<Point> poly;
      for (std::size_t i : run) poly.push_back({X(b.x[i]), Y(b.lo[i])});
      for (auto it = run.rbegin(); it != run.rend(); ++it)
        poly.push_back({X(b.x[*it]), Y(b.hi[*it])});
      if (poly.size() == 2) poly.push_back(poly.front());  // one point: a vertical bar
      doc.polygon(poly,
                  Attrs().set("fill", color).set("fill-opacity", b.opacity).set("stroke", "none"));
      if (run.size() == 1) {
        doc.line(poly[0].x, poly[0].y, poly[1].x, poly[1].y,
                 Attrs()
                     .set("stroke", color)
                     .set("stroke-opacity", b.opacity * 2)
                     .set("stroke-width", 6.0));
      }
      drawn = true;
    }
  }
  for (const Series& s : panel.series) {
    const std::size_t n = std::min(s.x.size(), s.y.size());
    const std::string color = color_of(s.color, s.name, names);
    for (const auto& run : runs(n, [&](std::size_t i) { return ok(s.x[i], s.y[i]); })) {
      std::vector<Point> pts;
      for (std::size_t i : run) pts.push_back({X(s.x[i]), Y(s.y[i])});
      if (s.line && pts.size() >= 2) {
        std::vector<Point> path = pts;
        if (s.step) {
          path.clear();
          for (std::size_t k = 0; k < pts.size(); ++k) {
            if (k > 0) path.push_back({pts[k].x, pts[k - 1].y});
            path.push_back(pts[k]);
          }
        }
        Attrs a;
        a.set("fill", "none").set("stroke", color).set("stroke-width", s.width);
        a.set("stroke-linejoin", "round");
        if (!s.dash.empty()) a.set("stroke-dasharray", s.dash);
        doc.polyline(path, a);
      }
      if (s.markers || pts.size() == 1) {
        for (std::size_t k = 0; k < run.size(); ++k) {
          const std::size_t i = run[k];
          const bool own = i < s.point_colors.size() && !s.point_colors[i].empty();
          const std::string& c = own ? s.point_colors[i] : color;
          const bool titled = i < s.point_titles.size() && !s.point_titles[i].empty();
          if (!titled) {
            doc.circle(pts[k].x, pts[k].y, s.width + 1.5, Attrs().set("fill", c));
            continue;
          }
          doc.raw(fmt::format(
              "<circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{}\"><title>{}</title></circle>\n",
              format_number(pts[k].x), format_number(pts[k].y), format_number(s.width + 1.5),
              escape_xml(c), escape_xml(s.point_titles[i])));
        }
      }
      drawn = true;
    }
  }
  doc.end_group();
  if (!drawn) {
    doc.text((left + right) / 2, (top + bottom) / 2, "no data",
             Attrs().set("font-size", 13.0).set("text-anchor", "middle").set("fill", "#888888"));
  }
  if (!panel.note.empty()) {
    doc.text(right - 4, top + 14, panel.note,
             Attrs().set("font-size", 10.0).set("text-anchor", "end").set("fill", "#666666"));
  }
}

}  // namespace detail

inline std::string Chart::to_svg() const {
  // Every name once, series first: the palette order and the legend order.
  std::vector<std::string> names;
  std::vector<const Series*> legend_series;
  for (const Panel& p : panels) {
    for (const Series& s : p.series) {
      if (s.name.empty() || std::find(names.begin(), names.end(), s.name) != names.end()) continue;
      names.push_back(s.name);
      legend_series.push_back(&s);
    }
  }
  for (const Panel& p : panels) {
    for (const Band& b : p.bands) {
      if (!b.name.empty() && std::find(names.begin(), names.end(), b.name) == names.end()) {
        names.push_back(b.name);
      }
    }
  }

  const int cols = std::max(1, columns);
  const std::size_t n_panels = std::max<std::size_t>(panels.size(), 1);
  const std::size_t rows =
      (n_panels + static_cast<std::size_t>(cols) - 1) / static_cast<std::size_t>(cols);
  const double panels_width = panel_width * std::min<double>(cols, static_cast<double>(n_panels));
  const double width = 20 + panels_width + (color_bar ? detail::kColorBarWidth : 0);

  // Legend layout first: its height decides where the panels start.
  struct Entry {
    const Series* s;
    double x;
    int row;
  };
  std::vector<Entry> entries;
  double lx = 20;
  int lrow = 0;
  if (legend) {
    for (const Series* s : legend_series) {
      const double ew = 34 + detail::text_width(s->name, 12) + 18;
      if (lx + ew > width - 10 && lx > 20) lx = 20, ++lrow;
      entries.push_back({s, lx, lrow});
      lx += ew;
    }
  }
  double y = 10;
  const double title_y = title.empty() ? y : y + 20;
  if (!title.empty()) y += 28;
  const double caption_y = y + 12;
  if (!caption.empty()) y += 20;
  const double legend_y = y + 10;
  if (!entries.empty()) y += 20.0 * (lrow + 1) + 4;
  const double height = y + panel_height * static_cast<double>(rows) + 6;

  SvgDocument doc(width, height);
  if (!title.empty()) {
    doc.text(20, title_y, title,
             Attrs().set("font-size", 17.0).set("font-weight", "bold").set("fill", "#222222"));
  }
  if (!caption.empty()) {
    doc.text(20, caption_y, caption, Attrs().set("font-size", 12.0).set("fill", "#555555"));
  }
  for (const Entry& e : entries) {
    const double ey = legend_y + 20.0 * e.row;
    const std::string color = detail::color_of(e.s->color, e.s->name, names);
    Attrs a;
    a.set("stroke", color).set("stroke-width", e.s->width);
    if (!e.s->dash.empty()) a.set("stroke-dasharray", e.s->dash);
    if (e.s->line) doc.line(e.x, ey, e.x + 28, ey, a);
    if (e.s->markers || !e.s->line)
      doc.circle(e.x + 14, ey, e.s->width + 1.5, Attrs().set("fill", color));
    doc.text(e.x + 34, ey + 4, e.s->name, Attrs().set("font-size", 12.0).set("fill", "#222222"));
  }
  double margin = 0;
  for (const Panel& p : panels) margin = std::max(margin, detail::left_margin(p));
  for (std::size_t i = 0; i < panels.size(); ++i) {
    const double px = 10 + panel_width * static_cast<double>(i % static_cast<std::size_t>(cols));
    const double py = y + panel_height * static_cast<double>(i / static_cast<std::size_t>(cols));
    detail::draw_panel(doc, panels[i], i, px, py, panel_width, panel_height, margin, names);
  }
  if (color_bar) {
    const double bar_h = std::min(360.0, panel_height * static_cast<double>(rows) - 74);
    detail::draw_color_bar(doc, *color_bar, 14 + panels_width, y + 30, std::max(bar_h, 40.0),
                           "hpo-chart-color-bar");
  }
  return doc.str();
}

}  // namespace hpo::plot
