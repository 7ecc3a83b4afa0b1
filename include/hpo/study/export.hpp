// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "hpo/detail/json.hpp"
#include "hpo/errors.hpp"
#include "hpo/study/study.hpp"

namespace hpo {

namespace detail {

/// A CSV field, quoted when it holds a comma, a quote or a line break.
inline std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

/// A value for CSV: strings without JSON quotes (CSV-quoted only when needed).
inline std::string csv_value(const ParamValue& v) {
  return csv_field(v.is_string() ? v.as<std::string>() : v.to_string());
}

inline void write_text_file(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  if (!f) throw Error(fmt::format("hpo: cannot open '{}' for writing", path));
  f << text;
  f.close();
  if (!f) throw Error(fmt::format("hpo: writing '{}' failed", path));
}

}  // namespace detail

/// All trials as CSV, one row per trial: number, state, value (value_0, value_1, ... for
/// several objectives), start and completion times (UTC), duration in seconds, one column per
/// parameter (`params_<name>`) and user attribute (`user_attrs_<key>`), one per constraint
/// (`constraints_0`, ... when any trial has constraints), and the failure reason. Columns
/// follow Optuna's `trials_dataframe` names.
inline std::string to_csv(const Study& study) {
  const auto trials = study.trial_snapshots();
  std::set<std::string> params, attrs;
  std::size_t n_constraints = 0;
  for (const auto& t : trials) {
    for (const auto& p : t->params) params.insert(p.name);
    for (const auto& [k, v] : t->user_attrs) attrs.insert(k);
    n_constraints = std::max(n_constraints, t->constraints.size());
  }
  const std::size_t n_values = study.directions().size();
  std::string out = "number,state";
  if (n_values == 1) {
    out += ",value";
  } else {
    for (std::size_t i = 0; i < n_values; ++i) out += fmt::format(",value_{}", i);
  }
  out += ",datetime_start,datetime_complete,duration_s";
  for (const auto& p : params) out += "," + detail::csv_field("params_" + p);
  for (const auto& a : attrs) out += "," + detail::csv_field("user_attrs_" + a);
  for (std::size_t i = 0; i < n_constraints; ++i) out += fmt::format(",constraints_{}", i);
  out += ",fail_reason\n";
  for (const auto& t : trials) {
    out += fmt::format("{},{}", t->number, to_string(t->state));
    for (std::size_t i = 0; i < n_values; ++i)
      out += i < t->values.size() ? fmt::format(",{}", t->values[i]) : std::string(",");
    out += "," + (t->datetime_start ? detail::iso8601(*t->datetime_start) : std::string());
    out += "," + (t->datetime_complete ? detail::iso8601(*t->datetime_complete) : std::string());
    const auto d = t->duration();
    out += d ? fmt::format(",{}", d->count()) : std::string(",");
    for (const auto& p : params) {
      const TrialParam* tp = t->find_param(p);
      out += "," + (tp ? detail::csv_value(tp->value()) : std::string());
    }
    for (const auto& a : attrs) {
      const auto it = t->user_attrs.find(a);
      out += "," + (it != t->user_attrs.end() ? detail::csv_value(it->second) : std::string());
    }
    for (std::size_t i = 0; i < n_constraints; ++i)
      out += i < t->constraints.size() ? fmt::format(",{}", t->constraints[i]) : std::string(",");
    out += "," + detail::csv_field(t->fail_reason) + "\n";
  }
  return out;
}

/// The study as JSON: its directions and every trial with all it records (parameters with
/// their distributions, intermediate values, attributes, constraints, times). Non-finite
/// numbers are null.
inline std::string to_json(const Study& study) {
  std::string out = "{\"directions\": [";
  for (std::size_t i = 0; i < study.directions().size(); ++i) {
    if (i) out += ", ";
    detail::append_json_string(out, to_string(study.directions()[i]));
  }
  out += "],\n\"trials\": [";
  bool first = true;
  for (const auto& t : study.trial_snapshots()) {
    out += first ? "\n" : ",\n";
    first = false;
    out += fmt::format("{{\"number\": {}, \"state\": \"{}\", \"values\": [", t->number,
                       to_string(t->state));
    for (std::size_t i = 0; i < t->values.size(); ++i) {
      if (i) out += ", ";
      detail::append_json_number(out, t->values[i]);
    }
    out += "], \"constraints\": [";
    for (std::size_t i = 0; i < t->constraints.size(); ++i) {
      if (i) out += ", ";
      detail::append_json_number(out, t->constraints[i]);
    }
    out += "], \"params\": {";
    for (std::size_t i = 0; i < t->params.size(); ++i) {
      if (i) out += ", ";
      detail::append_json_string(out, t->params[i].name);
      out += ": ";
      detail::append_json_value(out, t->params[i].value());
    }
    out += "}, \"distributions\": {";
    for (std::size_t i = 0; i < t->params.size(); ++i) {
      if (i) out += ", ";
      detail::append_json_string(out, t->params[i].name);
      out += ": ";
      detail::append_json_distribution(out, t->params[i].distribution);
    }
    out += "}, \"intermediate_values\": {";
    bool first_step = true;
    for (const auto& [step, value] : t->intermediate_values) {
      out += first_step ? "" : ", ";
      first_step = false;
      out += fmt::format("\"{}\": ", step);
      detail::append_json_number(out, value);
    }
    out += "}";
    for (const auto* attrs : {&t->user_attrs, &t->system_attrs}) {
      out += attrs == &t->user_attrs ? ", \"user_attrs\": {" : ", \"system_attrs\": {";
      bool first_attr = true;
      for (const auto& [k, v] : *attrs) {
        out += first_attr ? "" : ", ";
        first_attr = false;
        detail::append_json_string(out, k);
        out += ": ";
        detail::append_json_value(out, v);
      }
      out += "}";
    }
    out += ", \"datetime_start\": ";
    if (t->datetime_start)
      detail::append_json_string(out, detail::iso8601(*t->datetime_start));
    else
      out += "null";
    out += ", \"datetime_complete\": ";
    if (t->datetime_complete)
      detail::append_json_string(out, detail::iso8601(*t->datetime_complete));
    else
      out += "null";
    out += ", \"fail_reason\": ";
    detail::append_json_string(out, t->fail_reason);
    out += "}";
  }
  out += "\n]}\n";
  return out;
}

/// Writes to_csv(study) to `path`; throws hpo::Error if the file cannot be written.
inline void write_csv(const Study& study, const std::string& path) {
  detail::write_text_file(path, to_csv(study));
}

/// Writes to_json(study) to `path`; throws hpo::Error if the file cannot be written.
inline void write_json(const Study& study, const std::string& path) {
  detail::write_text_file(path, to_json(study));
}

}  // namespace hpo
