// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>
#include <string_view>

#include <fmt/format.h>

#include "hpo/errors.hpp"

namespace hpo::detail {

/// Throws InvalidArgument "hpo::<type>: <name> must be <rule> (got <value>)" unless `ok`.
template <class T>
void check_schedule_arg(bool ok, std::string_view type, std::string_view name,
                        std::string_view rule, const T& value) {
  if (!ok)
    throw InvalidArgument(fmt::format("hpo::{}: {} must be {} (got {})", type, name, rule, value));
}

/// What every step-driven schedule keeps: its base learning rate and the number of step()
/// calls so far (t). The schedules derive from it and add their own lr().
class EpochSchedule {
 public:
  /// Advances one epoch (or batch).
  void step() { ++t_; }
  /// Number of step() calls so far (PyTorch's last_epoch).
  int last_epoch() const { return t_; }
  /// Back to t = 0.
  void reset() { t_ = 0; }
  /// The learning rate the schedule scales.
  double base_lr() const { return base_lr_; }

 protected:
  /// @throws InvalidArgument "hpo::<type>: base_lr must be finite and >= 0 (got ...)".
  EpochSchedule(std::string_view type, double base_lr) : base_lr_(base_lr) {
    check_schedule_arg(base_lr >= 0 && std::isfinite(base_lr), type, "base_lr", "finite and >= 0",
                       base_lr);
  }

  double base_lr_;
  int t_ = 0;
};

}  // namespace hpo::detail
