// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "hpo/detail/journal_codec.hpp"
#include "hpo/detail/journal_file.hpp"
#include "hpo/detail/journal_replica.hpp"
#include "hpo/errors.hpp"
#include "hpo/storage/storage.hpp"

namespace hpo {

/// When a JournalStorage makes its appends durable (fdatasync).
enum class JournalSync {
  /// After every record: nothing acknowledged is lost even on power loss; slowest.
  EveryRecord,
  /// After the records that create, start or finish a trial (the default): on power loss a
  /// Running trial may lose its last parameters, reports or attributes, never its result.
  TrialBoundaries,
  /// Never (unsafe): a process crash loses nothing, but a machine crash or power loss may
  /// lose recent records, finished trials included.
  Never,
};

/// How processes sharing a journal take turns to append. Every process using a journal must
/// use the same method: the two do not exclude each other.
enum class JournalLockMethod {
  /// A lock file `<journal>.lock`, created atomically (link(2), also on NFS) and removed after
  /// each append (the default). One left by a dead process is removed at once if that process
  /// ran on this host, else after JournalOptions::stale_lock_seconds.
  LockFile,
  /// An fcntl lock on the file `<journal>.fcntl-lock` (released by the kernel when a holder
  /// dies; much cheaper per append; on NFS it needs a working lock manager).
  Fcntl,
};

/// Options of a JournalStorage.
struct JournalOptions {
  /// When appends are made durable with fdatasync.
  JournalSync sync = JournalSync::TrialBoundaries;
  /// The inter-process lock.
  JournalLockMethod lock = JournalLockMethod::LockFile;
  /// A lock file older than this is taken as left by a dead process and removed. Holders keep
  /// it for one append only; keep it well above the clock skew between hosts sharing the file.
  double stale_lock_seconds = 30;
  /// Receives each warning (a corrupt or torn region skipped, a record that could not be
  /// applied, a stale lock removed), one line, naming the file and the byte offset. Called with
  /// the storage's mutex held: it must not call the storage. Default: a line on stderr.
  std::function<void(const std::string&)> on_warning;
};

/// A storage kept in an append-only journal file that several processes and threads share,
/// and that survives crashes: see docs/storage.md.
///
/// One journal holds any number of studies, by name. Every read first catches up with what
/// other processes appended since (reading only the new bytes); every write takes the journal
/// lock, catches up, checks the operation against the state (as InMemoryStorage does), appends
/// one checksummed record and releases the lock. So trial numbers are unique across processes,
/// and finish_trial and pop_waiting_trial are atomic across them too. Damaged bytes (a torn
/// write, a flipped bit, a zero-filled block) are skipped with a warning.
///
/// Example:
/// ```
/// auto storage = std::make_shared<hpo::JournalStorage>("runs.journal", "mlp");
/// hpo::Study study(hpo::Direction::Minimize, nullptr, nullptr, storage);  // resumes "mlp"
/// ```
class JournalStorage final : public Storage {
 public:
  /// Opens the journal at `path` (created if missing) and reads study `study_name` from it, if
  /// present (init_study records it otherwise). Throws StorageError if the file cannot be
  /// opened or created, is not a journal, or has another format version; InvalidArgument for
  /// an empty study name or a stale_lock_seconds that is not > 0.
  JournalStorage(std::string path, std::string study_name, JournalOptions options = {})
      : study_name_(checked_name(std::move(study_name))),
        file_(std::move(path), settings(std::move(options))),
        replica_(file_.path(), study_name_) {
    std::lock_guard<std::mutex> guard(mutex_);
    if (file_.size(file_.fd()) == 0) {
      file_.locked([&](int wfd) {
        catch_up(wfd, true);
        ensure_header(wfd);
      });
    }
    catch_up(file_.fd(), false);
  }
  JournalStorage(const JournalStorage&) = delete;
  JournalStorage& operator=(const JournalStorage&) = delete;
  ~JournalStorage() override = default;

  void init_study(const std::vector<Direction>& directions) override {
    if (directions.empty()) throw InvalidArgument("hpo::JournalStorage: no direction given");
    std::lock_guard<std::mutex> guard(mutex_);
    catch_up(file_.fd(), false);
    if (replica_.study_id() >= 0) return check_directions(directions);
    write([&]() -> std::optional<std::string> {
      if (replica_.study_id() >= 0) {  // another process created it meanwhile
        check_directions(directions);
        return std::nullopt;
      }
      detail::journal::Encoder e(detail::journal::RecordKind::CreateStudy);
      e.u32(static_cast<std::uint32_t>(replica_.next_study_id()));
      e.str(study_name_);
      detail::journal::encode(e, directions);
      return e.bytes();
    });
  }

  std::vector<Direction> directions() const override {
    std::lock_guard<std::mutex> guard(mutex_);
    catch_up(file_.fd(), false);
    return replica_.directions();
  }

  FrozenTrialPtr create_trial(const FrozenTrial& prototype) override {
    std::lock_guard<std::mutex> guard(mutex_);
    int number = -1;
    write([&]() -> std::optional<std::string> {
      number = static_cast<int>(replica_.trials().size());
      detail::journal::Encoder e(trial_record(detail::journal::RecordKind::CreateTrial, number));
      if (prototype.state == TrialState::Running && !prototype.datetime_start) {
        FrozenTrial t = prototype;
        t.datetime_start = std::chrono::system_clock::now();
        detail::journal::encode(e, t);
      } else {
        detail::journal::encode(e, prototype);
      }
      return e.bytes();
    });
    return trial_at(number);
  }

  std::optional<FrozenTrialPtr> pop_waiting_trial() override {
    std::lock_guard<std::mutex> guard(mutex_);
    catch_up(file_.fd(), false);
    if (replica_.oldest_waiting() < 0) return std::nullopt;  // no lock needed to see none
    int number = -1;
    write([&]() -> std::optional<std::string> {
      number = replica_.oldest_waiting();
      if (number < 0) return std::nullopt;
      detail::journal::Encoder e(trial_record(detail::journal::RecordKind::PopWaiting, number));
      e.time(std::chrono::system_clock::now());
      return e.bytes();
    });
    if (number < 0) return std::nullopt;
    return trial_at(number);
  }

  void set_param(int number, const TrialParam& param) override {
    std::lock_guard<std::mutex> guard(mutex_);
    write([&]() -> std::optional<std::string> {
      replica_.running(number, "set_param");
      detail::journal::Encoder e(trial_record(detail::journal::RecordKind::SetParam, number));
      detail::journal::encode(e, param);
      return e.bytes();
    });
  }

  void set_intermediate_value(int number, std::int64_t step, double value) override {
    std::lock_guard<std::mutex> guard(mutex_);
    write([&]() -> std::optional<std::string> {
      if (replica_.running(number, "report").intermediate_values.count(step) != 0)
        return std::nullopt;  // a step reported twice keeps its first value
      detail::journal::Encoder e(
          trial_record(detail::journal::RecordKind::SetIntermediate, number));
      e.i64(step);
      e.f64(value);
      return e.bytes();
    });
  }

  void set_user_attr(int number, const std::string& key, const AttrValue& value) override {
    set_attr(detail::journal::RecordKind::SetUserAttr, number, key, value);
  }

  void set_system_attr(int number, const std::string& key, const AttrValue& value) override {
    set_attr(detail::journal::RecordKind::SetSystemAttr, number, key, value);
  }

  void set_constraints(int number, std::vector<double> constraints) override {
    std::lock_guard<std::mutex> guard(mutex_);
    write([&]() -> std::optional<std::string> {
      replica_.running(number, "set_constraints");
      detail::journal::Encoder e(trial_record(detail::journal::RecordKind::SetConstraints, number));
      e.f64s(constraints);
      return e.bytes();
    });
  }

  bool finish_trial(int number, TrialState state, std::vector<double> values,
                    std::string fail_reason) override {
    if (!is_finished(state))
      throw InvalidArgument(fmt::format(
          "hpo::JournalStorage::finish_trial: {} is not a finished state", to_string(state)));
    std::lock_guard<std::mutex> guard(mutex_);
    bool finished = false;
    write([&]() -> std::optional<std::string> {
      check_number(number);
      if (replica_.trials()[static_cast<std::size_t>(number)]->state != TrialState::Running)
        return std::nullopt;
      finished = true;
      detail::journal::Encoder e(trial_record(detail::journal::RecordKind::FinishTrial, number));
      e.u8(static_cast<std::uint8_t>(state));
      e.f64s(values);
      e.str(fail_reason);
      e.time(std::chrono::system_clock::now());
      return e.bytes();
    });
    return finished;
  }

  FrozenTrialPtr get_trial(int number) const override {
    std::lock_guard<std::mutex> guard(mutex_);
    catch_up(file_.fd(), false);
    check_number(number);
    return trial_at(number);
  }

  std::vector<FrozenTrialPtr> get_trials(TrialStates states, TrialRange range = {}) const override {
    std::lock_guard<std::mutex> guard(mutex_);
    catch_up(file_.fd(), false);
    return detail::select_trials(replica_.trials(), states, range);
  }

  int n_trials() const override {
    std::lock_guard<std::mutex> guard(mutex_);
    catch_up(file_.fd(), false);
    return static_cast<int>(replica_.trials().size());
  }

  std::optional<FrozenTrialPtr> best_trial() const override {
    std::lock_guard<std::mutex> guard(mutex_);
    catch_up(file_.fd(), false);
    if (replica_.best() < 0) return std::nullopt;
    return trial_at(replica_.best());
  }

  /// The journal's path.
  const std::string& path() const { return file_.path(); }
  /// The name of this storage's study.
  const std::string& study_name() const { return study_name_; }
  /// Names of all studies in the journal, in order of creation.
  std::vector<std::string> study_names() const {
    std::lock_guard<std::mutex> guard(mutex_);
    catch_up(file_.fd(), false);
    return replica_.study_names();
  }
  /// Bytes skipped so far as corrupt (bad checksums, torn writes, garbage, zero blocks).
  std::uint64_t skipped_bytes() const {
    std::lock_guard<std::mutex> guard(mutex_);
    return file_.skipped_bytes();
  }
  /// Skipped so far: corrupt regions (each a run of bad bytes, counted once) plus intact
  /// records that could not be applied (e.g. records of a trial whose creation was lost).
  std::uint64_t skipped_records() const {
    std::lock_guard<std::mutex> guard(mutex_);
    return file_.skipped_records();
  }

 private:
  using RecordKind = detail::journal::RecordKind;

  static detail::journal::FileSettings settings(JournalOptions options) {
    if (!(options.stale_lock_seconds > 0))
      throw InvalidArgument(
          fmt::format("hpo::JournalStorage: stale_lock_seconds must be > 0 (got {})",
                      options.stale_lock_seconds));
    detail::journal::FileSettings f;
    f.fcntl_lock = options.lock == JournalLockMethod::Fcntl;
    f.stale_lock_seconds = options.stale_lock_seconds;
    f.sync_every_record = options.sync == JournalSync::EveryRecord;
    f.sync_boundaries = options.sync == JournalSync::TrialBoundaries;
    f.warn = options.on_warning ? std::move(options.on_warning) : [](const std::string& m) {
      std::fprintf(stderr, "%s\n", m.c_str());
    };
    return f;
  }

  static std::string checked_name(std::string name) {
    if (name.empty()) throw InvalidArgument("hpo::JournalStorage: the study name is empty");
    return name;
  }

  // Starts a record about trial `number` of this study; throws Error if the study does not
  // exist in the journal.
  detail::journal::Encoder trial_record(RecordKind kind, int number) const {
    if (replica_.study_id() < 0)
      throw Error(fmt::format("hpo::JournalStorage: study '{}' is not in {}; call init_study first",
                              study_name_, file_.path()));
    detail::journal::Encoder e(kind);
    e.u32(static_cast<std::uint32_t>(replica_.study_id()));
    e.u32(static_cast<std::uint32_t>(number));
    return e;
  }

  void set_attr(RecordKind kind, int number, const std::string& key, const AttrValue& value) {
    std::lock_guard<std::mutex> guard(mutex_);
    write([&]() -> std::optional<std::string> {
      replica_.existing(number);
      detail::journal::Encoder e(trial_record(kind, number));
      e.str(key);
      detail::journal::encode(e, value);
      return e.bytes();
    });
  }

  void check_directions(const std::vector<Direction>& directions) const {
    const std::vector<Direction> recorded = replica_.directions();
    if (recorded != directions)
      throw InvalidArgument(fmt::format(
          "hpo::JournalStorage: study '{}' in {} has directions [{}], not [{}]", study_name_,
          file_.path(), fmt::join(recorded, ", "), fmt::join(directions, ", ")));
  }

  void check_number(int number) const {
    if (number < 0 || number >= static_cast<int>(replica_.trials().size()))
      throw UnknownName(fmt::format("hpo::JournalStorage: no trial number {}", number));
  }

  FrozenTrialPtr trial_at(int number) const {
    return replica_.trials()[static_cast<std::size_t>(number)];
  }

  // Under both locks: catches up (everything there is final), then appends the record `make`
  // returns, if any. `make` checks the operation against the state and may throw.
  template <class Make>
  void write(Make&& make) {
    file_.locked([&](int wfd) {
      catch_up(wfd, true);
      ensure_header(wfd);
      if (std::optional<std::string> payload = make()) append(wfd, *payload);
    });
  }

  // Writes the file header if the journal is empty, or holds only a torn header (a process
  // died creating it). Called holding the journal lock, after catch_up.
  void ensure_header(int wfd) {
    if (replica_.header_seen() || file_.offset() > detail::journal::kHeaderSize + 5) return;
    if (file_.offset() > 0) file_.truncate(wfd);
    detail::journal::Encoder e(RecordKind::FileHeader);
    e.u32(detail::journal::kFormatVersion);
    append(wfd, e.bytes());
  }

  // Appends a record and applies it to the replica, as a reader would. Called holding the
  // journal lock, caught up.
  void append(int wfd, const std::string& payload) {
    const std::uint64_t at = file_.offset();
    const int sync_error = file_.append(wfd, payload);
    apply(reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), at);
    if (sync_error != 0) throw StorageError(file_.message("sync", sync_error));
  }

  // Applies one record to the replica; one that cannot be applied is skipped with a warning.
  void apply(const unsigned char* payload, std::size_t n, std::uint64_t offset) const {
    std::string why;
    try {
      why = replica_.apply(payload, n, offset);
    } catch (const detail::journal::DecodeError& e) {
      why = e.what();
    }
    if (why.empty()) return;
    if (!replica_.kept()) file_.count_skipped_record();
    file_.warn(
        fmt::format("hpo::JournalStorage: {}: record at offset {}: {}", file_.path(), offset, why));
  }

  // Reads and applies what was appended since the last read (see JournalFile::catch_up).
  void catch_up(int fd, bool at_rest) const {
    file_.catch_up(fd, at_rest, [this](const unsigned char* p, std::size_t n, std::uint64_t at) {
      apply(p, n, at);
    });
  }

  std::string study_name_;
  // Everything below is guarded by mutex_ (reads catch up too, hence mutable).
  mutable std::mutex mutex_;
  mutable detail::journal::JournalFile file_;
  mutable detail::journal::Replica replica_;
};

}  // namespace hpo
