// SPDX-License-Identifier: MIT
#pragma once

// The summary section of the HTML report: counts by state, timing, the best trial (or the
// Pareto front), as HTML. Internal to hpo/visualization/report.hpp.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "hpo/detail/json.hpp"
#include "hpo/plot/svg.hpp"
#include "hpo/study/study.hpp"
#include "hpo/trial/frozen_trial.hpp"
#include "hpo/trial/trial_state.hpp"

namespace hpo::visualization::detail {

/// `text` escaped for HTML content and attribute values.
inline std::string html(std::string_view text) {
  return plot::escape_xml(text);
}

/// A number for people: 6 significant digits, "–" for NaN.
inline std::string human_number(double v) {
  if (std::isnan(v)) return "–";
  return fmt::format("{:.6g}", v);
}

/// A duration for people: "850 ms", "12.3 s", "4 min 05 s", "2 h 03 min".
inline std::string human_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "–";
  if (seconds < 1) return fmt::format("{:.0f} ms", seconds * 1e3);
  if (seconds < 60) return fmt::format("{:.3g} s", seconds);
  const auto s = static_cast<long long>(std::llround(seconds));
  if (s < 3600) return fmt::format("{} min {:02} s", s / 60, s % 60);
  return fmt::format("{} h {:02} min", s / 3600, (s % 3600) / 60);
}

/// What the summary reports about a study's trials, computed in one pass.
struct StudySummary {
  std::map<TrialState, std::size_t> counts;  ///< Trials per state.
  std::size_t n_trials = 0;                  ///< All trials.
  std::optional<TimePoint> first_start;      ///< Earliest datetime_start.
  std::optional<TimePoint> last_end;         ///< Latest datetime_complete.
  double busy_seconds = 0;                   ///< Sum of the finished trials' durations.
  std::vector<double> durations;             ///< Durations of finished trials, in seconds.
  std::set<std::string> workers;             ///< Distinct kWorkerAttr values.
  bool any_intermediate = false;             ///< Some trial reported intermediate values.
  bool any_start = false;                    ///< Some trial has a start time.
};

/// Counts and times of `trials`.
inline StudySummary summarize(const std::vector<FrozenTrialPtr>& trials) {
  StudySummary s;
  s.n_trials = trials.size();
  for (const auto& t : trials) {
    ++s.counts[t->state];
    if (!t->intermediate_values.empty()) s.any_intermediate = true;
    if (t->datetime_start) {
      s.any_start = true;
      if (!s.first_start || *t->datetime_start < *s.first_start) s.first_start = t->datetime_start;
    }
    if (t->datetime_complete && (!s.last_end || *t->datetime_complete > *s.last_end))
      s.last_end = t->datetime_complete;
    if (const auto d = t->duration()) {
      s.busy_seconds += d->count();
      s.durations.push_back(d->count());
    }
    const auto w = t->system_attrs.find(std::string(kWorkerAttr));
    if (w != t->system_attrs.end() && w->second.is_string())
      s.workers.insert(w->second.as<std::string>());
  }
  std::sort(s.durations.begin(), s.durations.end());
  return s;
}

/// One row of a key/value table.
inline std::string kv_row(std::string_view key, std::string_view value_html) {
  return fmt::format("<tr><th>{}</th><td>{}</td></tr>\n", html(key), value_html);
}

/// A parameter or attribute value for people: floats with 6 significant digits, strings bare.
inline std::string value_text(const ParamValue& v) {
  if (v.is_double()) return human_number(v.as<double>());
  return v.is_string() ? v.as<std::string>() : v.to_string();
}

/// The parameters of `t` as "name = value" lines.
inline std::string params_html(const FrozenTrial& t) {
  std::string out;
  for (const auto& p : t.params)
    out += fmt::format("<code>{} = {}</code><br>", html(p.name), html(value_text(p.value())));
  return out.empty() ? "–" : out;
}

/// The values of `t` joined by ", ".
inline std::string values_text(const FrozenTrial& t) {
  std::string out;
  for (std::size_t i = 0; i < t.values.size(); ++i)
    out += (i ? ", " : "") + human_number(t.values[i]);
  return out.empty() ? "–" : out;
}

/// The summary section: the study, counts by state, timing, and the best trial(s).
inline std::string summary_html(const Study& study, const std::vector<FrozenTrialPtr>& trials,
                                const StudySummary& s) {
  std::string out = "<section id=\"summary\">\n<h2>Summary</h2>\n<table class=\"kv\">\n";
  std::string dirs;
  for (std::size_t i = 0; i < study.directions().size(); ++i)
    dirs += fmt::format("{}{}", i ? ", " : "", to_string(study.directions()[i]));
  out += kv_row(study.directions().size() == 1 ? "Direction" : "Directions", html(dirs));
  std::string counts = fmt::format("{} in all", s.n_trials);
  for (const auto& [state, n] : s.counts) counts += fmt::format(", {} {}", n, to_string(state));
  out += kv_row("Trials", html(counts));
  if (s.first_start) {
    out += kv_row("First trial started", html(hpo::detail::iso8601(*s.first_start)));
    if (s.last_end) {
      const double wall = std::chrono::duration<double>(*s.last_end - *s.first_start).count();
      out += kv_row("Last trial finished", html(hpo::detail::iso8601(*s.last_end)));
      out += kv_row("Wall time", html(human_duration(wall)));
      if (wall > 0)
        out += kv_row("Trial time / wall time",
                      html(fmt::format("{:.2f} (trials running at once, on average)",
                                       s.busy_seconds / wall)));
    }
  }
  if (!s.durations.empty()) {
    const double median = s.durations[s.durations.size() / 2];
    out += kv_row(
        "Trial duration",
        html(fmt::format("median {}, longest {}, sum {}", human_duration(median),
                         human_duration(s.durations.back()), human_duration(s.busy_seconds))));
  }
  if (!s.workers.empty()) out += kv_row("Workers", html(fmt::format("{}", s.workers.size())));
  out += "</table>\n";

  std::vector<FrozenTrialPtr> complete;
  for (const auto& t : trials)
    if (t->state == TrialState::Complete) complete.push_back(t);
  if (complete.empty()) {
    out += "<p>No trial has completed yet.</p>\n</section>\n";
    return out;
  }
  if (study.directions().size() == 1) {
    const std::vector<FrozenTrial> bests = study.best_trials();
    if (bests.empty()) {
      out += "<p>None of the complete trials is feasible.</p>\n</section>\n";
      return out;
    }
    const FrozenTrial& best = bests.front();
    out += "<h3>Best trial</h3>\n<table class=\"kv\">\n";
    out += kv_row("Trial", html(fmt::format("{}", best.number)));
    out += kv_row("Value", html(human_number(best.value())));
    out += kv_row("Parameters", params_html(best));
    if (const auto d = best.duration()) out += kv_row("Duration", html(human_duration(d->count())));
    for (const auto& [k, v] : best.user_attrs) out += kv_row(k, html(value_text(v)));
    out += "</table>\n</section>\n";
    return out;
  }
  const std::vector<FrozenTrial> front = study.best_trials();
  out += fmt::format("<h3>Pareto front: {} trial{}</h3>\n", front.size(),
                     front.size() == 1 ? "" : "s");
  out += "<table class=\"grid\"><tr><th>Trial</th><th>Values</th><th>Parameters</th></tr>\n";
  const std::size_t shown = std::min<std::size_t>(front.size(), 20);
  for (std::size_t i = 0; i < shown; ++i) {
    out += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td></tr>\n", front[i].number,
                       html(values_text(front[i])), params_html(front[i]));
  }
  out += "</table>\n";
  if (shown < front.size())
    out += fmt::format("<p>The first {} of {} are listed; the trials table has all.</p>\n", shown,
                       front.size());
  out += "</section>\n";
  return out;
}

}  // namespace hpo::visualization::detail
