// SPDX-License-Identifier: MIT
#pragma once

// How the `hpo` tool finds and opens a study, read-only, in a journal file or (with
// HPO_CLI_POSTGRES) a PostgreSQL database.

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
#include <hpo/storage/journal_storage.hpp>
#include <hpo/storage/storage.hpp>
#include <hpo/study/direction.hpp>
#include <hpo/study/study.hpp>

#include "hpo/cli_args.hpp"

#ifdef HPO_CLI_POSTGRES
#include <chrono>

#include <hpo/detail/postgres_codec.hpp>
#include <hpo/detail/postgres_connection.hpp>
#include <hpo/detail/postgres_schema.hpp>
#include <hpo/storage/postgres_storage.hpp>
#endif

namespace hpo::cli::detail {

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

}  // namespace hpo::cli::detail
