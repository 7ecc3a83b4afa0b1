// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "hpo/errors.hpp"
#include "hpo/storage/storage.hpp"
#include "hpo/trial/frozen_trial.hpp"

namespace hpo {

/// Heartbeats of running trials (OptimizeOptions::heartbeat): every `interval`, each trial an
/// optimize() call is running records the time in its system attribute kHeartbeatAttr, and a
/// Running trial whose last heartbeat is older than `grace` is taken for the trial of a dead
/// worker (killed, pre-empted, out of memory): the next optimize() call that notices it, in any
/// process sharing the storage, marks it Failed with a "stale" reason (Study::fail_stale_trials).
///
/// Times are the wall clock (std::chrono::system_clock) of the writing machine: with several
/// machines, `grace` must exceed their clock skew as well as the longest pause of a live worker
/// (a stop-the-world swap, a slow shared filesystem). Trials without any heartbeat (run by
/// ask/tell, or by a worker without heartbeats) are never taken for stale.
struct HeartbeatOptions {
  std::chrono::duration<double> interval{60.0};
  std::chrono::duration<double> grace{120.0};
};

/// What happens to failed trials (OptimizeOptions::retry): a trial failed as stale, and, only
/// with `retry_exceptions`, one whose objective threw, is re-enqueued as a Waiting trial with
/// the same parameters (its intermediate values too with `inherit_intermediate_values`), up to
/// `max_retries` times per original trial. The copy records the trial it retries, the original
/// one and its retry count in the system attributes kRetryOfAttr, kRetryRootAttr and
/// kRetryCountAttr. NaN results and pruned trials are never retried.
struct RetryPolicy {
  int max_retries = 0;
  bool inherit_intermediate_values = false;
  bool retry_exceptions = false;
};

/// System attribute: the last heartbeat, in seconds since the Unix epoch (a double).
inline constexpr const char* kHeartbeatAttr = "hpo:heartbeat";
/// System attribute: true on a trial failed because its heartbeat stopped.
inline constexpr const char* kStaleAttr = "hpo:stale";
/// System attributes of a retry: the trial it retries, the original trial, and how many
/// retries of the original this is (1 for the first).
inline constexpr const char* kRetryOfAttr = "hpo:retry_of";
inline constexpr const char* kRetryRootAttr = "hpo:retry_root";
inline constexpr const char* kRetryCountAttr = "hpo:retry_count";

namespace detail {

/// Seconds since the Unix epoch of `t`.
inline double epoch_seconds(TimePoint t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

/// The last heartbeat of `t`, in epoch seconds, if it has one.
inline std::optional<double> last_heartbeat(const FrozenTrial& t) {
  const auto it = t.system_attrs.find(kHeartbeatAttr);
  if (it == t.system_attrs.end() || !(it->second.is_double() || it->second.is_int()))
    return std::nullopt;
  return it->second.as<double>();
}

/// An integer system attribute of `t`, or `fallback`.
inline std::int64_t int_attr(const FrozenTrial& t, const char* key, std::int64_t fallback) {
  const auto it = t.system_attrs.find(key);
  return it != t.system_attrs.end() && it->second.is_int() ? it->second.as<std::int64_t>()
                                                           : fallback;
}

/// Enqueues a retry of the failed trial `failed` under `policy`, if it has retries left;
/// returns the new trial's number, or -1.
inline int enqueue_retry(Storage& storage, const FrozenTrial& failed, const RetryPolicy& policy) {
  const std::int64_t count = int_attr(failed, kRetryCountAttr, 0);
  if (count >= policy.max_retries) return -1;
  FrozenTrial retry;
  retry.state = TrialState::Waiting;
  retry.fixed_params = failed.param_map();
  for (const auto& [key, value] : failed.fixed_params) retry.fixed_params.emplace(key, value);
  if (policy.inherit_intermediate_values) retry.intermediate_values = failed.intermediate_values;
  retry.system_attrs[kRetryOfAttr] = failed.number;
  retry.system_attrs[kRetryRootAttr] = int_attr(failed, kRetryRootAttr, failed.number);
  retry.system_attrs[kRetryCountAttr] = count + 1;
  return storage.create_trial(retry)->number;
}

/// Marks Failed every Running trial of `storage` whose last heartbeat is older than `grace` at
/// `now`, and retries them under `policy`; returns the numbers of the trials it failed. Safe
/// with several processes noticing the same trial: finish_trial succeeds for one of them.
inline std::vector<int> fail_stale_trials(Storage& storage, std::chrono::duration<double> grace,
                                          const RetryPolicy& policy, TimePoint now) {
  std::vector<int> failed;
  const double now_s = epoch_seconds(now);
  for (const FrozenTrialPtr& t : storage.get_trials(TrialStates{TrialState::Running})) {
    const std::optional<double> beat = last_heartbeat(*t);
    if (!beat || now_s - *beat <= grace.count()) continue;
    const std::string reason = fmt::format(
        "stale: no heartbeat for {:.1f} s (grace {:.1f} s); its worker is presumed dead",
        now_s - *beat, grace.count());
    if (!storage.finish_trial(t->number, TrialState::Failed, {}, reason)) continue;
    storage.set_system_attr(t->number, kStaleAttr, true);
    failed.push_back(t->number);
    enqueue_retry(storage, *storage.get_trial(t->number), policy);
  }
  return failed;
}

/// Whether trial `number` was failed as stale (by another worker, while this one ran it).
inline bool failed_as_stale(const FrozenTrial& t) {
  const auto it = t.system_attrs.find(kStaleAttr);
  return t.state == TrialState::Failed && it != t.system_attrs.end() && it->second.is_bool() &&
         it->second.as<bool>();
}

/// The heartbeat writer of one optimize() call: a thread that records a heartbeat for each
/// trial it was told about every `interval`, until destroyed.
class HeartbeatWriter {
 public:
  HeartbeatWriter(Storage& storage, std::chrono::duration<double> interval)
      : storage_(storage), interval_(interval), thread_([this] { run(); }) {}
  HeartbeatWriter(const HeartbeatWriter&) = delete;
  HeartbeatWriter& operator=(const HeartbeatWriter&) = delete;
  ~HeartbeatWriter() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

  /// Starts beating for trial `number` (one heartbeat now).
  void add(int number) {
    beat(number);
    std::lock_guard<std::mutex> lock(mutex_);
    running_.insert(number);
  }
  /// Stops beating for trial `number`.
  void remove(int number) {
    std::lock_guard<std::mutex> lock(mutex_);
    running_.erase(number);
  }

 private:
  void beat(int number) {
    storage_.set_system_attr(number, kHeartbeatAttr,
                             epoch_seconds(std::chrono::system_clock::now()));
  }

  void run() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!wake_.wait_for(lock, interval_, [this] { return done_; })) {
      const std::vector<int> numbers(running_.begin(), running_.end());
      lock.unlock();
      // A failed write (a storage briefly unreachable) must not end the run: the next beat
      // retries, and a trial that misses beats for `grace` is failed and retried.
      for (int number : numbers) try {
          beat(number);
        } catch (const std::exception&) {
        }
      lock.lock();
    }
  }

  Storage& storage_;
  std::chrono::duration<double> interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::set<int> running_;
  bool done_ = false;
  std::thread thread_;
};

/// Heartbeats for one trial while in scope (none if `writer` is null).
class Beating {
 public:
  Beating(HeartbeatWriter* writer, int number) : writer_(writer), number_(number) {
    if (writer_) writer_->add(number_);
  }
  Beating(const Beating&) = delete;
  Beating& operator=(const Beating&) = delete;
  ~Beating() {
    if (writer_) writer_->remove(number_);
  }

 private:
  HeartbeatWriter* writer_;
  int number_;
};

}  // namespace detail
}  // namespace hpo
