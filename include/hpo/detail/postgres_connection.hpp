// SPDX-License-Identifier: MIT
#pragma once

// RAII wrappers of libpq's PGconn and PGresult for hpo::PostgresStorage, and the sorting of
// failures into "retry on a new connection" (RetryablePgError) and "report" (StorageError).
// Internal: include <hpo/storage/postgres_storage.hpp>.

#include <cstddef>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <libpq-fe.h>

#include "hpo/errors.hpp"

namespace hpo::detail::pg {

/// A failure that a new connection may cure: the connection was lost or could not be made, the
/// server is shutting down or starting up, or the transaction lost a serialization conflict. The
/// storage catches it, reconnects after a back-off and runs the whole transaction again; it
/// never escapes the storage (it becomes a StorageError once the attempts are used up).
class RetryablePgError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// libpq's message without its trailing newline(s).
inline std::string trimmed(const char* message) {
  std::string s = message ? message : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s.empty() ? std::string("(no message from libpq)") : s;
}

/// Whether an SQLSTATE calls for a retry on a new connection: class 08 (connection exception),
/// 57P01-57P03 (admin shutdown, crash shutdown, cannot connect now), 40001 (serialization
/// failure) and 40P01 (deadlock detected).
inline bool retryable_sqlstate(std::string_view state) {
  return state.substr(0, 2) == "08" || state == "57P01" || state == "57P02" || state == "57P03" ||
         state == "40001" || state == "40P01";
}

/// Frees a PGresult (for std::unique_ptr).
struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};

/// A successful query's result (rows read as text).
class Result {
 public:
  /// Takes ownership of `r`.
  explicit Result(PGresult* r) : r_(r) {}

  /// Number of rows.
  int rows() const { return PQntuples(r_.get()); }
  /// Whether a value is SQL NULL.
  bool null(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }
  /// The value in text form ("" for NULL).
  std::string_view text(int row, int col) const {
    return std::string_view(PQgetvalue(r_.get(), row, col),
                            static_cast<std::size_t>(PQgetlength(r_.get(), row, col)));
  }

 private:
  std::unique_ptr<PGresult, ResultDeleter> r_;
};

/// Text parameters of a query; std::nullopt is SQL NULL. Values travel out of band
/// (PQexecParams), never spliced into the SQL text.
using Params = std::vector<std::optional<std::string>>;

/// Closes a PGconn (for std::unique_ptr).
struct ConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};

/// One open connection. Not thread-safe: the storage serializes its use.
class Connection {
 public:
  /// Connects; throws RetryablePgError with libpq's message if the server cannot be reached or
  /// refuses the connection. `conninfo` overrides the defaults set by connect().
  explicit Connection(const std::string& conninfo) : c_(connect(conninfo)) {
    if (!c_) throw RetryablePgError("libpq could not allocate a connection");
    if (PQstatus(c_.get()) != CONNECTION_OK)
      throw RetryablePgError(fmt::format("cannot connect: {}", trimmed(PQerrorMessage(c_.get()))));
    // Library code never prints: drop the server's notices (libpq writes them to stderr).
    PQsetNoticeProcessor(
        c_.get(), [](void*, const char*) {}, nullptr);
    // Shortest exact text form of doubles on PostgreSQL >= 12 (and all 17 digits before).
    exec("SET extra_float_digits = 3");
  }

  /// Runs SQL text without parameters (may hold several statements; only fixed text and
  /// integers the storage owns go here).
  Result exec(const char* sql) { return check(PQexec(c_.get(), sql), sql); }

  /// Runs one statement with text parameters $1, $2, ...
  Result exec(const char* sql, const Params& params) {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
    return check(PQexecParams(c_.get(), sql, static_cast<int>(values.size()), nullptr,
                              values.data(), nullptr, nullptr, 0),
                 sql);
  }

  /// The server process serving this connection.
  int backend_pid() const { return PQbackendPID(c_.get()); }

 private:
  // libpq processes keywords in order and keeps the last value: the defaults come first, so
  // that the connection string (expanded from "dbname") overrides them. Without them libpq
  // would wait for an unreachable host as long as TCP does, and notice a dead peer during a
  // query only after the system's keepalive time (hours).
  static PGconn* connect(const std::string& conninfo) {
    const char* keys[] = {"connect_timeout",
                          "keepalives_idle",
                          "keepalives_interval",
                          "keepalives_count",
                          "fallback_application_name",
                          "dbname",
                          nullptr};
    const char* values[] = {"10", "30", "10", "3", "hpo", conninfo.c_str(), nullptr};
    return PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  }

  // A failed result becomes RetryablePgError when the connection is gone or the SQLSTATE says
  // a retry may succeed, StorageError otherwise.
  Result check(PGresult* raw, const char* sql) {
    Result r(raw);
    if (!raw)
      throw RetryablePgError(fmt::format("query not sent: {}", trimmed(PQerrorMessage(c_.get()))));
    const ExecStatusType status = PQresultStatus(raw);
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return r;
    const char* state = PQresultErrorField(raw, PG_DIAG_SQLSTATE);
    const std::string message = trimmed(PQresultErrorMessage(raw));
    if (PQstatus(c_.get()) == CONNECTION_BAD || (state && retryable_sqlstate(state)) ||
        (!state && status == PGRES_FATAL_ERROR))
      throw RetryablePgError(message);
    std::string_view head(sql);
    if (head.size() > 60) head = head.substr(0, 60);
    throw StorageError(fmt::format("hpo::PostgresStorage: query failed ({}...): {} (SQLSTATE {})",
                                   head, message, state ? state : "?"));
  }

  std::unique_ptr<PGconn, ConnDeleter> c_;
};

}  // namespace hpo::detail::pg
