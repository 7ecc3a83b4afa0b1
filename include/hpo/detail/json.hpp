// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>
#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>
#include <variant>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "hpo/distributions.hpp"
#include "hpo/param_value.hpp"
#include "hpo/trial/frozen_trial.hpp"

namespace hpo::detail {

/// Appends `s` as a JSON string literal (quoted, escaped).
inline void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20)
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        else
          out += c;
    }
  }
  out += '"';
}

/// Appends a number in shortest round-trip form; NaN and infinities become null.
inline void append_json_number(std::string& out, double x) {
  if (std::isfinite(x))
    fmt::format_to(std::back_inserter(out), "{}", x);
  else
    out += "null";
}

/// Appends a parameter or attribute value.
inline void append_json_value(std::string& out, const ParamValue& v) {
  if (v.is_string())
    append_json_string(out, v.as<std::string>());
  else if (v.is_double())
    append_json_number(out, v.as<double>());
  else
    out += v.to_string();
}

/// Appends a distribution as an object: {"type": "float", "low": 0, "high": 1, "step": 0,
/// "log": false}, the same for "int", or {"type": "categorical", "choices": [...]}.
inline void append_json_distribution(std::string& out, const Distribution& d) {
  if (const auto* f = std::get_if<FloatDistribution>(&d)) {
    out += "{\"type\": \"float\", \"low\": ";
    append_json_number(out, f->low());
    out += ", \"high\": ";
    append_json_number(out, f->high());
    out += ", \"step\": ";
    append_json_number(out, f->step());
    out += f->log() ? ", \"log\": true}" : ", \"log\": false}";
  } else if (const auto* i = std::get_if<IntDistribution>(&d)) {
    out += fmt::format(R"({{"type": "int", "low": {}, "high": {}, "step": {}, "log": {}}})",
                       i->low(), i->high(), i->step(), i->log());
  } else {
    out += "{\"type\": \"categorical\", \"choices\": [";
    const auto& choices = std::get<CategoricalDistribution>(d).choices();
    for (std::size_t k = 0; k < choices.size(); ++k) {
      if (k) out += ", ";
      append_json_value(out, choices[k]);
    }
    out += "]}";
  }
}

/// ISO 8601 UTC time with microseconds, e.g. 2026-11-23T16:08:44.123456Z.
inline std::string iso8601(const TimePoint& t) {
  const auto since = t.time_since_epoch();
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(since);
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(since - secs).count();
  std::time_t tt = static_cast<std::time_t>(secs.count());
  if (micros < 0) {
    micros += 1000000;
    --tt;
  }
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:06d}Z", fmt::gmtime(tt), micros);
}

}  // namespace hpo::detail
