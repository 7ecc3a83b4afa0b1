// SPDX-License-Identifier: MIT
#pragma once

// The command line of hpo_mlp_iris.

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace iris {

/// Samplers this build can run, and those that arrive with their own issues.
inline const std::vector<std::string> kSamplers = {"qmc", "random", "grid",   "gp",
                                                   "tpe", "cmaes",  "genetic"};
inline const std::vector<std::string> kLaterSamplers = {"hypergradient"};
/// Pruner names.
inline const std::vector<std::string> kPruners = {"none", "median", "sha", "hyperband"};

/// A bad command line; main prints the message and exits with status 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Everything the command line sets.
struct Options {
  std::string sampler = "qmc";
  std::string pruner = "median";
  int trials = 50;
  int jobs = 1;
  std::uint64_t seed = 0;
  int max_epochs = 100;
  std::string data;  // empty: the compiled-in path
  std::optional<std::string> out, dump_split;
  bool quiet = false;
  bool help = false;
};

/// The --help text.
inline std::string help_text() {
  return R"(usage: hpo_mlp_iris [options]

Tunes a small MLP (written with Eigen in this example) on the iris data with hpo: the study
maximizes validation accuracy, and the best trial's network is scored once on the test set.

  --sampler NAME      qmc (default), random, grid, gp, tpe, cmaes or genetic.
                      hypergradient arrives with its own issue; until then it is an error.
  --pruner NAME       median (default), none, sha (successive halving) or hyperband
  --trials N          number of trials (default 50; grid: at most its 32 points)
  --jobs N            threads running trials (default 1)
  --seed S            seeds the split, the sampler and every trial's network (default 0)
  --max-epochs E      largest epoch budget a trial may draw, 20..200, a multiple of 10
                      (default 100)
  --out FILE          write the result as JSON
  --data FILE         the iris CSV (default: the copy next to the sources)
  --dump-split FILE   write the train / valid / test row indices as JSON and exit
  --quiet             no line per trial
  --help              this text

Exit status: 0 done, 1 bad data file or run error, 2 bad command line.
)";
}

/// Parses a whole decimal number in [low, high]; throws UsageError naming the option.
inline std::int64_t parse_integer(const std::string& option, const std::string& text,
                                  std::int64_t low, std::int64_t high) {
  const bool digits = !text.empty() && std::all_of(text.begin(), text.end(),
                                                   [](char c) { return c >= '0' && c <= '9'; });
  const long long value = digits && text.size() < 19 ? std::stoll(text) : -1;
  if (value < low || value > high)
    throw UsageError(
        fmt::format("{} needs a whole number in [{}, {}] (got '{}')", option, low, high, text));
  return value;
}

/// Checks that `value` is one of `names`.
inline void check_choice(const std::string& option, const std::string& value,
                         const std::vector<std::string>& names) {
  if (std::find(names.begin(), names.end(), value) == names.end())
    throw UsageError(
        fmt::format("{} must be one of {} (got '{}')", option, fmt::join(names, ", "), value));
}

/// Parses argv; throws UsageError on an unknown option, a missing or bad value.
inline Options parse_options(const std::vector<std::string>& args) {
  Options o;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      o.help = true;
      continue;
    }
    if (a == "--quiet") {
      o.quiet = true;
      continue;
    }
    if (i + 1 >= args.size()) throw UsageError(fmt::format("unknown option or no value: {}", a));
    const std::string& v = args[++i];
    if (a == "--sampler") {
      if (std::find(kLaterSamplers.begin(), kLaterSamplers.end(), v) != kLaterSamplers.end())
        throw UsageError(
            fmt::format("sampler '{}' is not in the library yet (it arrives with its own issue); "
                        "available: {}",
                        v, fmt::join(kSamplers, ", ")));
      check_choice(a, v, kSamplers);
      o.sampler = v;
    } else if (a == "--pruner") {
      check_choice(a, v, kPruners);
      o.pruner = v;
    } else if (a == "--trials") {
      o.trials = static_cast<int>(parse_integer(a, v, 1, 100000));
    } else if (a == "--jobs") {
      o.jobs = static_cast<int>(parse_integer(a, v, 1, 256));
    } else if (a == "--seed") {
      o.seed = static_cast<std::uint64_t>(
          parse_integer(a, v, 0, std::numeric_limits<std::int64_t>::max()));
    } else if (a == "--max-epochs") {
      o.max_epochs = static_cast<int>(parse_integer(a, v, 20, 200));
      if (o.max_epochs % 10 != 0) throw UsageError("--max-epochs must be a multiple of 10");
    } else if (a == "--out") {
      o.out = v;
    } else if (a == "--data") {
      o.data = v;
    } else if (a == "--dump-split") {
      o.dump_split = v;
    } else {
      throw UsageError(fmt::format("unknown option: {}", a));
    }
  }
  return o;
}

}  // namespace iris
