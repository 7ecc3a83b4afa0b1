// SPDX-License-Identifier: MIT
#pragma once

// The in-memory state a JournalStorage rebuilds from its journal: the studies of the file and
// the trials of its own study. Records are applied in journal order; a record that does not fit
// the state (after corruption: a trial whose creation was lost, a finish of a finished trial)
// is refused with a reason and changes nothing.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "hpo/detail/journal_codec.hpp"
#include "hpo/errors.hpp"
#include "hpo/storage/storage.hpp"
#include "hpo/study/direction.hpp"
#include "hpo/trial/frozen_trial.hpp"

namespace hpo::detail::journal {

/// Why placeholder trials are Failed: the record that created them was lost.
inline constexpr const char* kLostReason =
    "hpo::JournalStorage: the journal record that created this trial is corrupt or missing";

/// The state rebuilt from a journal: every study's name and directions, and the trials of the
/// study named at construction.
class Replica {
 public:
  /// A replica for the study named `study_name` in the journal at `path` (for messages).
  Replica(std::string path, std::string study_name)
      : path_(std::move(path)), name_(std::move(study_name)) {}

  /// Applies one record read at `offset`. Returns an empty string, or why the record was
  /// refused (it then changed nothing). Throws StorageError for a journal of another format
  /// version or a file that does not start with a journal header; DecodeError for a payload
  /// that cannot be read.
  std::string apply(const unsigned char* payload, std::size_t n, std::uint64_t offset) {
    kept_ = false;
    Decoder d(payload, n);
    const auto kind = static_cast<RecordKind>(d.u8());
    if (offset == 0 && kind != RecordKind::FileHeader)
      throw StorageError(
          fmt::format("hpo::JournalStorage: {} is not an hpo journal (no file header)", path_));
    if (kind == RecordKind::FileHeader) {
      const std::uint32_t version = d.u32();
      if (version != kFormatVersion)
        throw StorageError(fmt::format(
            "hpo::JournalStorage: {} has journal format version {}; this hpo reads version {}",
            path_, version, kFormatVersion));
      header_seen_ = true;
      return {};
    }
    if (kind == RecordKind::CreateStudy) return create_study(d);
    if (static_cast<std::uint8_t>(kind) > static_cast<std::uint8_t>(RecordKind::PopWaiting))
      return fmt::format("unknown record kind {}", static_cast<int>(kind));
    const std::uint32_t study = d.u32();
    if (study > next_study_id() + kMaxGap) return fmt::format("an impossible study id {}", study);
    if (study >= studies_.size()) {
      next_study_ = std::max<std::size_t>(next_study_, std::size_t{study} + 1);
      if (!unknown_studies_.insert(study).second) return {};  // warned once per study
      return fmt::format(
          "a record of study id {}, whose creation record is missing (its records are skipped)",
          study);
    }
    if (static_cast<int>(study) != own_) return {};
    const std::uint32_t number = d.u32();
    if (number > trials_.size() + kMaxGap)
      return fmt::format("an impossible trial number {}", number);
    return apply_trial_record(kind, static_cast<int>(number), d);
  }

  /// Whether the last apply() applied its record although it returned a warning (a trial
  /// created after lost ones).
  bool kept() const { return kept_; }
  /// Whether the file header was read.
  bool header_seen() const { return header_seen_; }
  /// The own study's id, or -1 while it is not in the journal.
  int study_id() const { return own_; }
  /// The id the next new study gets.
  std::size_t next_study_id() const { return std::max(next_study_, studies_.size()); }
  /// Names of the studies in the journal, by id (empty for a study whose record was lost).
  std::vector<std::string> study_names() const {
    std::vector<std::string> out;
    for (const auto& s : studies_) out.push_back(s ? s->name : std::string());
    return out;
  }
  /// The own study's directions (empty before it exists).
  std::vector<Direction> directions() const {
    return own_ < 0 ? std::vector<Direction>{}
                    : studies_[static_cast<std::size_t>(own_)]->directions;
  }

  /// The trials, by number (Failed placeholders where a creation record was lost).
  const std::vector<std::shared_ptr<FrozenTrial>>& trials() const { return trials_; }
  /// The oldest Waiting trial, or -1.
  int oldest_waiting() const { return waiting_.empty() ? -1 : *waiting_.begin(); }
  /// The number of the best trial (see Storage::best_trial), or -1.
  int best() const { return best_.number(); }
  /// Most parameters a trial has had (new trials reserve that many).
  std::size_t max_params() const { return max_params_; }

  /// Throws UnknownName if trial `number` does not exist, TrialStateError if it was lost.
  const FrozenTrial& existing(int number) const {
    if (number < 0 || number >= static_cast<int>(trials_.size()))
      throw UnknownName(fmt::format("hpo::JournalStorage: no trial number {}", number));
    if (lost_[static_cast<std::size_t>(number)])
      throw TrialStateError(fmt::format(
          "hpo::JournalStorage: trial {} was lost (its creation record is corrupt)", number));
    return *trials_[static_cast<std::size_t>(number)];
  }
  /// Throws as existing() does, and TrialStateError if the trial is not Running.
  const FrozenTrial& running(int number, const char* what) const {
    const FrozenTrial& t = existing(number);
    if (t.state != TrialState::Running)
      throw TrialStateError(fmt::format("hpo: {} on trial {}, which is {}, not Running", what,
                                        number, to_string(t.state)));
    return t;
  }

 private:
  struct StudyInfo {
    std::string name;
    std::vector<Direction> directions;
  };

  std::string create_study(Decoder& d) {
    const std::uint32_t id = d.u32();
    std::string name = d.str();
    std::vector<Direction> directions = decode_directions(d);
    if (id < studies_.size())
      return fmt::format("study id {} ('{}') is created twice; the first one is kept", id, name);
    if (id > next_study_id() + kMaxGap) return fmt::format("an impossible study id {}", id);
    studies_.resize(id);  // ids in between: studies whose creation record was lost
    if (name == name_ && own_ < 0) own_ = static_cast<int>(id);
    studies_.push_back(StudyInfo{std::move(name), std::move(directions)});
    return {};
  }

  // Fills trial numbers up to `number` (excluded) with Failed placeholders for lost trials.
  std::string fill_lost(int number) {
    const int first = static_cast<int>(trials_.size());
    while (static_cast<int>(trials_.size()) < number) {
      auto t = std::make_shared<FrozenTrial>();
      t->number = static_cast<int>(trials_.size());
      t->state = TrialState::Failed;
      t->fail_reason = kLostReason;
      trials_.push_back(std::move(t));
      lost_.push_back(true);
    }
    if (first >= number) return {};
    return first + 1 == number
               ? fmt::format("trial {} is lost (recorded as Failed); ", first)
               : fmt::format("trials {}..{} are lost (recorded as Failed); ", first, number - 1);
  }

  // The trial to change (copied first if a reader still holds its snapshot), or nullptr with
  // the reason in `why`.
  FrozenTrial* target(int number, bool must_run, std::string& why) {
    if (number >= static_cast<int>(trials_.size())) {
      why = fill_lost(number + 1) + fmt::format("a record for trial {}, never created", number);
      return nullptr;
    }
    auto& slot = trials_[static_cast<std::size_t>(number)];
    if (lost_[static_cast<std::size_t>(number)]) {
      why = fmt::format("a record for trial {}, which was lost", number);
      return nullptr;
    }
    if (must_run && slot->state != TrialState::Running) {
      why = fmt::format("a record for trial {}, which is {}, not Running", number,
                        to_string(slot->state));
      return nullptr;
    }
    if (slot.use_count() > 1) slot = std::make_shared<FrozenTrial>(*slot);
    return slot.get();
  }

  std::string apply_trial_record(RecordKind kind, int number, Decoder& d) {
    std::string why;
    if (kind == RecordKind::CreateTrial) {
      auto t = std::make_shared<FrozenTrial>();
      decode_trial(d, *t, &cache_);
      t->number = number;
      if (number < static_cast<int>(trials_.size()))
        return fmt::format("trial {} is created twice; the first one is kept", number);
      why = fill_lost(number);
      if (t->state == TrialState::Waiting) waiting_.insert(number);
      max_params_ = std::max(max_params_, t->params.size());
      trials_.push_back(std::move(t));
      lost_.push_back(false);
      update_best(*trials_.back());
      kept_ = true;
      return why.empty() ? why : why + fmt::format("trial {} kept", number);
    }
    switch (kind) {
      case RecordKind::SetParam: {
        TrialParam p = decode_param(d, &cache_);
        FrozenTrial* t = target(number, true, why);
        if (!t) return why;
        t->params.push_back(std::move(p));
        max_params_ = std::max(max_params_, t->params.size());
        return {};
      }
      case RecordKind::SetIntermediate: {
        const std::int64_t step = d.i64();
        const double value = d.f64();
        FrozenTrial* t = target(number, true, why);
        if (t) t->intermediate_values.emplace(step, value);
        return why;
      }
      case RecordKind::SetUserAttr:
      case RecordKind::SetSystemAttr: {
        std::string key = d.str();
        ParamValue value = decode_value(d);
        FrozenTrial* t = target(number, false, why);
        if (t)
          (kind == RecordKind::SetUserAttr ? t->user_attrs : t->system_attrs)
              .insert_or_assign(std::move(key), std::move(value));
        return why;
      }
      case RecordKind::SetConstraints: {
        std::vector<double> constraints = d.f64s();
        FrozenTrial* t = target(number, true, why);
        if (t) t->constraints = std::move(constraints);
        return why;
      }
      case RecordKind::FinishTrial: {
        const TrialState state = decode_state(d.u8());
        std::vector<double> values = d.f64s();
        std::string reason = d.str();
        const std::optional<TimePoint> complete = d.time();
        if (!is_finished(state)) return "a finish record with an unfinished state";
        FrozenTrial* t = target(number, true, why);
        if (!t) return why;
        t->state = state;
        t->values = std::move(values);
        t->fail_reason = std::move(reason);
        t->datetime_complete = complete;
        update_best(*t);
        return {};
      }
      case RecordKind::PopWaiting: {
        const std::optional<TimePoint> start = d.time();
        FrozenTrial* t = target(number, false, why);
        if (!t) return why;
        if (t->state != TrialState::Waiting)
          return fmt::format("trial {} popped, but it is {}, not Waiting", number,
                             to_string(t->state));
        t->state = TrialState::Running;
        t->datetime_start = start;
        waiting_.erase(number);
        return {};
      }
      default:
        return fmt::format("unknown record kind {}", static_cast<int>(kind));
    }
  }

  void update_best(const FrozenTrial& t) {
    best_.update(t, studies_[static_cast<std::size_t>(own_)]->directions, trials_);
  }

  // Ids and numbers may skip lost records, but not by more than this (a larger jump is taken
  // as a bad record, not as that many lost ones).
  static constexpr std::size_t kMaxGap = 1U << 20;

  std::string path_;
  std::string name_;
  bool header_seen_ = false;
  bool kept_ = false;
  std::vector<std::optional<StudyInfo>> studies_;
  std::size_t next_study_ = 0;
  std::set<std::uint32_t> unknown_studies_;  // ids of records whose study is missing
  int own_ = -1;
  std::vector<std::shared_ptr<FrozenTrial>> trials_;
  std::vector<bool> lost_;
  std::set<int> waiting_;
  hpo::detail::BestTrial best_;
  std::size_t max_params_ = 0;
  CategoricalCache cache_;
};

}  // namespace hpo::detail::journal
