// SPDX-License-Identifier: MIT
#pragma once

/// plot_timeline: when each trial ran, as one horizontal bar per trial from its start to its
/// completion, one row per worker, coloured by state; and how busy the workers were.
///
/// Rows come from the `hpo::kWorkerAttr` system attribute that Study::optimize sets ("HOST:PID/
/// JOB"). Trials without it (ask/tell, add_trial, older journals) are packed greedily into the
/// fewest rows on which no two of them overlap, labelled "lane 1", "lane 2", ...
///
/// Example:
/// ```
/// std::string svg = hpo::visualization::plot_timeline(study);
/// ```

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <functional>
#include <map>
#include <queue>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "hpo/plot/axis.hpp"
#include "hpo/plot/chart.hpp"
#include "hpo/study/direction.hpp"
#include "hpo/study/study.hpp"
#include "hpo/trial/frozen_trial.hpp"
#include "hpo/trial/trial_state.hpp"
#include "hpo/visualization/plot_options.hpp"

namespace hpo::visualization {

/// The timeline of `study` as an SVG document: one bar per trial with a start time, from
/// `datetime_start` to `datetime_complete` (running trials: to the latest time stamp in the
/// study), on the row of its worker; x in seconds (minutes, hours for long studies) since the
/// first start. The note gives the utilisation, busy time / (rows x span), and how many trials
/// without a start time were left out. At most `options.max_trials` bars are drawn (0: all);
/// rows and utilisation always count every trial. Throws hpo::InvalidArgument when
/// `options.objective` is out of range.
inline std::string plot_timeline(const Study& study, const PlotOptions& options = {});

namespace detail {

/// One bar of the timeline: a trial, its row, and its start and end in seconds.
struct TimelineBar {
  FrozenTrialPtr trial;  ///< The trial drawn.
  std::size_t row = 0;   ///< Row index, 0 for the top row.
  double start = 0;      ///< Seconds since the first start in the study.
  double end = 0;        ///< Seconds since the first start; >= start.
};

/// The rows and bars of a timeline, before drawing.
struct TimelineLayout {
  std::vector<std::string> rows;  ///< Row names, top first: workers, then "lane 1", ...
  std::vector<TimelineBar> bars;  ///< One per trial with a start time, by trial number.
  std::size_t skipped = 0;        ///< Trials without a start time (not drawn).
  double span = 0;                ///< Seconds from the first start to the last time stamp.
  double busy = 0;                ///< Sum of the bar lengths, in seconds.
};

/// Natural order of worker names: digit runs compare as numbers ("h:1/2" < "h:1/10").
inline bool natural_less(std::string_view a, std::string_view b) {
  std::size_t i = 0, j = 0;
  const auto digit = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; };
  while (i < a.size() && j < b.size()) {
    if (digit(a[i]) && digit(b[j])) {
      std::size_t i1 = i, j1 = j;
      while (i1 < a.size() && a[i1] == '0') ++i1;
      while (j1 < b.size() && b[j1] == '0') ++j1;
      std::size_t i2 = i1, j2 = j1;
      while (i2 < a.size() && digit(a[i2])) ++i2;
      while (j2 < b.size() && digit(b[j2])) ++j2;
      if (i2 - i1 != j2 - j1) return i2 - i1 < j2 - j1;
      const int c = a.substr(i1, i2 - i1).compare(b.substr(j1, j2 - j1));
      if (c != 0) return c < 0;
      i = i2;
      j = j2;
      continue;
    }
    if (a[i] != b[j]) return a[i] < b[j];
    ++i;
    ++j;
  }
  return a.size() - i < b.size() - j;
}

/// Rows and bars of the timeline of `trials`: one row per worker named by kWorkerAttr (in
/// natural order), then the fewest greedy lanes for the other trials: by start time, each goes
/// to the lane that freed up first, if it is free by then (a bar may start where another ends).
inline TimelineLayout timeline_layout(const std::vector<FrozenTrialPtr>& trials) {
  TimelineLayout layout;
  bool any = false;
  TimePoint first{}, last{};
  for (const FrozenTrialPtr& t : trials) {
    if (!t->datetime_start) continue;
    const TimePoint end = std::max(*t->datetime_start, t->datetime_complete.value_or(TimePoint{}));
    first = any ? std::min(first, *t->datetime_start) : *t->datetime_start;
    last = any ? std::max(last, end) : end;
    any = true;
  }
  const auto seconds = [&first](TimePoint p) {
    return std::chrono::duration<double>(p - first).count();
  };

  std::map<std::string, std::size_t, bool (*)(std::string_view, std::string_view)> workers(
      natural_less);
  std::vector<std::string> worker_of;  // per bar, "" for none
  for (const FrozenTrialPtr& t : trials) {
    if (!t->datetime_start) {
      ++layout.skipped;
      continue;
    }
    TimelineBar bar;
    bar.trial = t;
    bar.start = seconds(*t->datetime_start);
    bar.end =
        std::max(bar.start, t->datetime_complete ? seconds(*t->datetime_complete) : seconds(last));
    layout.busy += bar.end - bar.start;
    const auto it = t->system_attrs.find(std::string(kWorkerAttr));
    std::string worker;
    if (it != t->system_attrs.end())
      worker = it->second.is_string() ? it->second.as<std::string>() : it->second.to_string();
    if (!worker.empty()) workers.emplace(worker, 0);
    worker_of.push_back(std::move(worker));
    layout.bars.push_back(std::move(bar));
  }
  if (!layout.bars.empty()) layout.span = seconds(last);
  for (auto& [name, row] : workers) {
    row = layout.rows.size();
    layout.rows.push_back(name);
  }

  // Greedy interval partitioning of the trials without a worker: optimal when taken by start.
  std::vector<std::size_t> loose;
  for (std::size_t i = 0; i < layout.bars.size(); ++i) {
    if (worker_of[i].empty())
      loose.push_back(i);
    else
      layout.bars[i].row = workers.at(worker_of[i]);
  }
  std::stable_sort(loose.begin(), loose.end(), [&](std::size_t a, std::size_t b) {
    return layout.bars[a].start < layout.bars[b].start;
  });
  using Free = std::pair<double, std::size_t>;  // (end of the lane's last bar, lane)
  std::priority_queue<Free, std::vector<Free>, std::greater<Free>> lanes;
  std::size_t n_lanes = 0;
  for (std::size_t i : loose) {
    TimelineBar& bar = layout.bars[i];
    std::size_t lane = n_lanes;
    if (!lanes.empty() && lanes.top().first <= bar.start) {
      lane = lanes.top().second;
      lanes.pop();
    } else {
      ++n_lanes;
    }
    bar.row = layout.rows.size() + lane;
    lanes.push({bar.end, lane});
  }
  for (std::size_t k = 0; k < n_lanes; ++k) layout.rows.push_back(fmt::format("lane {}", k + 1));
  return layout;
}

/// The chart plot_timeline draws. The y axis is categorical (top row first); series, in order:
/// one empty series per state present (the legend), one unnamed 2-point line per drawn bar,
/// then (with tooltips) one unnamed marker series of transparent dots at the bars' middles that
/// hold the tooltips. The utilisation and the other notes are in the panel's subtitle.
inline plot::Chart timeline_chart(const Study& study, const PlotOptions& options) {
  check_objective(study, options, "plot_timeline");
  const std::vector<FrozenTrialPtr> trials = study.trial_snapshots();
  const TimelineLayout layout = timeline_layout(trials);

  // Units that keep the tick labels short.
  const double unit = layout.span > 3 * 3600 ? 3600 : layout.span > 300 ? 60 : 1;
  const char* unit_name = unit == 3600 ? "hours" : unit == 60 ? "minutes" : "seconds";
  const std::size_t n_rows = layout.rows.size();

  plot::Chart chart;
  chart.title = options.title.empty() ? "Timeline" : options.title;
  chart.columns = 1;
  chart.panel_width = options.width > 0 ? options.width : 760;
  const double row_px = 22;
  chart.panel_height = options.height > 0
                           ? options.height
                           : std::clamp(110 + row_px * static_cast<double>(n_rows), 300.0, 1000.0);
  plot::Panel& panel = chart.add_panel("trials by worker");
  panel.x.label = fmt::format("{} since the study started", unit_name);
  panel.y.label = "worker";
  panel.x.min = 0.0;
  // Top row first: row r is drawn at category n_rows - 1 - r.
  panel.y.categories.assign(layout.rows.rbegin(), layout.rows.rend());
  if (n_rows == 0) panel.y.categories.push_back("");

  const TrialState order[] = {TrialState::Complete, TrialState::Pruned, TrialState::Failed,
                              TrialState::Running};
  for (TrialState s : order) {
    const bool present = std::any_of(layout.bars.begin(), layout.bars.end(),
                                     [s](const TimelineBar& b) { return b.trial->state == s; });
    if (!present) continue;
    plot::Series& legend = panel.add_series(std::string(to_string(s)), {}, {});
    legend.color = state_color(s);
    legend.width = 8;
  }

  // Which bars to draw: a deterministic subset of the trials when there are too many.
  std::vector<FrozenTrialPtr> with_start;
  for (const TimelineBar& b : layout.bars) with_start.push_back(b.trial);
  const std::vector<FrozenTrialPtr> drawn =
      downsample(with_start, options.max_trials, options,
                 objective_direction(study, options) == Direction::Minimize);
  const bool tooltips = drawn.size() <= options.max_tooltips;
  // Plot area height is about the panel height less 74 pixels of margins.
  const double thickness = std::clamp(
      0.7 * (chart.panel_height - 74) / static_cast<double>(std::max<std::size_t>(n_rows, 1)), 1.5,
      14.0);
  plot::Series tips;
  tips.line = false;
  tips.markers = true;
  tips.width = std::max(0.0, thickness / 2 - 1.5);
  std::size_t next = 0;  // drawn is a subsequence of layout.bars
  for (const TimelineBar& b : layout.bars) {
    if (next >= drawn.size() || drawn[next] != b.trial) continue;
    ++next;
    const double y = static_cast<double>(n_rows - 1 - b.row);
    plot::Series& bar = panel.add_series("", {b.start / unit, b.end / unit}, {y, y});
    bar.color = state_color(b.trial->state);
    bar.width = thickness;
    if (!tooltips) continue;
    tips.x.push_back((b.start + b.end) / 2 / unit);
    tips.y.push_back(y);
    tips.point_colors.push_back("transparent");  // only there to be hovered
    const auto d = b.end - b.start;
    tips.point_titles.push_back(fmt::format("{}; ran {:.3g} s from {:.4g} s on {}",
                                            trial_title(*b.trial, options), d, b.start,
                                            layout.rows[b.row]));
  }
  if (!tips.x.empty()) panel.series.push_back(std::move(tips));

  std::vector<std::string> notes;
  if (layout.bars.empty()) {
    panel.note = "no trials with a start time";
  } else if (layout.span > 0) {
    notes.push_back(fmt::format("workers busy {:.0f}% of the time ({} rows)",
                                100 * layout.busy / (static_cast<double>(n_rows) * layout.span),
                                n_rows));
  }
  if (layout.skipped > 0)
    notes.push_back(fmt::format("{} trials without start time left out", layout.skipped));
  const std::string sampled = downsample_note(drawn.size(), layout.bars.size());
  if (!sampled.empty()) notes.push_back(sampled);
  // Above the plot area rather than in its corner, where it would cover the top row.
  panel.subtitle = fmt::format("{}", fmt::join(notes, "; "));
  return chart;
}

}  // namespace detail

inline std::string plot_timeline(const Study& study, const PlotOptions& options) {
  return detail::timeline_chart(study, options).to_svg();
}

}  // namespace hpo::visualization
