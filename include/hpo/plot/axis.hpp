// SPDX-License-Identifier: MIT
#pragma once

/// Axes for hpo/plot/chart.hpp: linear and log10 scales, "nice" ticks and compact tick labels.
///
/// Linear axes step by 1, 2 or 5 x 10^k; log axes by decades, with labelled 2 and 5 minor
/// ticks when the range spans two decades or less. `detail::AxisMap` maps values to pixels.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "hpo/plot/svg.hpp"

namespace hpo::plot {

/// How an axis maps values to pixels.
enum class Scale { Linear, Log10 };

/// One axis of a panel.
struct Axis {
  std::string label;            ///< Axis title, with units where there are any.
  Scale scale = Scale::Linear;  ///< Linear or base-10 logarithmic.
  std::optional<double> min;    ///< Fixed lower end; from the data when empty.
  std::optional<double> max;    ///< Fixed upper end; from the data when empty.
  /// Category names: when not empty, the axis is categorical. Value i (0, 1, ...) is drawn at
  /// the tick labelled `categories[i]`, the range is [-0.5, size - 0.5] and `scale`, `min`
  /// and `max` are ignored.
  std::vector<std::string> categories;
  /// Integer data (e.g. an int parameter): ticks between whole numbers are left out.
  bool integer = false;
};

/// A tick mark on an axis: its value and its label (empty for an unlabelled minor tick).
struct Tick {
  double value = 0;   ///< Where the tick sits, in data units.
  std::string label;  ///< Text under (x) or beside (y) the tick; may be empty.
  bool major = true;  ///< Major ticks get a stronger grid line.
};

/// A compact tick label: "0", "0.25", "100", "1e-3", "2.5e6". `step` is the tick spacing,
/// which sets the number of decimals (0 for a plain compact label).
inline std::string tick_label(double v, double step = 0);

/// Ticks of a linear axis covering [lo, hi] with about `target` steps of 1, 2 or 5 x 10^k.
/// The first and last tick enclose [lo, hi]; a zero-width range is widened around its value.
inline std::vector<Tick> linear_ticks(double lo, double hi, int target = 5);

/// Ticks of a log10 axis covering [lo, hi] (both > 0): decades (labelled 0.01 .. 1000, else
/// 1e-3, 1e4), every other decade or less when there are many, and labelled 2 and 5 minor ticks
/// when the range spans at most two decades (the axis then ends at 1-2-5 values).
inline std::vector<Tick> log_ticks(double lo, double hi);

namespace detail {

/// The domain [lo, hi] of an axis after ticks were chosen, and the mapping to pixels.
struct AxisMap {
  Scale scale = Scale::Linear;
  double lo = 0, hi = 1;  ///< Domain in data units.
  double p0 = 0, p1 = 1;  ///< Pixels of lo and hi.
  std::vector<Tick> ticks;

  /// True if `v` can be drawn on this axis (finite, and > 0 on a log axis).
  bool valid(double v) const { return std::isfinite(v) && (scale == Scale::Linear || v > 0); }
  /// The pixel of `v` (which must be valid).
  double operator()(double v) const {
    const double t = scale == Scale::Log10
                         ? (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo))
                         : (v - lo) / (hi - lo);
    return p0 + (p1 - p0) * t;
  }
};

/// The ticks and domain of `axis` for the data values `values` (invalid ones ignored).
inline AxisMap make_axis(const Axis& axis, const std::vector<double>& values, double p0, double p1);

}  // namespace detail

// ---------------------------------------------------------------------------------------------

inline std::string tick_label(double v, double step) {
  if (!std::isfinite(v)) return "";
  const double av = std::fabs(v);
  if (av < 1e-300 || (step > 0 && av < step * 1e-6)) return "0";
  // Decimals needed to tell ticks `step` apart (0.25 -> 2, 5 -> 0).
  int decimals = 6;
  if (step > 0) {
    decimals = 0;
    double s = step;
    while (decimals < 12 && std::fabs(s - std::round(s)) > 1e-6 * s) {
      s *= 10;
      ++decimals;
    }
  }
  if (av >= 0.01 && av < 1e5) return format_number(v, decimals);
  const int e = static_cast<int>(std::floor(std::log10(av)));
  int mantissa_decimals = 2;
  if (step > 0) {
    mantissa_decimals = std::clamp(e - static_cast<int>(std::floor(std::log10(step))), 0, 6);
  }
  double m = v / std::pow(10.0, e);
  std::string ms = format_number(m, mantissa_decimals);
  int exponent = e;
  if (ms == "10" || ms == "-10") {  // 9.999 rounded up
    ms = m < 0 ? "-1" : "1";
    ++exponent;
  }
  return fmt::format("{}e{}", ms, exponent);
}

inline std::vector<Tick> linear_ticks(double lo, double hi, int target) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) lo = 0, hi = 1;
  if (hi < lo) std::swap(lo, hi);
  if (hi - lo <= 1e-12 * std::max(std::fabs(lo), std::fabs(hi))) {
    const double d = lo != 0 ? std::fabs(lo) * 0.1 : 1.0;
    lo -= d;
    hi += d;
  }
  const double raw = (hi - lo) / std::max(target, 1);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double r = raw / mag;
  const double step = (r < 1.5 ? 1.0 : r < 3.0 ? 2.0 : r < 7.0 ? 5.0 : 10.0) * mag;
  const double i0 = std::floor(lo / step + 1e-9);
  const double i1 = std::ceil(hi / step - 1e-9);
  std::vector<Tick> ticks;
  for (double i = i0; i <= i1 + 0.5; i += 1.0) {
    double v = i * step;
    if (std::fabs(v) < step * 1e-9) v = 0;
    ticks.push_back({v, tick_label(v, step), true});
  }
  return ticks;
}

inline std::vector<Tick> log_ticks(double lo, double hi) {
  if (!(lo > 0) || !(hi > 0) || !std::isfinite(lo) || !std::isfinite(hi)) lo = 1, hi = 10;
  if (hi < lo) std::swap(lo, hi);
  const int e0 = static_cast<int>(std::floor(std::log10(lo) + 1e-9));
  int e1 = static_cast<int>(std::ceil(std::log10(hi) - 1e-9));
  if (e1 <= e0) e1 = e0 + 1;
  const int stride = (e1 - e0 + 7) / 8;  // at most 8 labelled decades
  while ((e1 - e0) % stride != 0) ++e1;
  const bool label_minors = e1 - e0 <= 2;
  const bool minors = e1 - e0 <= 4;  // minor ticks would crowd a longer axis
  std::vector<Tick> ticks;
  for (int e = e0; e <= e1; e += stride) {
    const double decade = std::pow(10.0, e);
    // Decades read best as 0.01 .. 1000 and as 1e-3, 1e4 beyond.
    ticks.push_back(
        {decade, e >= -2 && e <= 3 ? tick_label(decade) : fmt::format("1e{}", e), true});
    if (stride != 1 || !minors || e == e1) continue;
    for (int k = 2; k <= 9; ++k) {
      const bool labelled = label_minors && (k == 2 || k == 5);
      ticks.push_back({k * decade, labelled ? tick_label(k * decade) : "", false});
    }
  }
  if (label_minors) {
    // A short range ends at the 1-2-5 values around the data rather than at whole decades.
    const auto snap = [](double v, bool down) {
      const double decade = std::pow(10.0, std::floor(std::log10(v) + 1e-9));
      for (double k : {1.0, 2.0, 5.0, 10.0}) {
        if (down && k * decade > v * (1 + 1e-9))
          return (k == 1.0 ? 0.5 : k == 2.0 ? 1 : k == 5.0 ? 2 : 5) * decade;
        if (!down && k * decade >= v * (1 - 1e-9)) return k * decade;
      }
      return 10 * decade;
    };
    const double lo_end = snap(lo, true), hi_end = snap(hi, false);
    ticks.erase(std::remove_if(ticks.begin(), ticks.end(),
                               [&](const Tick& t) {
                                 return t.value < lo_end * (1 - 1e-9) ||
                                        t.value > hi_end * (1 + 1e-9);
                               }),
                ticks.end());
  }
  return ticks;
}

namespace detail {

inline AxisMap make_axis(const Axis& axis, const std::vector<double>& values, double p0,
                         double p1) {
  AxisMap m;
  m.p0 = p0;
  m.p1 = p1;
  if (!axis.categories.empty()) {
    m.lo = -0.5;
    m.hi = static_cast<double>(axis.categories.size()) - 0.5;
    for (std::size_t i = 0; i < axis.categories.size(); ++i)
      m.ticks.push_back({static_cast<double>(i), axis.categories[i], true});
    return m;
  }
  m.scale = axis.scale;
  double lo = 0, hi = 0;
  bool any = false;
  for (double v : values) {
    if (!m.valid(v)) continue;
    lo = any ? std::min(lo, v) : v;
    hi = any ? std::max(hi, v) : v;
    any = true;
  }
  if (!any) lo = axis.scale == Scale::Log10 ? 1 : 0, hi = axis.scale == Scale::Log10 ? 10 : 1;
  const bool fixed_lo = axis.min && m.valid(*axis.min);
  const bool fixed_hi = axis.max && m.valid(*axis.max);
  if (fixed_lo) lo = *axis.min;
  if (fixed_hi) hi = *axis.max;
  if (hi < lo) std::swap(lo, hi);
  m.ticks = axis.scale == Scale::Log10 ? log_ticks(lo, hi) : linear_ticks(lo, hi);
  m.lo = m.ticks.front().value;
  m.hi = m.ticks.front().value;
  for (const Tick& t : m.ticks) m.lo = std::min(m.lo, t.value), m.hi = std::max(m.hi, t.value);
  if (fixed_lo) m.lo = lo;
  if (fixed_hi) m.hi = hi;
  if (!(m.hi > m.lo)) m.hi = axis.scale == Scale::Log10 ? m.lo * 10 : m.lo + 1;
  const double tol = 1e-9 * (m.hi - m.lo);
  m.ticks.erase(
      std::remove_if(m.ticks.begin(), m.ticks.end(),
                     [&](const Tick& t) { return t.value < m.lo - tol || t.value > m.hi + tol; }),
      m.ticks.end());
  if (axis.integer) {
    const auto fractional = [](const Tick& t) {
      return std::fabs(t.value - std::round(t.value)) > 1e-9 * std::max(1.0, std::fabs(t.value));
    };
    // Keep the ticks when every one is fractional (a range inside one unit).
    if (!std::all_of(m.ticks.begin(), m.ticks.end(), fractional))
      m.ticks.erase(std::remove_if(m.ticks.begin(), m.ticks.end(), fractional), m.ticks.end());
  }
  return m;
}

}  // namespace detail
}  // namespace hpo::plot
