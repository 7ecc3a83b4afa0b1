// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <initializer_list>
#include <ostream>
#include <string_view>

#include <fmt/format.h>

namespace hpo {

/// Life cycle of a trial: Waiting (enqueued) -> Running -> Complete | Pruned | Failed.
enum class TrialState : std::uint8_t { Running, Complete, Pruned, Failed, Waiting };

/// Whether the trial has ended (Complete, Pruned or Failed).
constexpr bool is_finished(TrialState s) {
  return s == TrialState::Complete || s == TrialState::Pruned || s == TrialState::Failed;
}

/// Name of a state, as Optuna spells it in upper case ("COMPLETE"): here "Complete".
constexpr std::string_view to_string(TrialState s) {
  switch (s) {
    case TrialState::Running:
      return "Running";
    case TrialState::Complete:
      return "Complete";
    case TrialState::Pruned:
      return "Pruned";
    case TrialState::Failed:
      return "Failed";
    case TrialState::Waiting:
      return "Waiting";
  }
  return "?";
}

/// Writes the state's name.
inline std::ostream& operator<<(std::ostream& os, TrialState s) {
  return os << to_string(s);
}

/// A set of trial states, for filtering trials: `TrialStates{TrialState::Complete}`.
class TrialStates {
 public:
  /// The empty set.
  constexpr TrialStates() = default;
  constexpr TrialStates(std::initializer_list<TrialState> states) {
    for (TrialState s : states) mask_ |= bit(s);
  }
  /// Every state.
  static constexpr TrialStates all() { return from_mask(0x1F); }
  /// Complete, Pruned and Failed.
  static constexpr TrialStates finished() {
    return {TrialState::Complete, TrialState::Pruned, TrialState::Failed};
  }
  constexpr bool contains(TrialState s) const { return (mask_ & bit(s)) != 0; }
  constexpr bool is_all() const { return mask_ == 0x1F; }

 private:
  static constexpr std::uint8_t bit(TrialState s) {
    return static_cast<std::uint8_t>(1U << static_cast<unsigned>(s));
  }
  static constexpr TrialStates from_mask(std::uint8_t m) {
    TrialStates t;
    t.mask_ = m;
    return t;
  }
  std::uint8_t mask_ = 0;
};

}  // namespace hpo

/// Formats a TrialState by name.
template <>
struct fmt::formatter<hpo::TrialState> : fmt::formatter<std::string_view> {
  template <class FormatContext>
  auto format(hpo::TrialState s, FormatContext& ctx) const -> decltype(ctx.out()) {
    return fmt::formatter<std::string_view>::format(hpo::to_string(s), ctx);
  }
};
