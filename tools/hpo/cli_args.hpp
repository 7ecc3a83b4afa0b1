// SPDX-License-Identifier: MIT
#pragma once

// The command line of the `hpo` tool: exit statuses, usage texts and argument parsing.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <hpo/trial/trial_state.hpp>
#include <hpo/version.hpp>

namespace hpo::cli {

/// Exit status of a successful command.
inline constexpr int kExitOk = 0;
/// Exit status when the storage cannot be read or does not hold what was asked for (a missing
/// file, an unknown study, a study without a completed trial, ...).
inline constexpr int kExitData = 1;
/// Exit status for a bad command line (unknown command or option, missing argument).
inline constexpr int kExitUsage = 2;

namespace detail {

/// A bad command line: reported with a hint to --help, exit status kExitUsage.
class UsageError : public std::runtime_error {
 public:
  /// `command` names the command whose --help the hint points to ("" for `hpo --help`).
  UsageError(const std::string& message, std::string command = {})
      : std::runtime_error(message), command_(std::move(command)) {}
  /// The command the error is about, or "".
  const std::string& command() const { return command_; }

 private:
  std::string command_;
};

/// Data that cannot be read or does not hold what was asked for: exit status kExitData.
class DataError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// `hpo --help`.
inline constexpr std::string_view kMainUsage =
    R"(Usage: hpo COMMAND STORAGE [OPTIONS]

Reads a study recorded by hpo and prints it. Never changes the storage.

Commands:
  trials    print the trials (a table, CSV or JSON)
  best      print the best trial, or the Pareto front of a study with several objectives
  report    write an HTML report of the study
  studies   list the studies in the storage

STORAGE is a journal file (hpo::JournalStorage) or a PostgreSQL connection string
("postgresql://user@host/db", "host=db.lan dbname=hpo"; needs an hpo built with libpq).

Options:
  -h, --help     show this help, or a command's help after the command
  --version      print hpo's version

Run 'hpo COMMAND --help' for the options of a command.
)";

/// `hpo trials --help`.
inline constexpr std::string_view kTrialsUsage =
    R"(Usage: hpo trials STORAGE [--study NAME] [--format table|csv|json] [--state STATE]

Prints the trials of a study, by number.

Options:
  --study NAME     the study (needed only when the storage holds several)
  --format FORMAT  table (the default): aligned columns number, state, value(s), duration in
                   seconds and one per parameter, numbers to 6 significant digits;
                   csv: hpo::to_csv (every recorded field, Optuna's column names);
                   json: hpo::to_json (everything, parameters with their distributions)
  --state STATE    only trials in this state: complete, pruned, failed, running, waiting or
                   all (the default); CSV columns stay those of the whole study
  -h, --help       show this help
)";

/// `hpo best --help`.
inline constexpr std::string_view kBestUsage =
    R"(Usage: hpo best STORAGE [--study NAME] [--format table|json]

Prints the best Complete trial (number, value, duration, parameters, user attributes); for a
study with several objectives, every trial of its Pareto front.

Options:
  --study NAME     the study (needed only when the storage holds several)
  --format FORMAT  table (the default) or json
  -h, --help       show this help
)";

/// `hpo report --help`.
inline constexpr std::string_view kReportUsage =
    R"(Usage: hpo report STORAGE [--study NAME] -o FILE

Writes an HTML report of the study (hpo::visualization::write_report) to FILE.

Options:
  --study NAME        the study (needed only when the storage holds several)
  -o, --output FILE   where to write the report (required)
  -h, --help          show this help
)";

/// `hpo studies --help`.
inline constexpr std::string_view kStudiesUsage =
    R"(Usage: hpo studies STORAGE

Lists the names of the studies in the storage, one a line, oldest first.

Options:
  -h, --help   show this help
)";

/// The usage text of `command`, or the main one for an unknown or empty command.
inline std::string_view usage(std::string_view command) {
  if (command == "trials") return kTrialsUsage;
  if (command == "best") return kBestUsage;
  if (command == "report") return kReportUsage;
  if (command == "studies") return kStudiesUsage;
  return kMainUsage;
}

/// Whether `command` is one of the tool's commands.
inline bool is_command(std::string_view command) {
  return command == "trials" || command == "best" || command == "report" || command == "studies";
}

/// A parsed command line.
struct Args {
  std::string command;                ///< trials, best, report or studies
  std::string storage;                ///< STORAGE: a journal path or a connection string
  std::optional<std::string> study;   ///< --study
  std::optional<std::string> format;  ///< --format
  std::optional<std::string> state;   ///< --state
  std::optional<std::string> output;  ///< -o, --output
  bool help = false;                  ///< -h or --help was given
};

/// Whether `command` accepts the option `name` (in its long form).
inline bool accepts(std::string_view command, std::string_view name) {
  if (name == "--study") return command != "studies";
  if (name == "--format") return command == "trials" || command == "best";
  if (name == "--state") return command == "trials";
  if (name == "--output") return command == "report";
  return false;
}

/// Parses the arguments after the command name; throws UsageError. With -h/--help anywhere,
/// only `help` is set and nothing else is checked.
inline Args parse_args(const std::string& command, const std::vector<std::string>& args) {
  Args a;
  a.command = command;
  std::vector<std::string> positional;
  bool options_done = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (options_done || arg.size() < 2 || arg[0] != '-') {
      positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_done = true;
      continue;
    }
    if (arg == "-h" || arg == "--help") {
      a.help = true;
      continue;
    }
    std::string name = arg;
    std::optional<std::string> value;
    if (arg.compare(0, 2, "--") == 0) {
      if (const auto eq = arg.find('='); eq != std::string::npos) {
        name = arg.substr(0, eq);
        value = arg.substr(eq + 1);
      }
    } else if (arg.compare(0, 2, "-o") == 0 && arg.size() > 2) {
      name = "-o";
      value = arg.substr(2);
    }
    const std::string key = name == "-o" ? "--output" : name;
    std::optional<std::string>* slot = key == "--study"    ? &a.study
                                       : key == "--format" ? &a.format
                                       : key == "--state"  ? &a.state
                                       : key == "--output" ? &a.output
                                                           : nullptr;
    if (slot == nullptr || !accepts(command, key))
      throw UsageError(fmt::format("unknown option '{}' for 'hpo {}'", name, command), command);
    if (!value) {
      if (i + 1 == args.size())
        throw UsageError(fmt::format("option '{}' needs a value", name), command);
      value = args[++i];
    }
    if (*slot) throw UsageError(fmt::format("option '{}' given twice", name), command);
    if (value->empty())
      throw UsageError(fmt::format("option '{}' needs a non-empty value", name), command);
    *slot = std::move(*value);
  }
  if (a.help) return a;
  if (positional.empty())
    throw UsageError(fmt::format("'hpo {}' needs STORAGE (a journal file or a PostgreSQL "
                                 "connection string)",
                                 command),
                     command);
  if (positional.size() > 1)
    throw UsageError(fmt::format("unexpected argument '{}'", positional[1]), command);
  a.storage = positional.front();
  return a;
}

/// The states `--state` selects; throws UsageError for an unknown name.
inline TrialStates parse_states(const std::optional<std::string>& state) {
  if (!state || *state == "all") return TrialStates::all();
  if (*state == "complete") return {TrialState::Complete};
  if (*state == "pruned") return {TrialState::Pruned};
  if (*state == "failed") return {TrialState::Failed};
  if (*state == "running") return {TrialState::Running};
  if (*state == "waiting") return {TrialState::Waiting};
  throw UsageError(fmt::format("unknown state '{}' (expected complete, pruned, failed, running, "
                               "waiting or all)",
                               *state),
                   "trials");
}

/// The --format value, checked against `allowed` ("table" when omitted); throws UsageError.
inline std::string checked_format(const Args& a, const std::vector<std::string_view>& allowed) {
  const std::string format = a.format.value_or("table");
  if (std::find(allowed.begin(), allowed.end(), format) == allowed.end()) {
    std::string list;
    for (std::size_t i = 0; i < allowed.size(); ++i)
      list += fmt::format("{}{}",
                          i == 0                    ? ""
                          : i + 1 == allowed.size() ? " or "
                                                    : ", ",
                          allowed[i]);
    throw UsageError(
        fmt::format("unknown format '{}' for 'hpo {}' (expected {})", format, a.command, list),
        a.command);
  }
  return format;
}

}  // namespace detail
}  // namespace hpo::cli
