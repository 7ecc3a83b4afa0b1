// SPDX-License-Identifier: MIT
#pragma once

/// PyTorch's OneCycleLR: the 1cycle policy (Smith & Topin), with momentum cycled inversely.

#include <cmath>
#include <cstddef>
#include <vector>

#include <fmt/format.h>

#include "hpo/errors.hpp"
#include "hpo/schedules/check.hpp"

namespace hpo {

/// How OneCycleLR moves between two values within a phase (PyTorch's anneal_strategy).
enum class Anneal {
  Cos,    ///< end + (start - end) / 2 * (1 + cos(pi * pct)), the default
  Linear  ///< start + (end - start) * pct
};

/// The options of OneCycleLR besides max_lr and total_steps, with PyTorch's defaults.
struct OneCycleOptions {
  /// Fraction of the steps spent raising the lr, in [0, 1].
  double pct_start = 0.3;
  /// Cosine or linear annealing within each phase.
  Anneal anneal_strategy = Anneal::Cos;
  /// Whether momentum() cycles between max_momentum and base_momentum.
  bool cycle_momentum = true;
  /// Momentum at the peak lr.
  double base_momentum = 0.85;
  /// Momentum at the start and the end.
  double max_momentum = 0.95;
  /// initial lr = max_lr / div_factor.
  double div_factor = 25.0;
  /// final lr = initial lr / final_div_factor.
  double final_div_factor = 1e4;
  /// Three phases (up, back down to the initial lr, down to the final lr) instead of two.
  bool three_phase = false;
};

/// The 1cycle schedule, stepped once per batch over total_steps batches.
///
/// Two phases: initial_lr = max_lr / div_factor rises to max_lr until step pct_start *
/// total_steps - 1, then falls to initial_lr / final_div_factor at step total_steps - 1. The
/// phase ends are real numbers as in PyTorch; within a phase pct = (t - start) / (end - start).
/// Momentum moves the other way: max_momentum -> base_momentum -> max_momentum. For
/// epochs * steps_per_epoch batches pass that product as total_steps.
///
/// Like PyTorch, t = total_steps (the step() after the last batch) is allowed and extrapolates
/// the last phase; one more step() throws hpo::Error. Where a phase has zero length PyTorch
/// computes 0 / 0 = NaN; here its end value is used instead.
class OneCycleLR {
 public:
  /// @throws InvalidArgument if max_lr is not finite and > 0, total_steps < 1, pct_start is
  /// outside [0, 1], div_factor or final_div_factor is not finite and > 0, or a momentum is
  /// outside [0, 1].
  OneCycleLR(double max_lr, int total_steps, const OneCycleOptions& options = {});

  /// The learning rate to use now.
  double lr() const { return value(Quantity::Lr); }
  /// The momentum (or Adam's beta1) to use now.
  /// @throws Error if cycle_momentum is false.
  double momentum() const {
    if (!options_.cycle_momentum)
      throw Error("hpo::OneCycleLR::momentum: cycle_momentum is false, momentum is not scheduled");
    return value(Quantity::Momentum);
  }
  /// Advances one batch.
  /// @throws Error if that goes past total_steps, as PyTorch does.
  void step() {
    if (t_ + 1 > total_steps_)
      throw Error(fmt::format("hpo::OneCycleLR::step: tried to step {} times, total_steps is {}",
                              t_ + 2, total_steps_));
    ++t_;
  }
  /// Number of step() calls so far (PyTorch's last_epoch).
  int last_epoch() const { return t_; }
  /// Back to t = 0.
  void reset() { t_ = 0; }
  /// The number of batches the cycle spans.
  int total_steps() const { return total_steps_; }
  /// The lr at t = 0: max_lr / div_factor.
  double initial_lr() const { return max_lr_ / options_.div_factor; }
  /// The lr at the last batch: initial_lr() / final_div_factor.
  double min_lr() const { return initial_lr() / options_.final_div_factor; }

 private:
  enum class Quantity { Lr, Momentum };
  /// A phase runs from the previous phase's end (0 for the first) to end_step.
  struct Phase {
    double end_step;
    double start_lr, end_lr, start_momentum, end_momentum;
  };

  double value(Quantity q) const;

  double max_lr_;
  int total_steps_;
  OneCycleOptions options_;
  std::vector<Phase> phases_;
  int t_ = 0;
};

inline OneCycleLR::OneCycleLR(double max_lr, int total_steps, const OneCycleOptions& options)
    : max_lr_(max_lr), total_steps_(total_steps), options_(options) {
  const char* type = "OneCycleLR";
  const auto finite_positive = [](double x) { return x > 0 && std::isfinite(x); };
  detail::check_schedule_arg(finite_positive(max_lr), type, "max_lr", "finite and > 0", max_lr);
  detail::check_schedule_arg(total_steps >= 1, type, "total_steps", ">= 1", total_steps);
  const OneCycleOptions& o = options;
  detail::check_schedule_arg(o.pct_start >= 0 && o.pct_start <= 1, type, "pct_start", "in [0, 1]",
                             o.pct_start);
  detail::check_schedule_arg(finite_positive(o.div_factor), type, "div_factor", "finite and > 0",
                             o.div_factor);
  detail::check_schedule_arg(finite_positive(o.final_div_factor), type, "final_div_factor",
                             "finite and > 0", o.final_div_factor);
  detail::check_schedule_arg(o.base_momentum >= 0 && o.base_momentum <= 1, type, "base_momentum",
                             "in [0, 1]", o.base_momentum);
  detail::check_schedule_arg(o.max_momentum >= 0 && o.max_momentum <= 1, type, "max_momentum",
                             "in [0, 1]", o.max_momentum);

  const double n = total_steps;
  const double up_end = o.pct_start * n - 1.0;
  const double lo = initial_lr(), hi = max_lr, bottom = min_lr();
  const double m_lo = o.base_momentum, m_hi = o.max_momentum;
  if (o.three_phase) {
    phases_ = {{up_end, lo, hi, m_hi, m_lo},
               {2.0 * o.pct_start * n - 2.0, hi, lo, m_lo, m_hi},
               {n - 1.0, lo, bottom, m_hi, m_hi}};
  } else {
    phases_ = {{up_end, lo, hi, m_hi, m_lo}, {n - 1.0, hi, bottom, m_lo, m_hi}};
  }
}

inline double OneCycleLR::value(Quantity q) const {
  constexpr double pi = 3.14159265358979323846;
  const double t = t_;
  double start_step = 0.0;
  for (std::size_t i = 0; i < phases_.size(); ++i) {
    const Phase& p = phases_[i];
    if (t <= p.end_step || i + 1 == phases_.size()) {
      const double length = p.end_step - start_step;
      const double pct = length == 0.0 ? 1.0 : (t - start_step) / length;
      const double from = q == Quantity::Lr ? p.start_lr : p.start_momentum;
      const double to = q == Quantity::Lr ? p.end_lr : p.end_momentum;
      if (options_.anneal_strategy == Anneal::Linear) return from + (to - from) * pct;
      return to + (from - to) / 2.0 * (1.0 + std::cos(pi * pct));
    }
    start_step = p.end_step;
  }
  return 0.0;  // not reached: the last phase always matches
}

}  // namespace hpo
