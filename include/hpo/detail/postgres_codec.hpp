// SPDX-License-Identifier: MIT
#pragma once

// Text forms of hpo values in hpo::PostgresStorage's tables: doubles and double arrays in
// PostgreSQL's input syntax, attribute values and distributions in a small self-describing
// format (readable in psql, exact for every double), time stamps as microseconds.
// Internal: include <hpo/storage/postgres_storage.hpp>.

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "hpo/distributions.hpp"
#include "hpo/errors.hpp"
#include "hpo/param_value.hpp"
#include "hpo/study/direction.hpp"
#include "hpo/trial/frozen_trial.hpp"

namespace hpo::detail::pg {

/// Throws StorageError for text in the database that hpo cannot read.
[[noreturn]] inline void corrupt(std::string_view what, std::string_view text) {
  throw StorageError(
      fmt::format("hpo::PostgresStorage: cannot read {} from the database: '{}'", what, text));
}

/// A double in PostgreSQL's float8 input syntax, exact (shortest round-trip digits).
inline std::string format_double(double x) {
  if (std::isnan(x)) return "NaN";
  if (std::isinf(x)) return x > 0 ? "Infinity" : "-Infinity";
  return fmt::format("{}", x);
}

/// Reads what format_double or PostgreSQL's float8 output wrote.
inline double parse_double(std::string_view s) {
  if (s == "NaN" || s == "nan") return std::nan("");
  if (s == "Infinity" || s == "inf") return HUGE_VAL;
  if (s == "-Infinity" || s == "-inf") return -HUGE_VAL;
  double x = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), x);
  if (ec != std::errc() || end != s.data() + s.size()) corrupt("a number", s);
  return x;
}

/// Reads a whole decimal integer; throws StorageError otherwise.
template <class Int>
Int parse_int(std::string_view s) {
  Int x = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), x);
  if (ec != std::errc() || end != s.data() + s.size()) corrupt("an integer", s);
  return x;
}

/// A double precision[] literal: {1.5,NaN,-Infinity}.
inline std::string format_doubles(const std::vector<double>& v) {
  std::string out = "{";
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) out += ',';
    out += format_double(v[i]);
  }
  out += '}';
  return out;
}

/// An integer[] literal: {1,2,3}.
inline std::string format_ints(const std::vector<int>& v) {
  std::string out = "{";
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(v[i]);
  }
  out += '}';
  return out;
}

/// Reads a one-dimensional double precision[] in PostgreSQL's text output.
inline std::vector<double> parse_doubles(std::string_view s) {
  if (s.size() < 2 || s.front() != '{' || s.back() != '}') corrupt("a number array", s);
  s = s.substr(1, s.size() - 2);
  std::vector<double> out;
  while (!s.empty()) {
    const std::size_t comma = s.find(',');
    out.push_back(parse_double(s.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

/// An attribute or choice value, typed: "b:true", "i:42", "f:0.5", "s:text" (the string
/// verbatim after the prefix).
inline std::string encode_value(const ParamValue& v) {
  if (v.is_bool()) return v.as<bool>() ? "b:true" : "b:false";
  if (v.is_int()) return fmt::format("i:{}", v.as<std::int64_t>());
  if (v.is_double()) return "f:" + format_double(v.as<double>());
  return "s:" + v.as<std::string>();
}

/// Reads what encode_value wrote; throws StorageError otherwise.
inline ParamValue decode_value(std::string_view s) {
  if (s.size() < 2 || s[1] != ':') corrupt("a value", s);
  const std::string_view body = s.substr(2);
  switch (s[0]) {
    case 'b':
      if (body == "true") return true;
      if (body == "false") return false;
      break;
    case 'i':
      return parse_int<std::int64_t>(body);
    case 'f':
      return parse_double(body);
    case 's':
      return std::string(body);
    default:
      break;
  }
  corrupt("a value", s);
}

/// A distribution: "float:<low>:<high>:<step>:<log 0|1>", "int:<low>:<high>:<step>:<log>", or
/// "categorical:<n>:" followed by n choices, each "<byte length>:<encode_value>".
inline std::string encode_distribution(const Distribution& d) {
  if (const auto* f = std::get_if<FloatDistribution>(&d))
    return fmt::format("float:{}:{}:{}:{}", format_double(f->low()), format_double(f->high()),
                       format_double(f->step()), f->log() ? 1 : 0);
  if (const auto* i = std::get_if<IntDistribution>(&d))
    return fmt::format("int:{}:{}:{}:{}", i->low(), i->high(), i->step(), i->log() ? 1 : 0);
  const auto& c = std::get<CategoricalDistribution>(d);
  std::string out = fmt::format("categorical:{}:", c.size());
  for (const auto& choice : c.choices()) {
    const std::string v = encode_value(choice);
    out += fmt::format("{}:", v.size());
    out += v;
  }
  return out;
}

/// Reads what encode_distribution wrote; throws StorageError otherwise.
inline Distribution decode_distribution(std::string_view text) {
  std::string_view s = text;
  // The next ':'-terminated field (or the rest).
  auto field = [&]() {
    const std::size_t colon = s.find(':');
    const std::string_view f = s.substr(0, colon);
    s = colon == std::string_view::npos ? std::string_view() : s.substr(colon + 1);
    return f;
  };
  try {
    const std::string_view kind = field();
    if (kind == "float" || kind == "int") {
      const std::string_view low = field(), high = field(), step = field(), log = field();
      if (!s.empty() || (log != "0" && log != "1")) corrupt("a distribution", text);
      if (kind == "float") {
        const double lo = parse_double(low), hi = parse_double(high), st = parse_double(step);
        if (log == "1") return FloatDistribution(lo, hi, Log);
        if (st > 0) return FloatDistribution(lo, hi, st);
        return FloatDistribution(lo, hi);
      }
      const auto lo = parse_int<std::int64_t>(low), hi = parse_int<std::int64_t>(high);
      if (log == "1") return IntDistribution(lo, hi, Log);
      return IntDistribution(lo, hi, parse_int<std::int64_t>(step));
    }
    if (kind == "categorical") {
      const auto n = parse_int<std::size_t>(field());
      std::vector<ParamValue> choices;
      choices.reserve(n);
      for (std::size_t k = 0; k < n; ++k) {
        const auto len = parse_int<std::size_t>(field());
        if (len > s.size()) corrupt("a distribution", text);
        choices.push_back(decode_value(s.substr(0, len)));
        s.remove_prefix(len);
      }
      if (!s.empty()) corrupt("a distribution", text);
      return CategoricalDistribution(std::move(choices));
    }
  } catch (const InvalidArgument&) {  // a valid encoding of an invalid distribution
  }
  corrupt("a distribution", text);
}

/// Directions as "minimize,maximize".
inline std::string encode_directions(const std::vector<Direction>& directions) {
  std::string out;
  for (std::size_t i = 0; i < directions.size(); ++i) {
    if (i) out += ',';
    out += directions[i] == Direction::Minimize ? "minimize" : "maximize";
  }
  return out;
}

/// Reads what encode_directions wrote; throws StorageError otherwise.
inline std::vector<Direction> decode_directions(std::string_view s) {
  std::vector<Direction> out;
  while (!s.empty()) {
    const std::size_t comma = s.find(',');
    const std::string_view d = s.substr(0, comma);
    if (d == "minimize") {
      out.push_back(Direction::Minimize);
    } else if (d == "maximize") {
      out.push_back(Direction::Maximize);
    } else {
      corrupt("the study's directions", s);
    }
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

/// Microseconds since the Unix epoch (the precision PostgreSQL's timestamptz keeps), rounded
/// down.
inline std::int64_t to_micros(TimePoint t) {
  return std::chrono::floor<std::chrono::microseconds>(t.time_since_epoch()).count();
}

/// The time point `us` microseconds after the Unix epoch.
inline TimePoint from_micros(std::int64_t us) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::microseconds(us)));
}

}  // namespace hpo::detail::pg
