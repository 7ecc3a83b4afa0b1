// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "hpo/distributions.hpp"
#include "hpo/errors.hpp"

namespace hpo {

namespace detail {

/// Builds a distribution, prefixing any InvalidArgument with the parameter's name.
template <class Make>
auto with_param_name(const std::string& name, Make&& make) -> decltype(make()) {
  try {
    return make();
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(fmt::format("parameter '{}': {}", name, e.what()));
  }
}

/// Whether T can be a categorical choice type (bool, integer, floating or std::string).
template <class T>
inline constexpr bool is_choice_type_v = std::is_arithmetic_v<T> || std::is_same_v<T, std::string>;

template <class T>
std::vector<ParamValue> to_param_values(const std::vector<T>& choices) {
  static_assert(is_choice_type_v<T>,
                "hpo: categorical choices must be bool, an integer, a floating type or "
                "std::string");
  return std::vector<ParamValue>(choices.begin(), choices.end());
}

}  // namespace detail

/// A float parameter declared once and suggested in every trial: `t.suggest(lr)` is a double.
///
/// Example: `const hpo::FloatParam lr{"lr", 1e-5, 1e-1, hpo::Log};`
class FloatParam {
 public:
  FloatParam(std::string name, double low, double high)
      : name_(std::move(name)),
        dist_(detail::with_param_name(name_, [&] { return FloatDistribution(low, high); })) {}
  FloatParam(std::string name, double low, double high, LogScale)
      : name_(std::move(name)),
        dist_(detail::with_param_name(name_, [&] { return FloatDistribution(low, high, Log); })) {}
  FloatParam(std::string name, double low, double high, double step)
      : name_(std::move(name)),
        dist_(detail::with_param_name(name_, [&] { return FloatDistribution(low, high, step); })) {}

  const std::string& name() const { return name_; }
  const FloatDistribution& distribution() const { return dist_; }

 private:
  std::string name_;
  FloatDistribution dist_;
};

/// An integer parameter declared once: `t.suggest(units)` is an std::int64_t.
class IntParam {
 public:
  IntParam(std::string name, std::int64_t low, std::int64_t high, std::int64_t step = 1)
      : name_(std::move(name)),
        dist_(detail::with_param_name(name_, [&] { return IntDistribution(low, high, step); })) {}
  IntParam(std::string name, std::int64_t low, std::int64_t high, LogScale)
      : name_(std::move(name)),
        dist_(detail::with_param_name(name_, [&] { return IntDistribution(low, high, Log); })) {}

  const std::string& name() const { return name_; }
  const IntDistribution& distribution() const { return dist_; }

 private:
  std::string name_;
  IntDistribution dist_;
};

/// A categorical parameter over choices of type T: `t.suggest(act)` is a T.
///
/// Example: `const hpo::CategoricalParam<std::string> act{"act", {"relu", "tanh"}};`
template <class T>
class CategoricalParam {
  static_assert(detail::is_choice_type_v<T>,
                "hpo::CategoricalParam<T>: T must be bool, an integer, a floating type or "
                "std::string");

 public:
  CategoricalParam(std::string name, std::vector<T> choices)
      : name_(std::move(name)), dist_(detail::with_param_name(name_, [&] {
          return CategoricalDistribution(detail::to_param_values(choices));
        })) {}

  const std::string& name() const { return name_; }
  const CategoricalDistribution& distribution() const { return dist_; }

 private:
  std::string name_;
  CategoricalDistribution dist_;
};

}  // namespace hpo
