// SPDX-License-Identifier: MIT
#pragma once

// The journal file as JournalStorage uses it: the descriptor reads use, the inter-process lock,
// the offset up to which the file has been read, incremental reading (catch_up), appending
// whole records, and the count of damaged bytes.

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "hpo/detail/journal_codec.hpp"
#include "hpo/detail/journal_format.hpp"
#include "hpo/detail/journal_lock.hpp"
#include "hpo/errors.hpp"

namespace hpo::detail::journal {

/// How a JournalFile locks and syncs (the public JournalOptions, resolved).
struct FileSettings {
  bool fcntl_lock = false;         ///< fcntl lock on `<path>.fcntl-lock`, else a lock file
  double stale_lock_seconds = 30;  ///< see LockFile
  bool sync_every_record = false;  ///< fdatasync after every record
  bool sync_boundaries = true;     ///< fdatasync after records that create, start or end trials
  WarningSink warn;                ///< receives warnings (must be set)
};

/// An open journal: reading from where the last read stopped, appending under the lock.
/// Not thread-safe: the storage serializes calls.
class JournalFile {
 public:
  /// Opens (creating if missing) the journal at `path`; throws StorageError.
  JournalFile(std::string path, FileSettings settings)
      : path_(std::move(path)), settings_(std::move(settings)) {
    if (settings_.fcntl_lock)
      fcntl_lock_ = std::make_unique<FcntlLock>(path_ + ".fcntl-lock");
    else
      lock_file_ =
          std::make_unique<LockFile>(path_ + ".lock", settings_.stale_lock_seconds, settings_.warn);
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0 && (errno == EACCES || errno == EROFS))
      fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);  // read-only: reads still work
    if (fd_ < 0) throw StorageError(message("open the journal", errno));
  }
  JournalFile(const JournalFile&) = delete;
  JournalFile& operator=(const JournalFile&) = delete;
  ~JournalFile() { ::close(fd_); }

  /// The descriptor reads use (kept open).
  int fd() const { return fd_; }
  const std::string& path() const { return path_; }
  /// Bytes read and applied so far.
  std::uint64_t offset() const { return offset_; }
  std::uint64_t skipped_bytes() const { return skipped_bytes_; }
  std::uint64_t skipped_records() const { return skipped_records_; }
  /// Counts a good record that could not be applied.
  void count_skipped_record() { ++skipped_records_; }
  void warn(const std::string& m) const { settings_.warn(m); }

  /// The size of the file behind `fd`.
  std::uint64_t size(int fd) const {
    struct stat st {};
    if (::fstat(fd, &st) != 0) throw StorageError(message("stat", errno));
    return static_cast<std::uint64_t>(st.st_size);
  }

  /// Runs f(wfd) holding the journal lock, with a descriptor opened for this append (a fresh
  /// open: on NFS, close-to-open consistency then shows every byte the last holder wrote).
  template <class F>
  void locked(F&& f) {
    auto run = [&] {
      const int wfd = ::open(path_.c_str(), O_RDWR | O_APPEND | O_CLOEXEC);
      if (wfd < 0) throw StorageError(message("open for writing", errno));
      struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
      } closer{wfd};
      f(wfd);
    };
    if (lock_file_) {
      LockGuard<LockFile> lock(*lock_file_);
      run();
    } else {
      LockGuard<FcntlLock> lock(*fcntl_lock_);
      run();
    }
  }

  /// Reads what was appended since offset() through `fd` and calls apply(payload, length,
  /// offset) for each record, in order. `at_rest`: the caller holds the lock, so a torn or bad
  /// tail is a crash remnant, skipped (see scan_frames). If apply throws, that record stays
  /// unread. Throws StorageError for a file that is not a journal or shrank.
  template <class Apply>
  void catch_up(int fd, bool at_rest, Apply&& apply) {
    const std::uint64_t end = size(fd);
    if (end == offset_) return;  // the common case: one fstat
    if (end < offset_)
      throw StorageError(
          fmt::format("hpo::JournalStorage: {} shrank from {} to {} bytes", path_, offset_, end));
    if (offset_ == 0) check_magic(fd, end);
    std::size_t chunk = std::size_t{4} << 20;
    while (offset_ < end) {
      const std::uint64_t left = end - offset_;
      const std::size_t want = left < chunk ? static_cast<std::size_t>(left) : chunk;
      if (buffer_.size() < want) buffer_.resize(want);
      const std::size_t got = read_at(fd, buffer_.data(), want, offset_);
      const bool last = got == left || got < want;
      const std::uint64_t base = offset_;
      const std::size_t used = scan_frames(
          buffer_.data(), got, at_rest && last,
          [&](std::size_t pos, const unsigned char* p, std::size_t n) {
            offset_ = base + pos;  // if apply throws, the record is not consumed
            apply(p, n, base + pos);
          },
          [&](std::size_t pos, std::size_t n, const char* what) {
            ++skipped_records_;
            skipped_bytes_ += n;
            warn(fmt::format("hpo::JournalStorage: {}: skipped {} bytes at offset {}: {}", path_, n,
                             base + pos, what));
          });
      offset_ = base + used;
      if (last) break;
      if (used == 0) chunk *= 2;  // a record or a bad run longer than the chunk
    }
    if (buffer_.size() > (std::size_t{16} << 20)) buffer_ = {};  // do not keep a huge buffer
  }

  /// Appends one framed record (one write call; a short write is completed) and syncs it as
  /// the settings say. Returns the errno of a failed sync (the record is written), else 0.
  /// Called holding the lock, caught up (at rest). Throws StorageError if the write fails,
  /// after removing what it wrote of the record.
  int append(int wfd, const std::string& payload) {
    const std::string record = frame(payload);
    std::size_t done = 0;
    while (done < record.size()) {
      const ::ssize_t n = ::write(wfd, record.data() + done, record.size() - done);
      if (n < 0) {
        const int err = errno;
        if (err == EINTR) continue;
        // Leave no half record behind (we hold the lock: the end of the file is ours).
        if (done > 0) {
          [[maybe_unused]] const int r = ::ftruncate(wfd, static_cast<off_t>(offset_));
        }
        throw StorageError(message("append to", err));
      }
      done += static_cast<std::size_t>(n);
    }
    const auto kind = static_cast<RecordKind>(payload[0]);
    const bool boundary = kind == RecordKind::FileHeader || kind == RecordKind::CreateStudy ||
                          kind == RecordKind::CreateTrial || kind == RecordKind::FinishTrial ||
                          kind == RecordKind::PopWaiting;
    const bool sync = settings_.sync_every_record || (settings_.sync_boundaries && boundary);
    const int sync_error = sync && ::fdatasync(wfd) != 0 ? errno : 0;
    offset_ += record.size();
    return sync_error;
  }

  /// Empties the file (a torn header left by a process that died creating it). Called holding
  /// the lock.
  void truncate(int wfd) {
    if (::ftruncate(wfd, 0) != 0) throw StorageError(message("truncate", errno));
    offset_ = 0;
  }

  /// "hpo::JournalStorage: cannot <what> <path>: <reason>".
  std::string message(const char* what, int err) const {
    return system_error_message(what, path_, err);
  }

 private:
  std::size_t read_at(int fd, unsigned char* p, std::size_t n, std::uint64_t at) const {
    std::size_t got = 0;
    while (got < n) {
      const ::ssize_t r = ::pread(fd, p + got, n - got, static_cast<off_t>(at + got));
      if (r < 0) {
        if (errno == EINTR) continue;
        throw StorageError(message("read", errno));
      }
      if (r == 0) break;
      got += static_cast<std::size_t>(r);
    }
    return got;
  }

  // A file that does not start with the record magic is not a journal: never append to it.
  void check_magic(int fd, std::uint64_t end) const {
    unsigned char head[4] = {};
    const std::size_t n = read_at(fd, head, end < 4 ? static_cast<std::size_t>(end) : 4, 0);
    if (std::memcmp(head, kMagic.data(), n) != 0)
      throw StorageError(fmt::format("hpo::JournalStorage: {} is not an hpo journal", path_));
  }

  std::string path_;
  FileSettings settings_;
  std::unique_ptr<LockFile> lock_file_;
  std::unique_ptr<FcntlLock> fcntl_lock_;
  int fd_ = -1;
  std::uint64_t offset_ = 0;
  std::vector<unsigned char> buffer_;
  std::uint64_t skipped_bytes_ = 0;
  std::uint64_t skipped_records_ = 0;
};

}  // namespace hpo::detail::journal
