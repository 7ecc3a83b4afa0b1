// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <csignal>

#include "hpo/errors.hpp"
#include "hpo/study/study.hpp"

namespace hpo {

/// Opt-in Ctrl-C handling: while an object of this class lives, the first SIGINT (or the
/// signal given) asks the study to stop; running trials finish and every finished trial is
/// kept. A second signal gets the previous handler (by default: the process ends).
///
/// hpo installs no handler by itself. One StopOnSignal may be alive at a time (a signal
/// handler can only reach a fixed place, so this class keeps one process-wide slot).
///
/// Example:
/// ```
/// hpo::StopOnSignal on_ctrl_c(study);
/// study.optimize(objective, hpo::OptimizeOptions{}.n_trials(1000));
/// ```
class StopOnSignal {
 public:
  explicit StopOnSignal(Study& study, int signal_number = SIGINT) : signal_(signal_number) {
    std::atomic<bool>* expected = nullptr;
    if (!slot().compare_exchange_strong(expected, &study.stop_flag()))
      throw Error("hpo::StopOnSignal: another StopOnSignal is already active");
    previous_ = std::signal(signal_, &StopOnSignal::handle);
    if (previous_ == SIG_ERR) {
      slot().store(nullptr);
      throw Error("hpo::StopOnSignal: could not install the signal handler");
    }
    previous_slot() = previous_;
    received_flag().store(false);
  }
  ~StopOnSignal() {
    std::signal(signal_, previous_);
    slot().store(nullptr);
  }
  StopOnSignal(const StopOnSignal&) = delete;
  StopOnSignal& operator=(const StopOnSignal&) = delete;

  /// Whether the signal has arrived while this object was alive.
  static bool received() { return received_flag().load(); }

 private:
  using Handler = void (*)(int);

  static void handle(int signal_number) {
    if (std::atomic<bool>* flag = slot().load()) flag->store(true);
    received_flag().store(true);
    std::signal(signal_number, previous_slot());  // a second signal acts as before
  }

  static std::atomic<std::atomic<bool>*>& slot() {
    static std::atomic<std::atomic<bool>*> s{nullptr};
    return s;
  }
  static std::atomic<bool>& received_flag() {
    static std::atomic<bool> r{false};
    return r;
  }
  static Handler& previous_slot() {
    static Handler p = SIG_DFL;
    return p;
  }

  int signal_;
  Handler previous_ = SIG_DFL;
};

}  // namespace hpo
