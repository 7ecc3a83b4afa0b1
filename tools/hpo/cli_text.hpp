// SPDX-License-Identifier: MIT
#pragma once

// What the `hpo` tool prints: aligned text tables, the best trial as text or JSON, and the
// --state filter over to_csv / to_json output.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <hpo/detail/json.hpp>
#include <hpo/param_value.hpp>
#include <hpo/study/direction.hpp>
#include <hpo/trial/frozen_trial.hpp>
#include <hpo/trial/trial_state.hpp>

#include "hpo/cli_args.hpp"

namespace hpo::cli::detail {

// ---- text and tables

/// Number of characters of UTF-8 text (bytes that do not continue a character).
inline std::size_t text_width(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

/// `s` on one line: line breaks and tabs as \n, \r, \t, other control characters as '?'.
inline std::string one_line(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
      out += '?';
    } else {
      out += c;
    }
  }
  return out;
}

/// `s` cut to at most `width` characters, ending in "..." when cut (never inside a UTF-8
/// character).
inline std::string shortened(const std::string& s, std::size_t width) {
  if (text_width(s) <= width) return s;
  const std::size_t keep = width > 3 ? width - 3 : 0;
  std::size_t chars = 0, end = 0;
  for (; end < s.size(); ++end) {
    if ((static_cast<unsigned char>(s[end]) & 0xC0) != 0x80) {
      if (chars == keep) break;
      ++chars;
    }
  }
  return s.substr(0, end) + "...";
}

/// A number to about 6 significant digits (nan, inf as such).
inline std::string short_number(double x) {
  return fmt::format("{:.6g}", x);
}

/// Longest text shown in a table cell.
inline constexpr std::size_t kMaxCellWidth = 24;

/// A parameter or attribute value for a table cell: numbers to 6 significant digits, strings
/// without quotes, on one line and shortened.
inline std::string cell(const ParamValue& v) {
  if (v.is_double()) return short_number(v.as<double>());
  if (v.is_string()) return shortened(one_line(v.as<std::string>()), kMaxCellWidth);
  return v.to_string();
}

/// A value in full: numbers exact (shortest round trip), strings without quotes, on one line.
inline std::string full_text(const ParamValue& v) {
  if (v.is_double()) return fmt::format("{}", v.as<double>());
  if (v.is_string()) return one_line(v.as<std::string>());
  return v.to_string();
}

/// One column of a text table.
struct Column {
  std::string header;
  /// Right-aligned (numbers) or left-aligned.
  bool right = false;
  std::vector<std::string> cells;
};

/// The columns side by side, two spaces apart, the header underlined with dashes; no trailing
/// spaces.
inline std::string render_table(const std::vector<Column>& columns) {
  std::size_t rows = 0;
  std::vector<std::size_t> widths;
  for (const auto& c : columns) {
    std::size_t w = text_width(c.header);
    for (const auto& s : c.cells) w = std::max(w, text_width(s));
    widths.push_back(w);
    rows = std::max(rows, c.cells.size());
  }
  std::string out;
  auto line = [&](const std::function<std::string(std::size_t)>& text_of) {
    std::string l;
    for (std::size_t j = 0; j < columns.size(); ++j) {
      const std::string text = text_of(j);
      const std::string pad(widths[j] - text_width(text), ' ');
      if (j > 0) l += "  ";
      l += columns[j].right ? pad + text : text + pad;
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out += l + '\n';
  };
  line([&](std::size_t j) { return columns[j].header; });
  line([&](std::size_t j) { return std::string(widths[j], '-'); });
  for (std::size_t i = 0; i < rows; ++i)
    line([&](std::size_t j) { return i < columns[j].cells.size() ? columns[j].cells[i] : ""; });
  return out;
}

/// The names of the parameters of `trials`, in order of first appearance.
inline std::vector<std::string> param_names(const std::vector<FrozenTrialPtr>& trials) {
  std::vector<std::string> names;
  for (const auto& t : trials)
    for (const auto& p : t->params)
      if (std::find(names.begin(), names.end(), p.name) == names.end()) names.push_back(p.name);
  return names;
}

/// The trials as a table: number, state (if `with_state`), value (value_0, value_1, ... for
/// several objectives), duration_s, then one column per parameter; "-" where there is nothing.
inline std::string trials_table(const std::vector<FrozenTrialPtr>& trials, std::size_t n_values,
                                bool with_state) {
  std::vector<Column> columns;
  columns.push_back({"number", true, {}});
  if (with_state) columns.push_back({"state", false, {}});
  for (std::size_t i = 0; i < n_values; ++i)
    columns.push_back(
        {n_values == 1 ? std::string("value") : fmt::format("value_{}", i), true, {}});
  columns.push_back({"duration_s", true, {}});
  const std::vector<std::string> params = param_names(trials);
  const std::size_t first_param = columns.size();
  for (const auto& p : params) columns.push_back({shortened(one_line(p), kMaxCellWidth), true, {}});
  for (const auto& t : trials) {
    std::size_t j = 0;
    columns[j++].cells.push_back(std::to_string(t->number));
    if (with_state) columns[j++].cells.emplace_back(to_string(t->state));
    for (std::size_t i = 0; i < n_values; ++i)
      columns[j++].cells.push_back(i < t->values.size() ? short_number(t->values[i]) : "-");
    const auto d = t->duration();
    columns[j++].cells.push_back(d ? short_number(d->count()) : "-");
    for (std::size_t k = 0; k < params.size(); ++k) {
      Column& c = columns[first_param + k];
      const TrialParam* p = t->find_param(params[k]);
      if (!p) {
        c.cells.emplace_back("-");
        continue;
      }
      const ParamValue v = p->value();
      if (!(v.is_int() || v.is_double())) c.right = false;
      c.cells.push_back(cell(v));
    }
  }
  return render_table(columns);
}

/// Lines "key  value", the values aligned; a key starting with two spaces is indented.
inline std::string render_pairs(const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::size_t width = 0;
  for (const auto& [k, v] : pairs)
    if (!v.empty()) width = std::max(width, text_width(k));
  std::string out;
  for (const auto& [k, v] : pairs) {
    out += v.empty() ? k : k + std::string(width - text_width(k) + 2, ' ') + v;
    out += '\n';
  }
  return out;
}

/// The best trial of a single-objective study, as aligned "key value" lines with sections for
/// the parameters and user attributes; numbers in full.
inline std::string best_text(const std::string& study, Direction direction, const FrozenTrial& t) {
  std::vector<std::pair<std::string, std::string>> pairs;
  pairs.emplace_back("study", fmt::format("{} ({})", one_line(study), to_string(direction)));
  pairs.emplace_back("number", std::to_string(t.number));
  pairs.emplace_back("value", fmt::format("{}", t.value()));
  const auto d = t.duration();
  pairs.emplace_back("duration_s", d ? fmt::format("{}", d->count()) : std::string("-"));
  if (!t.params.empty()) pairs.emplace_back("params", "");
  for (const auto& p : t.params) pairs.emplace_back("  " + one_line(p.name), full_text(p.value()));
  if (!t.user_attrs.empty()) pairs.emplace_back("user_attrs", "");
  for (const auto& [k, v] : t.user_attrs) pairs.emplace_back("  " + one_line(k), full_text(v));
  return render_pairs(pairs);
}

/// A trial for `hpo best --format json`: number, value (one objective) or values, duration_s,
/// params, user_attrs, datetime_start, datetime_complete.
inline std::string trial_json(const FrozenTrial& t, bool single) {
  std::string out = fmt::format("{{\"number\": {}, ", t.number);
  if (single) {
    out += "\"value\": ";
    hpo::detail::append_json_number(out, t.value());
  } else {
    out += "\"values\": [";
    for (std::size_t i = 0; i < t.values.size(); ++i) {
      if (i) out += ", ";
      hpo::detail::append_json_number(out, t.values[i]);
    }
    out += "]";
  }
  out += ", \"duration_s\": ";
  if (const auto d = t.duration())
    hpo::detail::append_json_number(out, d->count());
  else
    out += "null";
  auto map = [&](const char* key, const auto& entries) {
    out += fmt::format(", \"{}\": {{", key);
    bool first = true;
    for (const auto& [k, v] : entries) {
      out += first ? "" : ", ";
      first = false;
      hpo::detail::append_json_string(out, k);
      out += ": ";
      hpo::detail::append_json_value(out, v);
    }
    out += "}";
  };
  std::vector<std::pair<std::string, ParamValue>> params;
  for (const auto& p : t.params) params.emplace_back(p.name, p.value());
  map("params", params);
  map("user_attrs", t.user_attrs);
  for (const auto& [key, time] : {std::pair{"datetime_start", t.datetime_start},
                                  std::pair{"datetime_complete", t.datetime_complete}}) {
    out += fmt::format(", \"{}\": ", key);
    if (time)
      hpo::detail::append_json_string(out, hpo::detail::iso8601(*time));
    else
      out += "null";
  }
  return out + "}";
}

// ---- state filters for CSV and JSON

/// The records of CSV text (a record's quoted fields may hold line breaks), without their
/// line breaks.
inline std::vector<std::string> csv_records(const std::string& csv) {
  std::vector<std::string> records;
  std::string current;
  bool quoted = false;
  for (char c : csv) {
    if (c == '"') quoted = !quoted;
    if (c == '\n' && !quoted) {
      records.push_back(std::move(current));
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) records.push_back(std::move(current));
  return records;
}

/// Whether `states` holds the state named `name` ("Complete", ...).
inline bool has_state(TrialStates states, std::string_view name) {
  for (TrialState s : {TrialState::Running, TrialState::Complete, TrialState::Pruned,
                       TrialState::Failed, TrialState::Waiting})
    if (to_string(s) == name) return states.contains(s);
  return false;
}

/// hpo::to_csv text keeping the header and the rows of trials in `states` (the columns stay
/// those of the whole study).
inline std::string filter_csv(const std::string& csv, TrialStates states) {
  const std::vector<std::string> records = csv_records(csv);
  std::string out;
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (i > 0) {
      // number,state,...: neither field is ever quoted.
      const auto a = records[i].find(',');
      const auto b = a == std::string::npos ? a : records[i].find(',', a + 1);
      if (b == std::string::npos)
        throw Error(fmt::format("unexpected CSV row from hpo::to_csv: {}", records[i]));
      if (!has_state(states, std::string_view(records[i]).substr(a + 1, b - a - 1))) continue;
    }
    out += records[i] + '\n';
  }
  return out;
}

/// hpo::to_json text keeping the trials in `states`. Relies on to_json writing each trial on a
/// line of its own, starting {"number": N, "state": "S" (strings inside are escaped, so a
/// trial never spans lines).
inline std::string filter_json(const std::string& json, TrialStates states) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < json.size()) {
    const auto nl = json.find('\n', start);
    const auto end = nl == std::string::npos ? json.size() : nl;
    lines.push_back(json.substr(start, end - start));
    start = end + 1;
  }
  constexpr std::string_view kTrial = "{\"number\": ";
  constexpr std::string_view kState = ", \"state\": \"";
  std::string head, tail;
  std::vector<std::string> kept;
  bool in_trials = false, after_trials = false;
  for (auto& line : lines) {
    if (line.compare(0, kTrial.size(), kTrial) == 0) {
      if (after_trials) throw Error("unexpected JSON layout from hpo::to_json");
      in_trials = true;
      if (!line.empty() && line.back() == ',') line.pop_back();
      const auto at = line.find(kState);
      const auto end = at == std::string::npos ? at : line.find('"', at + kState.size());
      if (end == std::string::npos) throw Error("unexpected JSON trial from hpo::to_json");
      const std::string_view state =
          std::string_view(line).substr(at + kState.size(), end - at - kState.size());
      if (has_state(states, state)) kept.push_back(line);
    } else {
      if (in_trials) after_trials = true;
      (after_trials ? tail : head) += line + '\n';
    }
  }
  std::string out = head;
  for (std::size_t i = 0; i < kept.size(); ++i)
    out += kept[i] + (i + 1 < kept.size() ? ",\n" : "\n");
  return out + tail;
}

}  // namespace hpo::cli::detail
