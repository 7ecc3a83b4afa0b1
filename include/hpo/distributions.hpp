// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "hpo/errors.hpp"
#include "hpo/param_value.hpp"

namespace hpo {

/// Tag asking for a log-scaled range: `t.suggest_float("lr", 1e-5, 1e-1, hpo::Log)`.
struct LogScale {};

/// The log-scale tag.
inline constexpr LogScale Log{};

/// A float range [low, high], optionally log-scaled or on a grid low, low + step, ..., high.
///
/// Its internal value (what samplers see) is the value itself.
class FloatDistribution {
 public:
  /// Uniform on [low, high].
  FloatDistribution(double low, double high) : FloatDistribution(low, high, 0.0, false) {}
  /// Log-uniform on [low, high]; needs low > 0.
  FloatDistribution(double low, double high, LogScale) : FloatDistribution(low, high, 0.0, true) {}
  /// On the grid low + k * step; (high - low) must be a multiple of step.
  FloatDistribution(double low, double high, double step)
      : FloatDistribution(low, high, step, false) {
    if (!(step > 0.0))
      throw InvalidArgument(fmt::format("FloatDistribution: step must be > 0 (got {})", step));
  }

  double low() const { return low_; }
  double high() const { return high_; }
  /// Grid step, or 0 for a continuous range.
  double step() const { return step_; }
  bool log() const { return log_; }

  /// Whether `x` is in the range (and on the grid when there is a step).
  bool contains(double x) const {
    if (!(x >= low_ && x <= high_)) return false;
    if (step_ == 0.0) return true;
    const double k = (x - low_) / step_;
    return std::abs(k - std::round(k)) <= grid_tolerance(low_, high_, step_);
  }
  /// Whether the range holds one value only.
  bool single() const { return low_ == high_; }

  friend bool operator==(const FloatDistribution& a, const FloatDistribution& b) {
    return a.low_ == b.low_ && a.high_ == b.high_ && a.step_ == b.step_ && a.log_ == b.log_;
  }
  friend bool operator!=(const FloatDistribution& a, const FloatDistribution& b) {
    return !(a == b);
  }

 private:
  FloatDistribution(double low, double high, double step, bool log)
      : low_(low), high_(high), step_(step), log_(log) {
    if (!std::isfinite(low) || !std::isfinite(high))
      throw InvalidArgument(
          fmt::format("FloatDistribution: low and high must be finite (got {}, {})", low, high));
    if (low > high)
      throw InvalidArgument(
          fmt::format("FloatDistribution: low must be <= high (got low={}, high={})", low, high));
    if (log && !(low > 0.0))
      throw InvalidArgument(
          fmt::format("FloatDistribution: a log range needs low > 0 (got low={})", low));
    if (step > 0.0) {
      const double k = (high - low) / step;
      if (std::abs(k - std::round(k)) > grid_tolerance(low, high, step))
        throw InvalidArgument(fmt::format(
            "FloatDistribution: high - low = {} is not a multiple of step = {}", high - low, step));
    }
  }
  // How far from a whole number of steps a value may be and still be on the grid: rounding
  // error of x - low, measured in steps, plus a small absolute margin.
  static double grid_tolerance(double low, double high, double step) {
    const double magnitude = std::max(std::abs(low), std::abs(high));
    return 1e-9 + 16 * std::numeric_limits<double>::epsilon() * magnitude / step;
  }

  double low_, high_, step_;
  bool log_;
};

/// An integer range [low, high] on the grid low, low + step, ..., high, or log-scaled (step 1).
///
/// Its internal value is the integer as a double.
class IntDistribution {
 public:
  /// On the grid low, low + step, ..., high; (high - low) must be a multiple of step.
  IntDistribution(std::int64_t low, std::int64_t high, std::int64_t step = 1)
      : IntDistribution(low, high, step, false) {}
  /// Log-uniform over the integers in [low, high]; needs low >= 1.
  IntDistribution(std::int64_t low, std::int64_t high, LogScale)
      : IntDistribution(low, high, 1, true) {}

  std::int64_t low() const { return low_; }
  std::int64_t high() const { return high_; }
  std::int64_t step() const { return step_; }
  bool log() const { return log_; }

  bool contains(double x) const {
    if (!(x >= static_cast<double>(low_) && x <= static_cast<double>(high_))) return false;
    if (x != std::round(x) || x >= 0x1p63) return false;
    return span(low_, static_cast<std::int64_t>(x)) % static_cast<std::uint64_t>(step_) == 0;
  }
  /// high - low, exact even when it exceeds the int64 range.
  std::uint64_t span() const { return span(low_, high_); }
  bool single() const { return low_ == high_; }

  friend bool operator==(const IntDistribution& a, const IntDistribution& b) {
    return a.low_ == b.low_ && a.high_ == b.high_ && a.step_ == b.step_ && a.log_ == b.log_;
  }
  friend bool operator!=(const IntDistribution& a, const IntDistribution& b) { return !(a == b); }

 private:
  IntDistribution(std::int64_t low, std::int64_t high, std::int64_t step, bool log)
      : low_(low), high_(high), step_(step), log_(log) {
    if (low > high)
      throw InvalidArgument(
          fmt::format("IntDistribution: low must be <= high (got low={}, high={})", low, high));
    if (step < 1)
      throw InvalidArgument(fmt::format("IntDistribution: step must be >= 1 (got {})", step));
    if (log && low < 1)
      throw InvalidArgument(
          fmt::format("IntDistribution: a log range needs low >= 1 (got low={})", low));
    if (span(low, high) % static_cast<std::uint64_t>(step) != 0)
      throw InvalidArgument(
          fmt::format("IntDistribution: high - low = {} is not a multiple of step = {}",
                      span(low, high), step));
  }
  // b - a for a <= b, computed in unsigned arithmetic (well defined, and exact).
  static std::uint64_t span(std::int64_t a, std::int64_t b) {
    return static_cast<std::uint64_t>(b) - static_cast<std::uint64_t>(a);
  }
  std::int64_t low_, high_, step_;
  bool log_;
};

/// A choice among a list of values (bool, int, double or string; may be mixed).
///
/// Its internal value is the index of the choice. The list is shared between copies.
class CategoricalDistribution {
 public:
  explicit CategoricalDistribution(std::vector<ParamValue> choices)
      : choices_(std::make_shared<const std::vector<ParamValue>>(std::move(choices))) {
    const auto& c = *choices_;
    if (c.empty()) throw InvalidArgument("CategoricalDistribution: choices must not be empty");
    for (std::size_t i = 0; i < c.size(); ++i)
      for (std::size_t j = i + 1; j < c.size(); ++j)
        if (c[i] == c[j])
          throw InvalidArgument(fmt::format(
              "CategoricalDistribution: choices must be distinct ({} appears twice)", c[i]));
  }

  const std::vector<ParamValue>& choices() const { return *choices_; }
  std::size_t size() const { return choices_->size(); }

  bool contains(double x) const {
    return x >= 0 && x < static_cast<double>(size()) && x == std::floor(x);
  }
  bool single() const { return size() == 1; }
  /// Index of `v` among the choices, or -1.
  std::ptrdiff_t index_of(const ParamValue& v) const {
    for (std::size_t i = 0; i < size(); ++i)
      if ((*choices_)[i] == v) return static_cast<std::ptrdiff_t>(i);
    return -1;
  }

  friend bool operator==(const CategoricalDistribution& a, const CategoricalDistribution& b) {
    return a.choices_ == b.choices_ || *a.choices_ == *b.choices_;
  }
  friend bool operator!=(const CategoricalDistribution& a, const CategoricalDistribution& b) {
    return !(a == b);
  }

 private:
  std::shared_ptr<const std::vector<ParamValue>> choices_;
};

/// Any parameter distribution. A closed set of value types: no inheritance.
using Distribution = std::variant<FloatDistribution, IntDistribution, CategoricalDistribution>;

/// Whether the internal value `x` is a valid value of `d`.
inline bool contains(const Distribution& d, double x) {
  return std::visit([x](const auto& v) { return v.contains(x); }, d);
}

/// Whether `d` admits a single value (samplers skip such parameters in joint models).
inline bool single(const Distribution& d) {
  return std::visit([](const auto& v) { return v.single(); }, d);
}

/// Internal value (what samplers work with) -> external value (what the objective sees).
inline ParamValue to_external(const Distribution& d, double internal) {
  if (const auto* c = std::get_if<CategoricalDistribution>(&d)) {
    if (!c->contains(internal))
      throw InvalidArgument(
          fmt::format("{} is not a choice index of {} choices", internal, c->size()));
    return c->choices()[static_cast<std::size_t>(internal)];
  }
  if (std::holds_alternative<IntDistribution>(d))
    return static_cast<std::int64_t>(std::llround(internal));
  return internal;
}

/// External value -> internal value; throws TypeMismatch or InvalidArgument when `v` is not a
/// value of `d`.
inline double to_internal(const Distribution& d, const ParamValue& v);

/// Text form, e.g. `FloatDistribution(low=1e-05, high=0.1, log)`.
inline std::string to_string(const Distribution& d) {
  struct Printer {
    std::string operator()(const FloatDistribution& f) const {
      return fmt::format("FloatDistribution(low={}, high={}{}{})", f.low(), f.high(),
                         f.log() ? ", log" : "",
                         f.step() > 0 ? fmt::format(", step={}", f.step()) : "");
    }
    std::string operator()(const IntDistribution& i) const {
      return fmt::format("IntDistribution(low={}, high={}{}{})", i.low(), i.high(),
                         i.log() ? ", log" : "",
                         i.step() != 1 ? fmt::format(", step={}", i.step()) : "");
    }
    std::string operator()(const CategoricalDistribution& c) const {
      return fmt::format("CategoricalDistribution([{}])", fmt::join(c.choices(), ", "));
    }
  };
  return std::visit(Printer{}, d);
}

inline double to_internal(const Distribution& d, const ParamValue& v) {
  if (const auto* c = std::get_if<CategoricalDistribution>(&d)) {
    const std::ptrdiff_t i = c->index_of(v);
    if (i < 0)
      throw InvalidArgument(
          fmt::format("{} is not one of the choices [{}]", v, fmt::join(c->choices(), ", ")));
    return static_cast<double>(i);
  }
  if (!v.is_int() && !v.is_double())
    throw TypeMismatch(
        fmt::format("{} is a {}, expected a number for {}", v, v.type_name(), to_string(d)));
  const double x = v.as<double>();
  if (std::holds_alternative<IntDistribution>(d) && v.is_double() && x != std::round(x))
    throw TypeMismatch(fmt::format("{} is not an integer, expected one for {}", v, to_string(d)));
  if (!contains(d, x)) throw InvalidArgument(fmt::format("{} is outside {}", v, to_string(d)));
  return x;
}

}  // namespace hpo
