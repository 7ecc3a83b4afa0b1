// SPDX-License-Identifier: MIT
#pragma once

// PostgresStorage's connection: opened when first needed, retried with back-off when lost,
// transactions that leave it clean, and the schema created on first use.

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "hpo/detail/postgres_codec.hpp"
#include "hpo/detail/postgres_connection.hpp"
#include "hpo/detail/postgres_schema.hpp"
#include "hpo/errors.hpp"

namespace hpo::detail::pg {

/// How hard a Session tries (PostgresOptions, checked by the storage).
struct RetrySettings {
  int max_attempts = 6;
  std::chrono::milliseconds initial_delay{100};
  std::chrono::milliseconds max_delay{5000};
};

/// One connection to the database of a study, reopened on demand. Not thread-safe: the
/// storage serializes calls.
class Session {
 public:
  /// A session for `conninfo` (not connected yet); `study` names the study in messages.
  Session(std::string conninfo, std::string study, RetrySettings retry)
      : conninfo_(std::move(conninfo)), study_(std::move(study)), retry_(retry) {}

  const std::string& conninfo() const { return conninfo_; }
  /// The open connection (inside retrying).
  Connection& conn() const { return *conn_; }
  /// The server process of the current connection, or 0 while disconnected.
  int backend_pid() const { return conn_ ? conn_->backend_pid() : 0; }

  /// Runs body(attempt) on a live connection; on a RetryablePgError drops the connection, waits
  /// (initial_delay, doubled each time, at most max_delay) and runs it again on a new one, up
  /// to max_attempts, then throws StorageError naming `what`, the study, the attempts and the
  /// last error. Other exceptions (StorageError, UnknownName, ...) propagate at once. The body
  /// must be safe to run again after an attempt whose outcome is unknown (see the idempotency
  /// notes of PostgresStorage's methods).
  template <class F>
  auto retrying(const char* what, F&& body) const -> decltype(body(1)) {
    auto delay = retry_.initial_delay;
    for (int attempt = 1;; ++attempt) {
      try {
        if (!conn_) conn_ = std::make_unique<Connection>(conninfo_);
        return body(attempt);
      } catch (const RetryablePgError& e) {
        conn_.reset();
        if (attempt >= retry_.max_attempts)
          throw StorageError(fmt::format(
              "hpo::PostgresStorage: {} on study '{}' failed after {} attempt{}; last error: {}",
              what, study_, attempt, attempt == 1 ? "" : "s", e.what()));
        std::this_thread::sleep_for(delay);
        delay = std::min(delay * 2, retry_.max_delay);
      }
    }
  }

  // Runs body() between `begin` (SQL that opens a transaction) and COMMIT; rolls back when
  // body throws, so that the connection is left outside any transaction.
  template <class F>
  auto transaction(const char* begin, F&& body) const -> decltype(body()) {
    conn_->exec(begin);
    try {
      auto result = body();
      conn_->exec("COMMIT");
      return result;
    } catch (const RetryablePgError&) {
      throw;  // the connection is dropped, and the server rolls back
    } catch (...) {
      try {
        conn_->exec("ROLLBACK");
      } catch (...) {
        conn_.reset();
      }
      throw;
    }
  }

  /// Creates the tables on first use (under a database-wide advisory lock); throws StorageError
  /// for a database whose schema is newer than this hpo reads.
  void ensure_schema() const {
    auto installed = [&]() -> int {
      // Two statements: a query naming a missing table fails as a whole.
      if (conn_->exec("SELECT to_regclass('hpo_schema_version')").null(0, 0)) return -1;
      const auto r = conn_->exec("SELECT coalesce(max(version), 0) FROM hpo_schema_version");
      return parse_int<int>(r.text(0, 0));
    };
    auto check = [&](int version) {
      if (version > kSchemaVersion)
        throw StorageError(fmt::format(
            "hpo::PostgresStorage: the database holds hpo schema version {}, newer than version "
            "{} that this hpo reads; upgrade hpo",
            version, kSchemaVersion));
    };
    int version = installed();
    check(version);
    if (version == kSchemaVersion) return;
    // Under a database-wide advisory lock: concurrent first uses would race on CREATE.
    const std::string begin = fmt::format("BEGIN; SELECT pg_advisory_xact_lock({}, 0)", kLockClass);
    transaction(begin.c_str(), [&] {
      version = installed();
      check(version);
      if (version < kSchemaVersion) {
        conn_->exec(kCreateSchema);
        conn_->exec("INSERT INTO hpo_schema_version (version) VALUES ($1)",
                    {std::to_string(kSchemaVersion)});
      }
      return 0;
    });
  }

 private:
  std::string conninfo_;
  std::string study_;
  RetrySettings retry_;
  mutable std::unique_ptr<Connection> conn_;
};

}  // namespace hpo::detail::pg
