// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>

#include <fmt/format.h>

#if defined(_WIN32)
#include <io.h>
#else
#include <unistd.h>
#endif

namespace hpo::detail {

/// Whether `f` is a terminal.
inline bool is_terminal(std::FILE* f) {
#if defined(_WIN32)
  return _isatty(_fileno(f)) != 0;
#else
  return isatty(fileno(f)) != 0;
#endif
}

/// A one-line progress bar redrawn in place: `[#####-----] 50/100 trials  12.0s  best 0.123`.
/// Progress is by trials when their number is known, else by time.
class ProgressLine {
 public:
  ProgressLine(std::optional<int> n_trials, std::optional<std::chrono::duration<double>> timeout,
               std::FILE* out, bool force)
      : n_trials_(n_trials),
        timeout_(timeout),
        out_(out),
        enabled_(out != nullptr && (force || is_terminal(out))),
        start_(std::chrono::steady_clock::now()) {}

  /// Counts one more finished trial and redraws.
  void update(std::optional<double> best) {
    ++done_;
    if (!enabled_) return;
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    double fraction = 0.0;
    std::string count = fmt::format("{} trials", done_);
    if (n_trials_ && *n_trials_ > 0) {
      fraction = static_cast<double>(done_) / *n_trials_;
      count = fmt::format("{}/{} trials", done_, *n_trials_);
    }
    if (timeout_ && timeout_->count() > 0)
      fraction = std::max(fraction, elapsed / timeout_->count());
    fraction = std::min(fraction, 1.0);
    const int width = 30;
    const int filled = static_cast<int>(fraction * width);
    const std::string bar = std::string(static_cast<std::size_t>(filled), '#') +
                            std::string(static_cast<std::size_t>(width - filled), '-');
    const std::string best_text = best ? fmt::format("  best {:.6g}", *best) : std::string();
    fmt::print(out_, "\r[{}] {}  {:.1f}s{}", bar, count, elapsed, best_text);
    if (fraction >= 1.0) fmt::print(out_, "\n");
    std::fflush(out_);
  }

 private:
  std::optional<int> n_trials_;
  std::optional<std::chrono::duration<double>> timeout_;
  std::FILE* out_;
  bool enabled_;
  std::chrono::steady_clock::time_point start_;
  int done_ = 0;
};

}  // namespace hpo::detail
