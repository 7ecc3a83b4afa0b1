// SPDX-License-Identifier: MIT
#pragma once

// The local copy of a study that hpo::PostgresStorage keeps, and the queries that bring it up
// to date. Internal: include <hpo/storage/postgres_storage.hpp>.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hpo/detail/postgres_codec.hpp"
#include "hpo/detail/postgres_connection.hpp"
#include "hpo/param_value.hpp"
#include "hpo/storage/storage.hpp"
#include "hpo/study/direction.hpp"
#include "hpo/trial/frozen_trial.hpp"
#include "hpo/trial/trial_state.hpp"

namespace hpo::detail::pg {

/// A study's trials as last read, by number. A refresh fetches the trials whose `updated` is
/// above the largest value seen so far (one range scan of the index (study_id, updated)), then
/// their params, intermediate values and attributes in one query each (`number = ANY($2)`), and
/// replaces those trials: the cost of a refresh follows the number of changed trials, not the
/// size of the study. Old snapshots stay valid (trials are replaced, never modified). Not
/// thread-safe: the storage serializes its use.
class Replica {
 public:
  /// What read() found: the changed trials, complete and ordered by number, and the largest
  /// `updated` value among them.
  struct Changes {
    std::vector<std::shared_ptr<FrozenTrial>> trials;
    std::int64_t seen = 0;
  };

  /// Reads the trials of study `study_id` changed since the last apply(), with their rows, on
  /// `conn`; run it inside one REPEATABLE READ transaction, so that everything is read at one
  /// moment. Changes nothing: throws as the connection does.
  Changes read(Connection& conn, int study_id) const {
    Changes out;
    auto& changed = out.trials;
    const std::string study = std::to_string(study_id);
    const auto rows = conn.exec(
        "SELECT number, state, vals, constraints, "
        "round(extract(epoch FROM datetime_start) * 1000000)::bigint, "
        "round(extract(epoch FROM datetime_complete) * 1000000)::bigint, fail_reason, updated "
        "FROM hpo_trials WHERE study_id = $1 AND updated > $2 ORDER BY number",
        {study, std::to_string(seen_)});
    out.seen = seen_;
    if (rows.rows() == 0) return out;
    std::vector<int> numbers;
    for (int i = 0; i < rows.rows(); ++i) {
      auto t = std::make_shared<FrozenTrial>();
      t->number = parse_int<int>(rows.text(i, 0));
      t->state = static_cast<TrialState>(parse_int<int>(rows.text(i, 1)));
      t->values = parse_doubles(rows.text(i, 2));
      t->constraints = parse_doubles(rows.text(i, 3));
      if (!rows.null(i, 4))
        t->datetime_start = from_micros(parse_int<std::int64_t>(rows.text(i, 4)));
      if (!rows.null(i, 5))
        t->datetime_complete = from_micros(parse_int<std::int64_t>(rows.text(i, 5)));
      t->fail_reason = std::string(rows.text(i, 6));
      out.seen = std::max(out.seen, parse_int<std::int64_t>(rows.text(i, 7)));
      numbers.push_back(t->number);
      changed.push_back(std::move(t));
    }
    // `changed` is ordered by number: find a trial by binary search.
    auto find = [&](std::string_view number) -> FrozenTrial& {
      const int n = parse_int<int>(number);
      const auto it = std::lower_bound(numbers.begin(), numbers.end(), n);
      if (it == numbers.end() || *it != n) corrupt("a trial number", number);
      return *changed[static_cast<std::size_t>(it - numbers.begin())];
    };
    // On the first read every trial changed: no list of numbers needed.
    const bool all = seen_ == 0;
    const Params which{study,
                       all ? std::nullopt : std::optional<std::string>(format_ints(numbers))};
    const auto params = conn.exec(
        "SELECT number, name, distribution, internal FROM hpo_params WHERE study_id = $1 "
        "AND ($2::integer[] IS NULL OR number = ANY($2::integer[])) ORDER BY number, position",
        which);
    for (int i = 0; i < params.rows(); ++i) {
      FrozenTrial& t = find(params.text(i, 0));
      t.params.push_back(TrialParam{std::string(params.text(i, 1)),
                                    decode_distribution(params.text(i, 2)),
                                    parse_double(params.text(i, 3))});
    }
    const auto values = conn.exec(
        "SELECT number, step, value FROM hpo_intermediate_values WHERE study_id = $1 "
        "AND ($2::integer[] IS NULL OR number = ANY($2::integer[]))",
        which);
    for (int i = 0; i < values.rows(); ++i)
      find(values.text(i, 0))
          .intermediate_values.emplace(parse_int<std::int64_t>(values.text(i, 1)),
                                       parse_double(values.text(i, 2)));
    const auto attrs = conn.exec(
        "SELECT number, kind, key, value FROM hpo_attrs WHERE study_id = $1 "
        "AND ($2::integer[] IS NULL OR number = ANY($2::integer[]))",
        which);
    for (int i = 0; i < attrs.rows(); ++i) {
      FrozenTrial& t = find(attrs.text(i, 0));
      const std::string_view kind = attrs.text(i, 1);
      AttrMap& map = kind == "u" ? t.user_attrs : kind == "s" ? t.system_attrs : t.fixed_params;
      map[std::string(attrs.text(i, 2))] = decode_value(attrs.text(i, 3));
    }
    return out;
  }

  /// Applies what read() returned; does not throw (but for memory).
  void apply(Changes changes, const std::vector<Direction>& directions) {
    seen_ = changes.seen;
    for (auto& t : changes.trials) {
      const auto slot = static_cast<std::size_t>(t->number);
      if (slot >= trials_.size()) trials_.resize(slot + 1);
      trials_[slot] = t;
      update_best(*t, directions);
    }
  }

  /// Trials by number (a slot may be null only if the database skipped a number).
  const std::vector<FrozenTrialPtr>& trials() const { return trials_; }

  /// Trial `number`, or nullptr.
  FrozenTrialPtr trial(int number) const {
    if (number < 0 || number >= static_cast<int>(trials_.size())) return nullptr;
    return trials_[static_cast<std::size_t>(number)];
  }

  /// The best Complete trial of a single-objective study (feasible once any has constraints).
  std::optional<FrozenTrialPtr> best() const {
    if (best_.number() < 0) return std::nullopt;
    return trials_[static_cast<std::size_t>(best_.number())];
  }

 private:
  void update_best(const FrozenTrial& t, const std::vector<Direction>& directions) {
    best_.update(t, directions, trials_);
  }

  std::vector<FrozenTrialPtr> trials_;
  std::int64_t seen_ = 0;  // the largest `updated` value applied
  hpo::detail::BestTrial best_;
};

}  // namespace hpo::detail::pg
