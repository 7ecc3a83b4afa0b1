// SPDX-License-Identifier: MIT
#pragma once

// The `hpo` command-line tool: reads a study from a journal file or a PostgreSQL database and
// prints its trials or its best trial. Read-only: it never creates or changes a storage.
// tools/hpo/main.cpp only calls hpo::cli::run; the tests call it too. See docs/cli.md.
//
// PostgreSQL support is compiled in when HPO_CLI_POSTGRES is defined (tools/CMakeLists.txt
// does so where the target hpo::postgres exists, and links libpq).
//
// The parts: cli_args.hpp (command line), cli_storage.hpp (opening a study), cli_text.hpp
// (tables and filters); here the commands and run().

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

#include <hpo/errors.hpp>
#include <hpo/study/export.hpp>
#include <hpo/study/study.hpp>
#include <hpo/visualization/report.hpp>

#include "hpo/cli_args.hpp"
#include "hpo/cli_storage.hpp"
#include "hpo/cli_text.hpp"

namespace hpo::cli {
namespace detail {

// ---- commands

/// `hpo trials`.
inline int cmd_trials(const Args& a, std::ostream& out, std::ostream& err) {
  const std::string format = checked_format(a, {"table", "csv", "json"});
  const TrialStates states = parse_states(a.state);
  const LoadedStudy s = load_study(a, err);
  if (format == "csv") {
    const std::string csv = to_csv(s.study);
    out << (states.is_all() ? csv : filter_csv(csv, states));
  } else if (format == "json") {
    const std::string json = to_json(s.study);
    out << (states.is_all() ? json : filter_json(json, states));
  } else {
    out << trials_table(s.study.trial_snapshots(states), s.study.directions().size(), true);
  }
  return kExitOk;
}

/// `hpo best`.
inline int cmd_best(const Args& a, std::ostream& out, std::ostream& err) {
  const std::string format = checked_format(a, {"table", "json"});
  const LoadedStudy s = load_study(a, err);
  const std::vector<Direction>& directions = s.study.directions();
  if (directions.size() == 1) {
    FrozenTrial best;
    try {
      best = s.study.best_trial();
    } catch (const NoCompletedTrials& e) {
      throw DataError(fmt::format("study '{}' has no best trial: {}", s.name, e.what()));
    }
    out << (format == "json" ? trial_json(best, true) + "\n"
                             : best_text(s.name, directions.front(), best));
    return kExitOk;
  }
  const std::vector<FrozenTrial> front = s.study.best_trials();
  if (front.empty())
    throw DataError(
        fmt::format("study '{}' has no Pareto front: no trial is Complete (and "
                    "feasible, if it has constraints)",
                    s.name));
  if (format == "json") {
    std::string json = "[";
    for (std::size_t i = 0; i < front.size(); ++i)
      json += (i ? ",\n " : "") + trial_json(front[i], false);
    out << json << "]\n";
    return kExitOk;
  }
  std::vector<std::string> dirs;
  for (Direction d : directions) dirs.emplace_back(to_string(d));
  out << fmt::format("study {} ({}): {} trials on the Pareto front\n", one_line(s.name),
                     fmt::join(dirs, ", "), front.size());
  std::vector<FrozenTrialPtr> trials;
  for (const auto& t : front) trials.push_back(std::make_shared<const FrozenTrial>(t));
  out << trials_table(trials, directions.size(), false);
  return kExitOk;
}

/// `hpo report`: writes hpo::visualization::write_report's HTML to -o FILE, which must not be
/// the journal itself.
inline int cmd_report(const Args& a, std::ostream& out, std::ostream& err) {
  if (!a.output)
    throw UsageError("'hpo report' needs -o FILE (where to write the HTML report)", "report");
  std::error_code ec;
  if (!is_postgres(a.storage) && std::filesystem::equivalent(*a.output, a.storage, ec))
    throw DataError(
        fmt::format("-o '{}' is the journal itself; write the report elsewhere", *a.output));
  const LoadedStudy s = load_study(a, err);
  visualization::write_report(s.study, *a.output);
  out << fmt::format("wrote {} (study '{}', {} trials)\n", *a.output, one_line(s.name),
                     s.study.n_trials());
  return kExitOk;
}

/// `hpo studies`.
inline int cmd_studies(const Args& a, std::ostream& out, std::ostream& err) {
  for (const auto& name : study_names(a.storage, err)) out << one_line(name) << '\n';
  return kExitOk;
}

/// An error message without a leading "hpo: " (run adds its own).
inline std::string message_of(const std::exception& e) {
  std::string_view m = e.what();
  if (m.rfind("hpo: ", 0) == 0) m.remove_prefix(5);
  return std::string(m);
}

}  // namespace detail

/// Runs the `hpo` tool on `args` (the command line without the program name), writing results
/// to `out` and messages to `err`; returns the exit status: kExitOk, kExitData (the storage
/// cannot be read or lacks what was asked for) or kExitUsage (a bad command line). Never
/// throws; never creates or changes a storage.
///
/// Example:
/// ```
/// std::ostringstream out, err;
/// int status = hpo::cli::run({"best", "runs.journal", "--study", "mlp"}, out, err);
/// ```
inline int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  using detail::UsageError;
  try {
    try {
      if (args.empty()) throw UsageError("no command given");
      const std::string& command = args.front();
      if (command == "-h" || command == "--help" || command == "help") {
        if (command == "help" && args.size() > 1 && detail::is_command(args[1])) {
          out << detail::usage(args[1]);
        } else {
          out << detail::kMainUsage;
        }
        return kExitOk;
      }
      if (command == "--version") {
        out << fmt::format("hpo {}.{}.{}\n", HPO_VERSION_MAJOR, HPO_VERSION_MINOR,
                           HPO_VERSION_PATCH);
        return kExitOk;
      }
      if (!detail::is_command(command))
        throw UsageError(command.compare(0, 1, "-") == 0
                             ? fmt::format("unknown option '{}' (a command comes first)", command)
                             : fmt::format("unknown command '{}'", command));
      const detail::Args a =
          detail::parse_args(command, std::vector<std::string>(args.begin() + 1, args.end()));
      if (a.help) {
        out << detail::usage(command);
        return kExitOk;
      }
      if (command == "trials") return detail::cmd_trials(a, out, err);
      if (command == "best") return detail::cmd_best(a, out, err);
      if (command == "studies") return detail::cmd_studies(a, out, err);
      if (command == "report") return detail::cmd_report(a, out, err);
      throw UsageError(fmt::format("unknown command '{}'", command));
    } catch (const UsageError& e) {
      err << "hpo: " << e.what() << '\n'
          << "Run 'hpo " << (e.command().empty() ? "" : e.command() + " ")
          << "--help' for usage.\n";
      return kExitUsage;
    } catch (const std::exception& e) {
      // DataError, hpo::Error (StorageError: not a journal, unreadable; ...), and the rest.
      err << "hpo: " << detail::message_of(e) << '\n';
      return kExitData;
    } catch (...) {
      err << "hpo: unknown error\n";
      return kExitData;
    }
  } catch (...) {
    // Writing the message itself failed, or something that is not a std::exception.
    return kExitData;
  }
}

}  // namespace hpo::cli
