// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "hpo/errors.hpp"

namespace hpo {

/// The external value of one parameter: a float parameter gives a double, an int parameter an
/// int64, a categorical parameter one of its choices (bool, int64, double or string).
class ParamValue {
 public:
  /// The stored alternatives, in index order.
  using Variant = std::variant<bool, std::int64_t, double, std::string>;

  ParamValue() : v_(0.0) {}
  ParamValue(bool b) : v_(b) {}  // NOLINT(google-explicit-constructor): values convert freely
  template <class T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  ParamValue(T i) : v_(static_cast<std::int64_t>(i)) {}  // NOLINT(google-explicit-constructor)
  template <class T, std::enable_if_t<std::is_floating_point_v<T>, int> = 0>
  ParamValue(T d) : v_(static_cast<double>(d)) {}         // NOLINT(google-explicit-constructor)
  ParamValue(std::string s) : v_(std::move(s)) {}         // NOLINT(google-explicit-constructor)
  ParamValue(const char* s) : v_(std::string(s)) {}       // NOLINT(google-explicit-constructor)
  ParamValue(std::string_view s) : v_(std::string(s)) {}  // NOLINT(google-explicit-constructor)

  bool is_bool() const { return v_.index() == 0; }
  bool is_int() const { return v_.index() == 1; }
  bool is_double() const { return v_.index() == 2; }
  bool is_string() const { return v_.index() == 3; }

  /// The underlying variant, for std::visit.
  const Variant& variant() const { return v_; }

  /// Name of the held type: "bool", "int", "float" or "string".
  const char* type_name() const {
    constexpr const char* names[] = {"bool", "int", "float", "string"};
    return names[v_.index()];
  }

  /// The value as T; integral T reads an int (range-checked), floating T reads a float or an
  /// int, std::string reads a string, bool reads a bool. Anything else throws TypeMismatch.
  template <class T>
  T as() const {
    if constexpr (std::is_same_v<T, bool>) {
      if (is_bool()) return std::get<bool>(v_);
    } else if constexpr (std::is_integral_v<T>) {
      if (is_int()) {
        const std::int64_t i = std::get<std::int64_t>(v_);
        if (i < static_cast<std::int64_t>(std::numeric_limits<T>::min()) ||
            (i > 0 && static_cast<std::uint64_t>(i) >
                          static_cast<std::uint64_t>(std::numeric_limits<T>::max())))
          throw TypeMismatch(fmt::format("hpo::ParamValue: {} does not fit the requested type", i));
        return static_cast<T>(i);
      }
    } else if constexpr (std::is_floating_point_v<T>) {
      if (is_double()) return static_cast<T>(std::get<double>(v_));
      if (is_int()) return static_cast<T>(std::get<std::int64_t>(v_));
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (is_string()) return std::get<std::string>(v_);
    } else {
      static_assert(std::is_same_v<T, bool>,
                    "hpo::ParamValue::as<T>: T must be bool, an integer, a floating type or "
                    "std::string");
    }
    throw TypeMismatch(fmt::format("hpo::ParamValue: holds a {} ({}), not the requested type",
                                   type_name(), to_string()));
  }

  /// Text form: strings quoted, numbers in shortest round-trip form (a whole double with a
  /// trailing ".0"), bools as true/false.
  std::string to_string() const;

  friend bool operator==(const ParamValue& a, const ParamValue& b) { return a.v_ == b.v_; }
  friend bool operator!=(const ParamValue& a, const ParamValue& b) { return !(a == b); }

 private:
  Variant v_;
};

/// Parameter name -> external value, ordered by name (best_params, enqueue_trial, grids).
using ParamMap = std::map<std::string, ParamValue>;

/// User or system attribute value: same alternatives as a parameter value.
using AttrValue = ParamValue;

/// Attribute name -> value.
using AttrMap = std::map<std::string, AttrValue>;

inline std::string ParamValue::to_string() const {
  switch (v_.index()) {
    case 0:
      return std::get<bool>(v_) ? "true" : "false";
    case 1:
      return fmt::format("{}", std::get<std::int64_t>(v_));
    case 2: {
      // A whole double keeps a ".0", so that 16.0 and the int 16 read differently.
      const double d = std::get<double>(v_);
      std::string s = fmt::format("{}", d);
      if (std::isfinite(d) && s.find_first_of(".en") == std::string::npos) s += ".0";
      return s;
    }
    default:
      return fmt::format("\"{}\"", std::get<std::string>(v_));
  }
}

}  // namespace hpo

/// Formats a ParamValue as ParamValue::to_string() does.
template <>
struct fmt::formatter<hpo::ParamValue> : fmt::formatter<std::string_view> {
  template <class FormatContext>
  auto format(const hpo::ParamValue& v, FormatContext& ctx) const -> decltype(ctx.out()) {
    const std::string s = v.to_string();
    return fmt::formatter<std::string_view>::format(std::string_view(s), ctx);
  }
};
