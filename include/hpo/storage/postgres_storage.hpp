// SPDX-License-Identifier: MIT
#pragma once

// Needs libpq (<libpq-fe.h>, Debian's libpq-dev): link the CMake target hpo::postgres, or add
// -I/usr/include/postgresql -lpq by hand. Not included by <hpo/hpo.hpp>.

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <libpq-fe.h>

#include "hpo/detail/postgres_codec.hpp"
#include "hpo/detail/postgres_connection.hpp"
#include "hpo/detail/postgres_replica.hpp"
#include "hpo/detail/postgres_schema.hpp"
#include "hpo/detail/postgres_session.hpp"
#include "hpo/errors.hpp"
#include "hpo/storage/storage.hpp"

namespace hpo {

/// Options of a PostgresStorage: how hard it tries when the connection fails.
struct PostgresOptions {
  /// Attempts per operation (the first one included) before a StorageError; >= 1.
  int max_attempts = 6;
  /// Wait before the second attempt; doubled after each failed attempt up to max_delay.
  std::chrono::milliseconds initial_delay{100};
  /// Longest wait between two attempts.
  std::chrono::milliseconds max_delay{5000};
};

/// A storage in a PostgreSQL database (through libpq), shared by any number of processes on
/// any number of machines: see docs/storage.md. Thread-safe.
///
/// One object holds one study, by name; a database holds any number of studies. The tables
/// (schema version 1, see hpo/detail/postgres_schema.hpp) are created on first use.
///
/// Guarantees: trial numbers are unique and dense across all processes (taken from the study's
/// row inside the creating transaction); pop_waiting_trial hands a Waiting trial to one caller
/// only; finish_trial succeeds for exactly one caller. Reads keep a local replica of the study
/// and fetch only the trials changed since the last read. A lost connection is retried on a
/// new one with exponential back-off (PostgresOptions), then reported as StorageError.
///
/// Example (needs libpq; link hpo::postgres):
/// ```
/// auto storage = std::make_shared<hpo::PostgresStorage>("host=db.lan dbname=hpo", "mlp");
/// hpo::Study study(hpo::Direction::Minimize, nullptr, nullptr, storage);  // resumes "mlp"
/// ```
class PostgresStorage final : public Storage {
 public:
  /// Connects to the database `conninfo` (a libpq connection string or URI, e.g.
  /// "host=db.lan port=5432 dbname=hpo user=me"), creates the tables if missing, and reads
  /// study `study_name` if it exists (init_study creates it otherwise). Throws InvalidArgument
  /// for an empty name, a malformed connection string or bad options; StorageError when the
  /// server cannot be reached within the attempts, or the database holds a newer schema.
  PostgresStorage(std::string conninfo, std::string study_name, PostgresOptions options = {})
      : name_(std::move(study_name)),
        options_(options),
        session_(std::move(conninfo), name_,
                 {options.max_attempts, options.initial_delay, options.max_delay}) {
    if (name_.empty()) throw InvalidArgument("hpo::PostgresStorage: the study name is empty");
    if (options_.max_attempts < 1 || options_.initial_delay.count() < 0 ||
        options_.max_delay < options_.initial_delay)
      throw InvalidArgument(fmt::format(
          "hpo::PostgresStorage: bad options (got max_attempts={}, initial_delay={} ms, "
          "max_delay={} ms)",
          options_.max_attempts, options_.initial_delay.count(), options_.max_delay.count()));
    char* error = nullptr;
    PQconninfoOption* parsed = PQconninfoParse(session_.conninfo().c_str(), &error);
    if (!parsed) {
      const std::string why = detail::pg::trimmed(error);
      PQfreemem(error);
      throw InvalidArgument(fmt::format("hpo::PostgresStorage: bad connection string: {}", why));
    }
    PQconninfoFree(parsed);
    std::lock_guard<std::mutex> lock(mutex_);
    session_.retrying("connect", [&](int) {
      session_.ensure_schema();
      find_study();
      return 0;
    });
  }
  PostgresStorage(const PostgresStorage&) = delete;
  PostgresStorage& operator=(const PostgresStorage&) = delete;
  ~PostgresStorage() override = default;

  /// The study's name.
  const std::string& study_name() const { return name_; }

  /// The server process of the current connection (0 while disconnected); for tests and
  /// monitoring (pg_stat_activity.pid).
  int backend_pid() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return session_.backend_pid();
  }

  /// Creates the study's row if missing (idempotent); throws InvalidArgument if the study
  /// exists with other directions.
  void init_study(const std::vector<Direction>& directions) override {
    if (directions.empty()) throw InvalidArgument("hpo::PostgresStorage: no direction given");
    std::lock_guard<std::mutex> lock(mutex_);
    session_.retrying("init_study", [&](int) {
      if (study_id_ < 0) {
        // Idempotent: a retry after a lost acknowledgement finds the row.
        session_.conn().exec(
            "INSERT INTO hpo_studies (name, directions) VALUES ($1, $2) "
            "ON CONFLICT (name) DO NOTHING",
            {name_, detail::pg::encode_directions(directions)});
        find_study();
      }
      return 0;
    });
    if (directions_ != directions)
      throw InvalidArgument(fmt::format(
          "hpo::PostgresStorage: study '{}' has directions [{}], not [{}]", name_,
          detail::pg::encode_directions(directions_), detail::pg::encode_directions(directions)));
  }

  /// The study's directions (empty while the study does not exist).
  std::vector<Direction> directions() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (study_id_ < 0) session_.retrying("directions", [&](int) { return find_study(), 0; });
    return directions_;
  }

  /// Adds a trial with the next number of the study (unique across processes) and returns it.
  /// Idempotent across a lost acknowledgement: a retried create finds the trial its first
  /// attempt committed (by a random token stored with it) instead of creating a second one.
  FrozenTrialPtr create_trial(const FrozenTrial& prototype) override {
    std::lock_guard<std::mutex> lock(mutex_);
    require_study();
    const std::string token = new_token();
    FrozenTrial t = prototype;
    if (t.state == TrialState::Running && !t.datetime_start)
      t.datetime_start = std::chrono::system_clock::now();
    const int number = session_.retrying("create_trial", [&](int attempt) {
      return write([&] {
        using detail::pg::format_doubles;
        if (attempt > 1) {
          const auto found = session_.conn().exec(
              "SELECT number FROM hpo_trials WHERE study_id = $1 AND create_token = $2",
              {sid(), token});
          if (found.rows() == 1) return detail::pg::parse_int<int>(found.text(0, 0));
        }
        const auto r = session_.conn().exec(
            "UPDATE hpo_studies SET next_number = next_number + 1 WHERE id = $1 "
            "RETURNING next_number - 1",
            {sid()});
        const std::string n(r.text(0, 0));
        session_.conn().exec(
            "INSERT INTO hpo_trials (study_id, number, state, vals, constraints, datetime_start, "
            "datetime_complete, fail_reason, updated, create_token) VALUES ($1, $2, $3, $4, $5, "
            "to_timestamp(0) + $6::bigint * interval '1 microsecond', "
            "to_timestamp(0) + $7::bigint * interval '1 microsecond', $8, "
            "nextval('hpo_updates'), $9)",
            {sid(), n, std::to_string(static_cast<int>(t.state)), format_doubles(t.values),
             format_doubles(t.constraints), micros(t.datetime_start), micros(t.datetime_complete),
             t.fail_reason, token});
        for (std::size_t i = 0; i < t.params.size(); ++i)
          session_.conn().exec(
              "INSERT INTO hpo_params (study_id, number, position, name, distribution, internal) "
              "VALUES ($1, $2, $3, $4, $5, $6)",
              {sid(), n, std::to_string(i), t.params[i].name,
               detail::pg::encode_distribution(t.params[i].distribution),
               detail::pg::format_double(t.params[i].internal)});
        for (const auto& [step, value] : t.intermediate_values)
          session_.conn().exec(
              "INSERT INTO hpo_intermediate_values (study_id, number, step, value) "
              "VALUES ($1, $2, $3, $4)",
              {sid(), n, std::to_string(step), detail::pg::format_double(value)});
        insert_attrs(n, "u", t.user_attrs);
        insert_attrs(n, "s", t.system_attrs);
        insert_attrs(n, "f", t.fixed_params);
        return detail::pg::parse_int<int>(n);
      });
    });
    return fresh_trial(number);
  }

  /// Moves the oldest Waiting trial to Running for this caller only (across processes).
  /// Idempotent across a lost acknowledgement (a claim token, as for create_trial).
  std::optional<FrozenTrialPtr> pop_waiting_trial() override {
    std::lock_guard<std::mutex> lock(mutex_);
    require_study();
    const std::string token = new_token();
    const int number = session_.retrying("pop_waiting_trial", [&](int attempt) {
      if (attempt > 1) {
        const auto found = session_.conn().exec(
            "SELECT number FROM hpo_trials WHERE study_id = $1 AND claim_token = $2",
            {sid(), token});
        if (found.rows() == 1) return detail::pg::parse_int<int>(found.text(0, 0));
      }
      // Most calls find nothing: look without taking the study's lock first.
      const auto any = session_.conn().exec(
          "SELECT 1 FROM hpo_trials WHERE study_id = $1 AND state = 4 LIMIT 1", {sid()});
      if (any.rows() == 0) return -1;
      return write([&] {
        // SKIP LOCKED: correct without the study lock too (a row another transaction is
        // claiming is passed over, never handed out twice).
        const auto r = session_.conn().exec(
            "UPDATE hpo_trials SET state = 0, claim_token = $2, updated = nextval('hpo_updates'), "
            "datetime_start = to_timestamp(0) + $3::bigint * interval '1 microsecond' "
            "WHERE study_id = $1 AND number = (SELECT number FROM hpo_trials WHERE study_id = $1 "
            "AND state = 4 ORDER BY number LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING number",
            {sid(), token, micros(std::chrono::system_clock::now())});
        return r.rows() == 1 ? detail::pg::parse_int<int>(r.text(0, 0)) : -1;
      });
    });
    if (number < 0) return std::nullopt;
    return fresh_trial(number);
  }

  /// Adds a parameter to a Running trial (TrialStateError otherwise). Idempotent: a parameter
  /// name already recorded for the trial is kept as it was.
  void set_param(int number, const TrialParam& param) override {
    std::lock_guard<std::mutex> lock(mutex_);
    running_write(number, "set_param",
                  "WITH t AS (UPDATE hpo_trials SET updated = nextval('hpo_updates') "
                  "WHERE study_id = $1 AND number = $2 AND state = 0 RETURNING number), "
                  "i AS (INSERT INTO hpo_params (study_id, number, position, name, distribution, "
                  "internal) SELECT $1, $2, (SELECT count(*)::integer FROM hpo_params WHERE "
                  "study_id = $1 AND number = $2), $3, $4, $5 FROM t "
                  "ON CONFLICT (study_id, number, name) DO NOTHING RETURNING 1) "
                  "SELECT count(*) FROM t",
                  {param.name, detail::pg::encode_distribution(param.distribution),
                   detail::pg::format_double(param.internal)});
  }

  /// Records a report of a Running trial. Idempotent: a step already recorded keeps its first
  /// value.
  void set_intermediate_value(int number, std::int64_t step, double value) override {
    std::lock_guard<std::mutex> lock(mutex_);
    running_write(number, "report",
                  "WITH t AS (UPDATE hpo_trials SET updated = nextval('hpo_updates') "
                  "WHERE study_id = $1 AND number = $2 AND state = 0 RETURNING number), "
                  "i AS (INSERT INTO hpo_intermediate_values (study_id, number, step, value) "
                  "SELECT $1, $2, $3, $4 FROM t ON CONFLICT (study_id, number, step) DO NOTHING "
                  "RETURNING 1) SELECT count(*) FROM t",
                  {std::to_string(step), detail::pg::format_double(value)});
  }

  /// Sets a user attribute; allowed in any state, as in InMemoryStorage. Idempotent (the last
  /// write of a key wins).
  void set_user_attr(int number, const std::string& key, const AttrValue& value) override {
    set_attr(number, "u", key, value);
  }

  /// Sets a system attribute; allowed in any state. Idempotent (the last write wins).
  void set_system_attr(int number, const std::string& key, const AttrValue& value) override {
    set_attr(number, "s", key, value);
  }

  /// Replaces the constraint values of a Running trial. Idempotent.
  void set_constraints(int number, std::vector<double> constraints) override {
    std::lock_guard<std::mutex> lock(mutex_);
    running_write(number, "set_constraints",
                  "WITH t AS (UPDATE hpo_trials SET updated = nextval('hpo_updates'), "
                  "constraints = $3 WHERE study_id = $1 AND number = $2 AND state = 0 "
                  "RETURNING number) SELECT count(*) FROM t",
                  {detail::pg::format_doubles(constraints)});
  }

  /// Moves a Running trial to a finished state. Exactly one caller across all processes gets
  /// true. A retry after a lost acknowledgement
  /// recognises its own earlier success (a finish token) and also returns true.
  bool finish_trial(int number, TrialState state, std::vector<double> values,
                    std::string fail_reason) override {
    if (!is_finished(state))
      throw InvalidArgument(fmt::format(
          "hpo::PostgresStorage::finish_trial: {} is not a finished state", to_string(state)));
    std::lock_guard<std::mutex> lock(mutex_);
    require_study();
    const std::string token = new_token();
    const std::string now = micros(std::chrono::system_clock::now()).value_or("0");
    return session_.retrying("finish_trial", [&](int) {
      return write([&] {
        const auto r = session_.conn().exec(
            "UPDATE hpo_trials SET state = $3, vals = $4, fail_reason = $5, finish_token = $6, "
            "datetime_complete = to_timestamp(0) + $7::bigint * interval '1 microsecond', "
            "updated = nextval('hpo_updates') "
            "WHERE study_id = $1 AND number = $2 AND state = 0 RETURNING number",
            {sid(), std::to_string(number), std::to_string(static_cast<int>(state)),
             detail::pg::format_doubles(values), fail_reason, token, now});
        if (r.rows() == 1) return true;
        const auto old = session_.conn().exec(
            "SELECT finish_token FROM hpo_trials WHERE study_id = $1 AND number = $2",
            {sid(), std::to_string(number)});
        if (old.rows() == 0) throw no_trial(number);
        return !old.null(0, 0) && old.text(0, 0) == token;
      });
    });
  }

  /// Trial `number` after a refresh of the replica; throws UnknownName.
  FrozenTrialPtr get_trial(int number) const override {
    std::lock_guard<std::mutex> lock(mutex_);
    refresh();
    FrozenTrialPtr t = replica_.trial(number);
    if (!t) throw no_trial(number);
    return t;
  }

  /// The trials in `range` whose state is in `states`, by number, after a refresh (which
  /// fetches only the trials changed since the last one).
  std::vector<FrozenTrialPtr> get_trials(TrialStates states, TrialRange range = {}) const override {
    std::lock_guard<std::mutex> lock(mutex_);
    refresh();
    return detail::select_trials(replica_.trials(), states, range);
  }

  /// Number of trials in any state, after a refresh.
  int n_trials() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    refresh();
    return static_cast<int>(replica_.trials().size());
  }

  /// The best Complete (and, once constraints appear, feasible) trial, after a refresh.
  std::optional<FrozenTrialPtr> best_trial() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    refresh();
    return replica_.best();
  }

 private:
  // ---- transactions

  // Runs body() in a write transaction of the study. Every write transaction first takes the
  // study's advisory lock, and only then draws from hpo_updates. Why: sequence values are
  // handed out when drawn, not when committed, so two unserialized writers could commit values
  // 11 then 10; a reader that saw 11 in between would then ask for "updated > 11" and miss 10
  // forever. Under the lock, writes to one study commit in the order of their values (the lock
  // is released only after the commit is visible), so everything at or below the largest value
  // a reader saw was already committed when it read. Studies do not block each other.
  template <class F>
  auto write(F&& body) const -> decltype(body()) {
    return session_.transaction(lock_sql_.c_str(), std::forward<F>(body));
  }

  // Reads the study's row, if it exists.
  void find_study() const {
    const auto r =
        session_.conn().exec("SELECT id, directions FROM hpo_studies WHERE name = $1", {name_});
    if (r.rows() == 0) return;
    study_id_ = detail::pg::parse_int<int>(r.text(0, 0));
    directions_ = detail::pg::decode_directions(r.text(0, 1));
    lock_sql_ = fmt::format("BEGIN; SELECT pg_advisory_xact_lock({}, {})", detail::pg::kLockClass,
                            study_id_);
  }

  // Looks the study up if not known yet (another process may have created it); throws if it
  // does not exist.
  void require_study() const {
    if (study_id_ < 0) session_.retrying("find study", [&](int) { return find_study(), 0; });
    if (study_id_ < 0)
      throw Error(fmt::format(
          "hpo::PostgresStorage: study '{}' does not exist yet (call init_study first)", name_));
  }

  // The study id as a query parameter (after require_study).
  std::string sid() const { return std::to_string(study_id_); }

  // 128 random bits in hex: marks a write so that its retry can recognise it.
  static std::string new_token() {
    std::random_device device;
    return fmt::format("{:08x}{:08x}{:08x}{:08x}", device(), device(), device(), device());
  }

  static std::optional<std::string> micros(const std::optional<TimePoint>& t) {
    if (!t) return std::nullopt;
    return std::to_string(detail::pg::to_micros(*t));
  }

  UnknownName no_trial(int number) const {
    return UnknownName(
        fmt::format("hpo::PostgresStorage: study '{}' has no trial number {}", name_, number));
  }

  // ---- writes

  // Runs `sql` (parameters $1 = study, $2 = number, then `extra`), which must return the count
  // of Running trials it touched; 0 means the trial is missing or not Running.
  void running_write(int number, const char* what, const char* sql,
                     const detail::pg::Params& extra) {
    require_study();
    detail::pg::Params params{sid(), std::to_string(number)};
    params.insert(params.end(), extra.begin(), extra.end());
    session_.retrying(what, [&](int) {
      return write([&] {
        const auto r = session_.conn().exec(sql, params);
        if (r.text(0, 0) != "0") return 0;
        const auto s =
            session_.conn().exec("SELECT state FROM hpo_trials WHERE study_id = $1 AND number = $2",
                                 {params[0], params[1]});
        if (s.rows() == 0) throw no_trial(number);
        const auto state = static_cast<TrialState>(detail::pg::parse_int<int>(s.text(0, 0)));
        throw TrialStateError(fmt::format("hpo: {} on trial {}, which is {}, not Running", what,
                                          number, to_string(state)));
      });
    });
  }

  void set_attr(int number, const char* kind, const std::string& key, const AttrValue& value) {
    std::lock_guard<std::mutex> lock(mutex_);
    require_study();
    const detail::pg::Params params{sid(), std::to_string(number), std::string(kind), key,
                                    detail::pg::encode_value(value)};
    session_.retrying("set_attr", [&](int) {
      return write([&] {
        const auto r = session_.conn().exec(
            "WITH t AS (UPDATE hpo_trials SET updated = nextval('hpo_updates') "
            "WHERE study_id = $1 AND number = $2 RETURNING number), "
            "i AS (INSERT INTO hpo_attrs (study_id, number, kind, key, value) "
            "SELECT $1, $2, $3, $4, $5 FROM t ON CONFLICT (study_id, number, kind, key) "
            "DO UPDATE SET value = EXCLUDED.value RETURNING 1) SELECT count(*) FROM t",
            params);
        if (r.text(0, 0) == "0") throw no_trial(number);
        return 0;
      });
    });
  }

  template <class Map>
  void insert_attrs(const std::string& number, const char* kind, const Map& attrs) const {
    for (const auto& [key, value] : attrs)
      session_.conn().exec(
          "INSERT INTO hpo_attrs (study_id, number, kind, key, value) VALUES ($1, $2, $3, $4, $5)",
          {sid(), number, std::string(kind), key, detail::pg::encode_value(value)});
  }

  // ---- reads

  // Refreshes the replica and returns trial `number`.
  FrozenTrialPtr fresh_trial(int number) const {
    refresh();
    FrozenTrialPtr t = replica_.trial(number);
    if (!t) throw no_trial(number);
    return t;
  }

  // Brings the replica up to date: fetches the trials whose `updated` is above the largest
  // value seen so far (one indexed range scan), then their params, intermediate values and
  // attributes in one query each. All in one REPEATABLE READ snapshot, so that a trial and its
  // rows are read at the same moment. A read with no change costs three round trips.
  void refresh() const {
    if (study_id_ < 0) {
      session_.retrying("read", [&](int) { return find_study(), 0; });
      if (study_id_ < 0) return;  // no study yet: nothing to read
    }
    session_.retrying("read", [&](int) {
      refresh_once();
      return 0;
    });
  }

  void refresh_once() const {
    auto changes = session_.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                                        [&] { return replica_.read(session_.conn(), study_id_); });
    replica_.apply(std::move(changes), directions_);
  }

  const std::string name_;
  const PostgresOptions options_;
  // The connection, its retries and transactions (guarded by mutex_ too).
  mutable detail::pg::Session session_;

  // Everything below is guarded by mutex_ (mutable: reads refresh the replica).
  mutable std::mutex mutex_;
  mutable int study_id_ = -1;
  mutable std::vector<Direction> directions_;
  mutable std::string lock_sql_;  // BEGIN + the study's advisory lock
  mutable detail::pg::Replica replica_;
};

}  // namespace hpo
