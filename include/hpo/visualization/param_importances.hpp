// SPDX-License-Identifier: MIT
#pragma once

/// plot_param_importances: the importance of each parameter as horizontal bars, most
/// important at the top.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "hpo/errors.hpp"
#include "hpo/importance/param_importances.hpp"
#include "hpo/plot/axis.hpp"
#include "hpo/plot/svg.hpp"
#include "hpo/study/study.hpp"
#include "hpo/trial/trial_state.hpp"
#include "hpo/visualization/plot_options.hpp"

namespace hpo::visualization {

/// `importances` as SVG text: one horizontal bar per parameter, most important at the top,
/// labelled with its value ("0.72"), with error bars of ± the per-tree standard deviation
/// when there is one (fANOVA; ParamImportance::std_dev as param_importances gives it), and the
/// method in the subtitle. Uses `options.title`, `options.width` (the whole plot) and
/// `options.height` (one bar's row); an empty list gives an SVG saying so.
inline std::string plot_param_importances(const ParamImportances& importances,
                                          const PlotOptions& options = {});

/// The importances of `study`'s parameters (param_importances with `importance`) as SVG text;
/// see the overload above. `options.objective` picks the objective when
/// `importance.objective` is unset. Without Complete trials, or when the objective does not
/// vary (fANOVA), an SVG saying so; throws hpo::InvalidArgument for an unknown parameter in
/// `importance.params`, a bad option, or an objective out of range.
inline std::string plot_param_importances(const Study& study,
                                          const ImportanceOptions& importance = {},
                                          const PlotOptions& options = {});

namespace detail {

/// The default title of importance plots.
inline std::string importance_title(const PlotOptions& options) {
  return options.title.empty() ? "Hyperparameter importances" : options.title;
}

}  // namespace detail

inline std::string plot_param_importances(const ParamImportances& importances,
                                          const PlotOptions& options) {
  using plot::Attrs;
  const std::string title = detail::importance_title(options);
  if (importances.params.empty()) return detail::message_svg(title, "no parameters to rank");
  std::vector<ParamImportance> rows = importances.params;
  std::stable_sort(rows.begin(), rows.end(),
                   [](const ParamImportance& a, const ParamImportance& b) {
                     return a.importance > b.importance;
                   });
  bool any_std = false;
  double widest = 0, x_max = 0;
  for (const ParamImportance& p : rows) {
    any_std = any_std || p.std_dev > 0;
    widest = std::max(widest, 7.0 * static_cast<double>(std::min<std::size_t>(p.name.size(), 32)));
    x_max = std::max(x_max, p.importance + std::max(p.std_dev, 0.0));
  }
  const double row_h = options.height > 0 ? options.height : 28;
  const double width = options.width > 0 ? options.width : 680;
  const double left = std::clamp(widest + 24, 80.0, 260.0), right = width - 60;
  const double top = 72, bottom = top + row_h * static_cast<double>(rows.size());
  const double height = bottom + 52;
  plot::Axis axis;
  axis.min = 0;
  const auto X = plot::detail::make_axis(axis, {0.0, std::max(x_max, 1e-9)}, left, right);

  plot::SvgDocument doc(width, height);
  doc.text(20, 28, title,
           Attrs().set("font-size", 17.0).set("font-weight", "bold").set("fill", "#222222"));
  std::string subtitle =
      fmt::format("{}; importances sum to 1", importances.method == ImportanceMethod::Fanova
                                                  ? "fANOVA (share of the objective's variance)"
                                                  : "PED-ANOVA (how the top trials differ)");
  if (importances.n_trials > 0 && importances.n_trials < importances.n_complete)
    subtitle += fmt::format("; from {} of {} trials", importances.n_trials, importances.n_complete);
  if (any_std) subtitle += "; error bars: \u00b11 s.d. over the trees";
  doc.text(20, 48, subtitle, Attrs().set("font-size", 12.0).set("fill", "#555555"));
  for (const plot::Tick& t : X.ticks) {
    const double px = X(t.value);
    doc.line(px, top, px, bottom, Attrs().set("stroke", "#e4e4e4"));
    doc.text(px, bottom + 16, t.label,
             Attrs().set("font-size", 11.0).set("text-anchor", "middle").set("fill", "#333333"));
  }
  doc.line(left, top, left, bottom, Attrs().set("stroke", "#888888"));
  doc.text((left + right) / 2, bottom + 36, "importance",
           Attrs().set("font-size", 12.0).set("text-anchor", "middle").set("fill", "#333333"));
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const ParamImportance& p = rows[i];
    const double cy = top + row_h * (static_cast<double>(i) + 0.5);
    const double bar_h = row_h * 0.64;
    const double v = std::max(p.importance, 0.0);
    doc.text(left - 8, cy + 4, p.name.size() > 32 ? p.name.substr(0, 31) + "\u2026" : p.name,
             Attrs().set("font-size", 12.0).set("text-anchor", "end").set("fill", "#222222"));
    doc.raw(fmt::format(
        "<rect class=\"bar\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#0072B2\">"
        "<title>{}: {:.4f}{}</title></rect>\n",
        plot::format_number(left), plot::format_number(cy - bar_h / 2),
        plot::format_number(X(v) - left, 3), plot::format_number(bar_h), plot::escape_xml(p.name),
        p.importance, p.std_dev > 0 ? fmt::format(" \u00b1 {:.4f}", p.std_dev) : std::string()));
    double label_x = X(v);
    if (p.std_dev > 0) {
      const double lo = X(std::max(v - p.std_dev, 0.0)), hi = X(v + p.std_dev);
      const Attrs stroke = Attrs().set("stroke", "#222222").set("stroke-width", 1.2);
      doc.line(lo, cy, hi, cy, Attrs(stroke).set("class", "error-bar"));
      doc.line(lo, cy - 4, lo, cy + 4, stroke);
      doc.line(hi, cy - 4, hi, cy + 4, stroke);
      label_x = hi;
    }
    doc.text(label_x + 6, cy + 4, fmt::format("{:.2f}", p.importance),
             Attrs().set("font-size", 11.0).set("fill", "#222222").set("class", "value"));
  }
  return doc.str();
}

inline std::string plot_param_importances(const Study& study, const ImportanceOptions& importance,
                                          const PlotOptions& options) {
  detail::check_objective(study, options, "plot_param_importances");
  if (study.trial_snapshots(TrialStates{TrialState::Complete}).empty())
    return detail::message_svg(detail::importance_title(options), "no complete trials");
  ImportanceOptions opts = importance;
  if (!opts.objective && (options.objective > 0 || study.directions().size() > 1))
    opts.objective = static_cast<int>(options.objective);
  ParamImportances result;
  try {
    result = param_importances(study, opts);
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(fmt::format("hpo::visualization::plot_param_importances: {}", e.what()));
  } catch (const Error&) {
    // fANOVA finds no variance (all values equal): nothing to rank, not a caller error.
    return detail::message_svg(detail::importance_title(options),
                               "the objective does not vary: nothing to rank");
  }
  return plot_param_importances(result, options);
}

}  // namespace hpo::visualization
