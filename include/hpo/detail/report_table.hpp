// SPDX-License-Identifier: MIT
#pragma once

// The data of the HTML report's trials table, as JSON that the page's script renders, sorts
// and pages: {"columns": [...], "numeric": [...], "rows": [[...], ...]}. Internal to
// hpo/visualization/report.hpp.

#include <chrono>
#include <cmath>
#include <cstddef>
#include <iterator>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "hpo/detail/json.hpp"
#include "hpo/trial/frozen_trial.hpp"
#include "hpo/trial/trial_state.hpp"

namespace hpo::visualization::detail {

/// A number with 8 significant digits, or null: enough to read and sort, a third shorter than
/// the round-trip form.
inline void append_table_number(std::string& out, double v) {
  if (std::isfinite(v))
    fmt::format_to(std::back_inserter(out), "{:.8g}", v);
  else
    out += "null";
}

/// A parameter or attribute value: numbers as numbers, the rest as strings.
inline void append_table_value(std::string& out, const ParamValue& v) {
  if (v.is_string() || v.is_bool())
    hpo::detail::append_json_string(out, v.is_string() ? v.as<std::string>() : v.to_string());
  else
    append_table_number(out, v.as<double>());
}

/// The trials table as JSON. `n_objectives` value columns; `first_start` is the origin of the
/// "start (s)" column. Every '<' is written as \u003c, so that the JSON can sit in a <script>.
inline std::string trials_table_json(const std::vector<FrozenTrialPtr>& trials,
                                     std::size_t n_objectives,
                                     const std::optional<TimePoint>& first_start) {
  std::vector<std::string> params, attrs;
  std::set<std::string> seen_params, seen_attrs;
  for (const auto& t : trials) {
    for (const auto& p : t->params)
      if (seen_params.insert(p.name).second) params.push_back(p.name);
    for (const auto& [k, v] : t->user_attrs)
      if (seen_attrs.insert(k).second) attrs.push_back(k);
  }
  std::string out = "{\"columns\": [\"trial\", \"state\"";
  std::string numeric = "[true, false";
  for (std::size_t i = 0; i < n_objectives; ++i) {
    out += n_objectives == 1 ? ", \"value\"" : fmt::format(", \"value {}\"", i);
    numeric += ", true";
  }
  out += ", \"start (s)\", \"duration (s)\"";
  numeric += ", true, true";
  for (const auto& p : params) {
    out += ", ";
    hpo::detail::append_json_string(out, p);
    numeric += ", null";  // decided by the page from the values
  }
  for (const auto& a : attrs) {
    out += ", ";
    hpo::detail::append_json_string(out, "attr: " + a);
    numeric += ", null";
  }
  out += ", \"note\"], \"numeric\": " + numeric + ", false],\n\"rows\": [";
  for (std::size_t r = 0; r < trials.size(); ++r) {
    const FrozenTrial& t = *trials[r];
    out += r ? ",\n[" : "\n[";
    fmt::format_to(std::back_inserter(out), "{}, \"{}\"", t.number, to_string(t.state));
    for (std::size_t i = 0; i < n_objectives; ++i) {
      out += ", ";
      append_table_number(out, i < t.values.size() ? t.values[i] : std::nan(""));
    }
    out += ", ";
    append_table_number(
        out, t.datetime_start && first_start
                 ? std::chrono::duration<double>(*t.datetime_start - *first_start).count()
                 : std::nan(""));
    out += ", ";
    const auto d = t.duration();
    append_table_number(out, d ? d->count() : std::nan(""));
    for (const auto& p : params) {
      out += ", ";
      if (const TrialParam* tp = t.find_param(p))
        append_table_value(out, tp->value());
      else
        out += "null";
    }
    for (const auto& a : attrs) {
      out += ", ";
      const auto it = t.user_attrs.find(a);
      if (it != t.user_attrs.end())
        append_table_value(out, it->second);
      else
        out += "null";
    }
    out += ", ";
    hpo::detail::append_json_string(out, t.fail_reason);
    out += "]";
  }
  out += "\n]}";
  std::string safe;
  safe.reserve(out.size());
  for (char c : out) {
    if (c == '<')
      safe += "\\u003c";
    else
      safe += c;
  }
  return safe;
}

}  // namespace hpo::visualization::detail
