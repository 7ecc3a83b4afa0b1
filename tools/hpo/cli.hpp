// SPDX-License-Identifier: MIT
#pragma once

// The `hpo` command-line tool: reads a study from a journal file or a PostgreSQL database and
// prints its trials or its best trial. Read-only: it never creates or changes a storage.
// tools/hpo/main.cpp only calls hpo::cli::run; the tests call it too. See docs/cli.md.
//
// PostgreSQL support is compiled in when HPO_CLI_POSTGRES is defined (tools/CMakeLists.txt
// does so where the target hpo::postgres exists, and links libpq).

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

#include <hpo/detail/json.hpp>
#include <hpo/errors.hpp>
#include <hpo/param_value.hpp>
#include <hpo/storage/journal_storage.hpp>
#include <hpo/storage/storage.hpp>
#include <hpo/study/direction.hpp>
#include <hpo/study/export.hpp>
#include <hpo/study/study.hpp>
#include <hpo/trial/frozen_trial.hpp>
#include <hpo/trial/trial_state.hpp>
#include <hpo/version.hpp>
#include <hpo/visualization/report.hpp>

#ifdef HPO_CLI_POSTGRES
#include <chrono>

#include <hpo/detail/postgres_codec.hpp>
#include <hpo/detail/postgres_connection.hpp>
#include <hpo/detail/postgres_schema.hpp>
#include <hpo/storage/postgres_storage.hpp>
#endif

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

// ---- storages

/// Whether STORAGE names a PostgreSQL database rather than a journal file: a URI
/// (postgresql://, postgres://) or a key=value connection string with dbname= or host=. An
/// existing file is always a journal.
inline bool is_postgres(const std::string& storage) {
  if (storage.rfind("postgresql://", 0) == 0 || storage.rfind("postgres://", 0) == 0) return true;
  if (storage.find("dbname=") == std::string::npos && storage.find("host=") == std::string::npos)
    return false;
  std::error_code ec;
  return !std::filesystem::exists(storage, ec);
}

/// "a, b, c" (each name quoted).
inline std::string name_list(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += fmt::format("{}'{}'", out.empty() ? "" : ", ", n);
  return out;
}

/// Throws DataError unless `path` is a non-empty regular file: JournalStorage would create a
/// missing file and write a header into an empty one, and this tool changes nothing.
inline void check_journal_file(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (st.type() == fs::file_type::not_found)
    throw DataError(fmt::format("no such file: '{}'", path));
  if (ec) throw DataError(fmt::format("cannot access '{}': {}", path, ec.message()));
  if (st.type() == fs::file_type::directory)
    throw DataError(fmt::format("'{}' is a directory, not a journal file", path));
  if (st.type() != fs::file_type::regular)
    throw DataError(fmt::format("'{}' is not a regular file, so not a journal", path));
  const auto size = fs::file_size(path, ec);
  if (ec) throw DataError(fmt::format("cannot access '{}': {}", path, ec.message()));
  if (size == 0) throw DataError(fmt::format("'{}' is empty: not an hpo journal", path));
}

/// Opens the journal at `path` for study `name` (which need not exist); warnings about damaged
/// records go to `err`.
inline std::shared_ptr<JournalStorage> open_journal(const std::string& path,
                                                    const std::string& name, std::ostream& err) {
  check_journal_file(path);
  JournalOptions options;
  options.on_warning = [&err](const std::string& m) { err << "hpo: warning: " << m << '\n'; };
  return std::make_shared<JournalStorage>(path, name, std::move(options));
}

/// A name for opening a journal before the study is known (any non-empty name does: reading
/// never creates it).
inline const std::string kAnyStudy = "hpo-cli: no study chosen";

#ifdef HPO_CLI_POSTGRES
/// The names of the studies in the PostgreSQL database `conninfo`, oldest first. Never creates
/// hpo's tables: a database without them, or with another schema version, is a DataError.
inline std::vector<std::string> postgres_study_names(const std::string& conninfo) {
  namespace pg = hpo::detail::pg;
  try {
    pg::Connection conn(conninfo);
    if (conn.exec("SELECT to_regclass('hpo_schema_version')").null(0, 0))
      throw DataError("the PostgreSQL database holds no hpo tables (no study was stored there)");
    const int version = pg::parse_int<int>(
        conn.exec("SELECT coalesce(max(version), 0) FROM hpo_schema_version").text(0, 0));
    if (version != pg::kSchemaVersion)
      throw DataError(fmt::format(
          "the PostgreSQL database holds hpo schema version {}; this hpo reads version {}", version,
          pg::kSchemaVersion));
    const pg::Result r = conn.exec("SELECT name FROM hpo_studies ORDER BY id");
    std::vector<std::string> names;
    for (int i = 0; i < r.rows(); ++i) names.emplace_back(r.text(i, 0));
    return names;
  } catch (const pg::RetryablePgError& e) {
    // The message is libpq's; it never holds the password, unlike the connection string.
    throw DataError(fmt::format("cannot read the PostgreSQL database: {}", e.what()));
  }
}
#endif

/// Throws the DataError for a PostgreSQL STORAGE in a tool built without libpq.
[[noreturn]] inline void no_postgres() {
  throw DataError(
      "this hpo was built without libpq, so it cannot read PostgreSQL storage; rebuild it where "
      "libpq is found (Debian: libpq-dev), or export the study to a journal");
}

/// The names of the studies in STORAGE, oldest first.
inline std::vector<std::string> study_names(const std::string& storage, std::ostream& err) {
  if (is_postgres(storage)) {
#ifdef HPO_CLI_POSTGRES
    return postgres_study_names(storage);
#else
    no_postgres();
#endif
  }
  return open_journal(storage, kAnyStudy, err)->study_names();
}

/// A study read from a storage.
struct LoadedStudy {
  std::string name;
  Study study;
};

/// The study to read: `requested` if it is in `names`, else the only one; throws DataError for
/// an unknown name or an empty storage, UsageError when several studies leave the choice open.
inline std::string choose_study(const std::string& storage, bool postgres,
                                const std::vector<std::string>& names,
                                const std::optional<std::string>& requested,
                                const std::string& command) {
  const std::string where =
      postgres ? std::string("the PostgreSQL database") : fmt::format("'{}'", storage);
  if (requested) {
    if (std::find(names.begin(), names.end(), *requested) != names.end()) return *requested;
    if (names.empty())
      throw DataError(fmt::format("no study '{}' in {}: it holds no study", *requested, where));
    throw DataError(
        fmt::format("no study '{}' in {}; its studies: {}", *requested, where, name_list(names)));
  }
  if (names.size() == 1) return names.front();
  if (names.empty()) throw DataError(fmt::format("{} holds no study", where));
  throw UsageError(fmt::format("{} holds {} studies, choose one with --study NAME: {}", where,
                               names.size(), name_list(names)),
                   command);
}

/// Opens the study of the command line (see choose_study) without writing anything: the Study
/// constructor's init_study finds the study and its directions already recorded.
inline LoadedStudy load_study(const Args& a, std::ostream& err) {
  std::shared_ptr<Storage> storage;
  std::string name;
  if (is_postgres(a.storage)) {
#ifdef HPO_CLI_POSTGRES
    name = choose_study(a.storage, true, postgres_study_names(a.storage), a.study, a.command);
    PostgresOptions options;
    options.max_attempts = 2;
    options.max_delay = options.initial_delay;
    try {
      storage = std::make_shared<PostgresStorage>(a.storage, name, options);
    } catch (const hpo::detail::pg::RetryablePgError& e) {
      throw DataError(fmt::format("cannot read the PostgreSQL database: {}", e.what()));
    }
#else
    no_postgres();
#endif
  } else {
    auto journal = open_journal(a.storage, a.study.value_or(kAnyStudy), err);
    name = choose_study(a.storage, false, journal->study_names(), a.study, a.command);
    if (name != journal->study_name()) journal = open_journal(a.storage, name, err);
    storage = std::move(journal);
  }
  const std::vector<Direction> directions = storage->directions();
  if (directions.empty())
    throw DataError(fmt::format("study '{}' has no recorded directions", name));
  return {name, Study(directions, nullptr, nullptr, std::move(storage))};
}

// ---- text and tables

/// Number of characters of UTF-8 text (bytes that do not continue a character).
inline std::size_t text_width(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

/// `s` on one line: line breaks and tabs as \n, \r, \t, other control characters as '?'.
inline std::string one_line(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
      out += '?';
    } else {
      out += c;
    }
  }
  return out;
}

/// `s` cut to at most `width` characters, ending in "..." when cut (never inside a UTF-8
/// character).
inline std::string shortened(const std::string& s, std::size_t width) {
  if (text_width(s) <= width) return s;
  const std::size_t keep = width > 3 ? width - 3 : 0;
  std::size_t chars = 0, end = 0;
  for (; end < s.size(); ++end) {
    if ((static_cast<unsigned char>(s[end]) & 0xC0) != 0x80) {
      if (chars == keep) break;
      ++chars;
    }
  }
  return s.substr(0, end) + "...";
}

/// A number to about 6 significant digits (nan, inf as such).
inline std::string short_number(double x) {
  return fmt::format("{:.6g}", x);
}

/// Longest text shown in a table cell.
inline constexpr std::size_t kMaxCellWidth = 24;

/// A parameter or attribute value for a table cell: numbers to 6 significant digits, strings
/// without quotes, on one line and shortened.
inline std::string cell(const ParamValue& v) {
  if (v.is_double()) return short_number(v.as<double>());
  if (v.is_string()) return shortened(one_line(v.as<std::string>()), kMaxCellWidth);
  return v.to_string();
}

/// A value in full: numbers exact (shortest round trip), strings without quotes, on one line.
inline std::string full_text(const ParamValue& v) {
  if (v.is_double()) return fmt::format("{}", v.as<double>());
  if (v.is_string()) return one_line(v.as<std::string>());
  return v.to_string();
}

/// One column of a text table.
struct Column {
  std::string header;
  /// Right-aligned (numbers) or left-aligned.
  bool right = false;
  std::vector<std::string> cells;
};

/// The columns side by side, two spaces apart, the header underlined with dashes; no trailing
/// spaces.
inline std::string render_table(const std::vector<Column>& columns) {
  std::size_t rows = 0;
  std::vector<std::size_t> widths;
  for (const auto& c : columns) {
    std::size_t w = text_width(c.header);
    for (const auto& s : c.cells) w = std::max(w, text_width(s));
    widths.push_back(w);
    rows = std::max(rows, c.cells.size());
  }
  std::string out;
  auto line = [&](const std::function<std::string(std::size_t)>& text_of) {
    std::string l;
    for (std::size_t j = 0; j < columns.size(); ++j) {
      const std::string text = text_of(j);
      const std::string pad(widths[j] - text_width(text), ' ');
      if (j > 0) l += "  ";
      l += columns[j].right ? pad + text : text + pad;
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out += l + '\n';
  };
  line([&](std::size_t j) { return columns[j].header; });
  line([&](std::size_t j) { return std::string(widths[j], '-'); });
  for (std::size_t i = 0; i < rows; ++i)
    line([&](std::size_t j) { return i < columns[j].cells.size() ? columns[j].cells[i] : ""; });
  return out;
}

/// The names of the parameters of `trials`, in order of first appearance.
inline std::vector<std::string> param_names(const std::vector<FrozenTrialPtr>& trials) {
  std::vector<std::string> names;
  for (const auto& t : trials)
    for (const auto& p : t->params)
      if (std::find(names.begin(), names.end(), p.name) == names.end()) names.push_back(p.name);
  return names;
}

/// The trials as a table: number, state (if `with_state`), value (value_0, value_1, ... for
/// several objectives), duration_s, then one column per parameter; "-" where there is nothing.
inline std::string trials_table(const std::vector<FrozenTrialPtr>& trials, std::size_t n_values,
                                bool with_state) {
  std::vector<Column> columns;
  columns.push_back({"number", true, {}});
  if (with_state) columns.push_back({"state", false, {}});
  for (std::size_t i = 0; i < n_values; ++i)
    columns.push_back(
        {n_values == 1 ? std::string("value") : fmt::format("value_{}", i), true, {}});
  columns.push_back({"duration_s", true, {}});
  const std::vector<std::string> params = param_names(trials);
  const std::size_t first_param = columns.size();
  for (const auto& p : params) columns.push_back({shortened(one_line(p), kMaxCellWidth), true, {}});
  for (const auto& t : trials) {
    std::size_t j = 0;
    columns[j++].cells.push_back(std::to_string(t->number));
    if (with_state) columns[j++].cells.emplace_back(to_string(t->state));
    for (std::size_t i = 0; i < n_values; ++i)
      columns[j++].cells.push_back(i < t->values.size() ? short_number(t->values[i]) : "-");
    const auto d = t->duration();
    columns[j++].cells.push_back(d ? short_number(d->count()) : "-");
    for (std::size_t k = 0; k < params.size(); ++k) {
      Column& c = columns[first_param + k];
      const TrialParam* p = t->find_param(params[k]);
      if (!p) {
        c.cells.emplace_back("-");
        continue;
      }
      const ParamValue v = p->value();
      if (!(v.is_int() || v.is_double())) c.right = false;
      c.cells.push_back(cell(v));
    }
  }
  return render_table(columns);
}

/// Lines "key  value", the values aligned; a key starting with two spaces is indented.
inline std::string render_pairs(const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::size_t width = 0;
  for (const auto& [k, v] : pairs)
    if (!v.empty()) width = std::max(width, text_width(k));
  std::string out;
  for (const auto& [k, v] : pairs) {
    out += v.empty() ? k : k + std::string(width - text_width(k) + 2, ' ') + v;
    out += '\n';
  }
  return out;
}

/// The best trial of a single-objective study, as aligned "key value" lines with sections for
/// the parameters and user attributes; numbers in full.
inline std::string best_text(const std::string& study, Direction direction, const FrozenTrial& t) {
  std::vector<std::pair<std::string, std::string>> pairs;
  pairs.emplace_back("study", fmt::format("{} ({})", one_line(study), to_string(direction)));
  pairs.emplace_back("number", std::to_string(t.number));
  pairs.emplace_back("value", fmt::format("{}", t.value()));
  const auto d = t.duration();
  pairs.emplace_back("duration_s", d ? fmt::format("{}", d->count()) : std::string("-"));
  if (!t.params.empty()) pairs.emplace_back("params", "");
  for (const auto& p : t.params) pairs.emplace_back("  " + one_line(p.name), full_text(p.value()));
  if (!t.user_attrs.empty()) pairs.emplace_back("user_attrs", "");
  for (const auto& [k, v] : t.user_attrs) pairs.emplace_back("  " + one_line(k), full_text(v));
  return render_pairs(pairs);
}

/// A trial for `hpo best --format json`: number, value (one objective) or values, duration_s,
/// params, user_attrs, datetime_start, datetime_complete.
inline std::string trial_json(const FrozenTrial& t, bool single) {
  std::string out = fmt::format("{{\"number\": {}, ", t.number);
  if (single) {
    out += "\"value\": ";
    hpo::detail::append_json_number(out, t.value());
  } else {
    out += "\"values\": [";
    for (std::size_t i = 0; i < t.values.size(); ++i) {
      if (i) out += ", ";
      hpo::detail::append_json_number(out, t.values[i]);
    }
    out += "]";
  }
  out += ", \"duration_s\": ";
  if (const auto d = t.duration())
    hpo::detail::append_json_number(out, d->count());
  else
    out += "null";
  auto map = [&](const char* key, const auto& entries) {
    out += fmt::format(", \"{}\": {{", key);
    bool first = true;
    for (const auto& [k, v] : entries) {
      out += first ? "" : ", ";
      first = false;
      hpo::detail::append_json_string(out, k);
      out += ": ";
      hpo::detail::append_json_value(out, v);
    }
    out += "}";
  };
  std::vector<std::pair<std::string, ParamValue>> params;
  for (const auto& p : t.params) params.emplace_back(p.name, p.value());
  map("params", params);
  map("user_attrs", t.user_attrs);
  for (const auto& [key, time] : {std::pair{"datetime_start", t.datetime_start},
                                  std::pair{"datetime_complete", t.datetime_complete}}) {
    out += fmt::format(", \"{}\": ", key);
    if (time)
      hpo::detail::append_json_string(out, hpo::detail::iso8601(*time));
    else
      out += "null";
  }
  return out + "}";
}

// ---- state filters for CSV and JSON

/// The records of CSV text (a record's quoted fields may hold line breaks), without their
/// line breaks.
inline std::vector<std::string> csv_records(const std::string& csv) {
  std::vector<std::string> records;
  std::string current;
  bool quoted = false;
  for (char c : csv) {
    if (c == '"') quoted = !quoted;
    if (c == '\n' && !quoted) {
      records.push_back(std::move(current));
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) records.push_back(std::move(current));
  return records;
}

/// Whether `states` holds the state named `name` ("Complete", ...).
inline bool has_state(TrialStates states, std::string_view name) {
  for (TrialState s : {TrialState::Running, TrialState::Complete, TrialState::Pruned,
                       TrialState::Failed, TrialState::Waiting})
    if (to_string(s) == name) return states.contains(s);
  return false;
}

/// hpo::to_csv text keeping the header and the rows of trials in `states` (the columns stay
/// those of the whole study).
inline std::string filter_csv(const std::string& csv, TrialStates states) {
  const std::vector<std::string> records = csv_records(csv);
  std::string out;
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (i > 0) {
      // number,state,...: neither field is ever quoted.
      const auto a = records[i].find(',');
      const auto b = a == std::string::npos ? a : records[i].find(',', a + 1);
      if (b == std::string::npos)
        throw Error(fmt::format("unexpected CSV row from hpo::to_csv: {}", records[i]));
      if (!has_state(states, std::string_view(records[i]).substr(a + 1, b - a - 1))) continue;
    }
    out += records[i] + '\n';
  }
  return out;
}

/// hpo::to_json text keeping the trials in `states`. Relies on to_json writing each trial on a
/// line of its own, starting {"number": N, "state": "S" (strings inside are escaped, so a
/// trial never spans lines).
inline std::string filter_json(const std::string& json, TrialStates states) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < json.size()) {
    const auto nl = json.find('\n', start);
    const auto end = nl == std::string::npos ? json.size() : nl;
    lines.push_back(json.substr(start, end - start));
    start = end + 1;
  }
  constexpr std::string_view kTrial = "{\"number\": ";
  constexpr std::string_view kState = ", \"state\": \"";
  std::string head, tail;
  std::vector<std::string> kept;
  bool in_trials = false, after_trials = false;
  for (auto& line : lines) {
    if (line.compare(0, kTrial.size(), kTrial) == 0) {
      if (after_trials) throw Error("unexpected JSON layout from hpo::to_json");
      in_trials = true;
      if (!line.empty() && line.back() == ',') line.pop_back();
      const auto at = line.find(kState);
      const auto end = at == std::string::npos ? at : line.find('"', at + kState.size());
      if (end == std::string::npos) throw Error("unexpected JSON trial from hpo::to_json");
      const std::string_view state =
          std::string_view(line).substr(at + kState.size(), end - at - kState.size());
      if (has_state(states, state)) kept.push_back(line);
    } else {
      if (in_trials) after_trials = true;
      (after_trials ? tail : head) += line + '\n';
    }
  }
  std::string out = head;
  for (std::size_t i = 0; i < kept.size(); ++i)
    out += kept[i] + (i + 1 < kept.size() ? ",\n" : "\n");
  return out + tail;
}

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
