// SPDX-License-Identifier: MIT
#pragma once

/// plot_edf: the empirical distribution function of the objective values of complete trials,
/// for one study or several side by side: at x, the fraction of trials with a value <= x.
///
/// A curve rising early (for minimization) means a study that finds good values often.
///
/// Example:
/// ```
/// std::string svg = hpo::visualization::plot_edf({{"tpe", &tpe_study}, {"random", &random}});
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

#include "hpo/errors.hpp"
#include "hpo/plot/axis.hpp"
#include "hpo/plot/chart.hpp"
#include "hpo/study/study.hpp"
#include "hpo/trial/frozen_trial.hpp"
#include "hpo/trial/trial_state.hpp"
#include "hpo/visualization/plot_options.hpp"

namespace hpo::visualization {

/// The EDF of the values of `options.objective` over the complete trials of `study`, as an SVG
/// document: a step line from 0 to 1. The x axis is log10 when every value is > 0 and they span
/// more than two decades. Throws hpo::InvalidArgument when `options.objective` is out of range.
inline std::string plot_edf(const Study& study, const PlotOptions& options = {});

/// The EDFs of several studies in one panel, one line per study, labelled with the name given
/// with it and its number of complete trials. Throws hpo::InvalidArgument for a null study or
/// when `options.objective` is out of range for one of them.
inline std::string plot_edf(const std::vector<std::pair<std::string, const Study*>>& studies,
                            const PlotOptions& options = {});

namespace detail {

/// The chart plot_edf draws for `studies` (one unnamed study: legend "N complete trials").
/// Series, in order: per study its step line (x: the smallest value then every distinct value;
/// y: 0 then the fraction of values <= x), then, with tooltips, unnamed per-trial markers.
inline plot::Chart edf_chart(const std::vector<std::pair<std::string, const Study*>>& studies,
                             const PlotOptions& options) {
  std::size_t total = 0;
  for (const auto& [name, study] : studies) {
    if (study == nullptr)
      throw InvalidArgument(
          fmt::format("hpo::visualization::plot_edf: study '{}' is a null pointer", name));
    check_objective(*study, options, "plot_edf");
    total += study->trial_snapshots(TrialStates{TrialState::Complete}).size();
  }

  plot::Chart chart;
  chart.title =
      options.title.empty() ? "Empirical distribution of the objective values" : options.title;
  chart.columns = 1;
  chart.panel_width = options.width > 0 ? options.width : 760;
  chart.panel_height = options.height > 0 ? options.height : 420;
  plot::Panel& panel = chart.add_panel("EDF of complete trials");
  panel.x.label =
      studies.empty() ? "objective value" : objective_label(*studies[0].second, options);
  panel.y.label = "fraction of trials with value \u2264 x";
  panel.y.min = 0.0;
  panel.y.max = 1.0;

  const bool tooltips = total <= options.max_tooltips;
  std::vector<double> shown;
  std::vector<plot::Series> marks;
  bool thinned = false;
  for (std::size_t k = 0; k < studies.size(); ++k) {
    const auto& [name, study] = studies[k];
    std::vector<FrozenTrialPtr> trials = study->trial_snapshots(TrialStates{TrialState::Complete});
    trials.erase(std::remove_if(trials.begin(), trials.end(),
                                [&](const FrozenTrialPtr& t) {
                                  return !std::isfinite(objective_value(*t, options));
                                }),
                 trials.end());
    std::stable_sort(trials.begin(), trials.end(),
                     [&](const FrozenTrialPtr& a, const FrozenTrialPtr& b) {
                       return objective_value(*a, options) < objective_value(*b, options);
                     });
    const std::size_t n = trials.size();
    const std::string label =
        name.empty() ? fmt::format("{} complete trials", n) : fmt::format("{} (n={})", name, n);
    // Distinct values with the fraction at or below each; thinned to max_trials points.
    std::vector<double> xs, ys;
    for (std::size_t i = 0; i < n; ++i) {
      const double v = objective_value(*trials[i], options);
      shown.push_back(v);
      if (i + 1 < n && objective_value(*trials[i + 1], options) == v) continue;
      xs.push_back(v);
      ys.push_back(static_cast<double>(i + 1) / static_cast<double>(n));
    }
    const std::size_t budget = options.max_trials;
    if (budget >= 2 && xs.size() > budget) {
      thinned = true;
      std::vector<double> tx, ty;
      for (std::size_t j = 0; j < budget; ++j) {
        const std::size_t i = j * (xs.size() - 1) / (budget - 1);
        tx.push_back(xs[i]);
        ty.push_back(ys[i]);
      }
      xs.swap(tx);
      ys.swap(ty);
    }
    if (!xs.empty()) {
      xs.insert(xs.begin(), xs.front());
      ys.insert(ys.begin(), 0.0);
    }
    plot::Series& line = panel.add_series(label, std::move(xs), std::move(ys));
    line.step = true;
    line.color = plot::palette_color(k);
    if (!tooltips || n == 0) continue;
    plot::Series m;
    m.color = line.color;
    m.line = false;
    m.markers = true;
    m.width = 0.5;
    for (std::size_t i = 0; i < n; ++i) {
      m.x.push_back(objective_value(*trials[i], options));
      // The value's fraction: that of the last trial sharing it.
      std::size_t j = i;
      while (j + 1 < n &&
             objective_value(*trials[j + 1], options) == objective_value(*trials[i], options))
        ++j;
      m.y.push_back(static_cast<double>(j + 1) / static_cast<double>(n));
      m.point_titles.push_back(trial_title(*trials[i], options));
    }
    marks.push_back(std::move(m));
  }
  for (plot::Series& m : marks) panel.series.push_back(std::move(m));
  panel.x.scale = auto_scale(shown);
  std::vector<std::string> notes;
  if (shown.empty()) notes.push_back(studies.empty() ? "no studies" : "no complete trials");
  if (thinned) notes.push_back(fmt::format("curves drawn with {} points each", options.max_trials));
  panel.note = fmt::format("{}", fmt::join(notes, "; "));
  return chart;
}

}  // namespace detail

inline std::string plot_edf(const Study& study, const PlotOptions& options) {
  return detail::edf_chart({{std::string(), &study}}, options).to_svg();
}

inline std::string plot_edf(const std::vector<std::pair<std::string, const Study*>>& studies,
                            const PlotOptions& options) {
  return detail::edf_chart(studies, options).to_svg();
}

}  // namespace hpo::visualization
