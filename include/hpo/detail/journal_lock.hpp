// SPDX-License-Identifier: MIT
#pragma once

// The inter-process lock a JournalStorage holds while it appends a record: a lock file created
// with O_CREAT | O_EXCL (works on NFS), or an fcntl record lock.

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <functional>
#include <random>
#include <string>
#include <thread>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "hpo/detail/process_name.hpp"
#include "hpo/errors.hpp"

namespace hpo::detail::journal {

/// The message of a failed system call: "hpo::JournalStorage: cannot <what> <path>: <reason>".
inline std::string system_error_message(const std::string& what, const std::string& path, int err) {
  return fmt::format("hpo::JournalStorage: cannot {} {}: {}", what, path, std::strerror(err));
}

using hpo::detail::host_name;

/// This process's pid namespace ("pid:[4026531836]"), or "?": pids are only comparable within
/// one namespace (containers sharing a host name may have their own).
inline std::string pid_namespace() {
  char buf[64] = {};
  const auto n = ::readlink("/proc/self/ns/pid", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string("?");
}

/// Called with a warning's text.
using WarningSink = std::function<void(const std::string&)>;

/// A lock file: held while it exists. The holder writes its host, pid, pid namespace and time
/// into a file of its own, then link()s it to the lock file's name, which fails if the lock
/// file exists: atomic on local file systems and on NFS (the classic NFS lock-file protocol;
/// unlike O_CREAT | O_EXCL followed by a write, a holder killed at any moment never leaves an
/// empty lock file whose holder nobody can tell).
///
/// A lock file is stale if its holder ran on this host, in this pid namespace, and is gone
/// (detected at once), or if it is older than `stale_seconds` (holders keep it for one append):
/// it is then moved aside under a unique name and removed, so that of several processes
/// breaking the same stale lock exactly one succeeds.
class LockFile {
 public:
  /// A lock at `path` (not taken yet).
  LockFile(std::string path, double stale_seconds, WarningSink warn)
      : path_(std::move(path)),
        stale_seconds_(stale_seconds),
        warn_(std::move(warn)),
        host_(host_name()),
        pid_namespace_(pid_namespace()),
        rng_(static_cast<std::uint32_t>(::getpid()) ^
             static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(this))) {}

  /// Waits until the lock is taken (short sleeps with back-off); throws StorageError if the
  /// lock file cannot be created for another reason than "it exists".
  void lock() {
    // Unique to this host, process, object and call: two objects of one process must never
    // share it (a shared file would let both see a link count of 2).
    const std::string mine = fmt::format("{}.{}.{}.{:x}.{}", path_, host_, ::getpid(),
                                         reinterpret_cast<std::uintptr_t>(this), ++taken_);
    write_holder(mine);
    struct Remove {
      const std::string& path;
      ~Remove() { ::unlink(path.c_str()); }
    } remove_mine{mine};
    auto backoff = std::chrono::microseconds(50);
    for (;;) {
      const int linked = ::link(mine.c_str(), path_.c_str());
      const int err = errno;
      struct stat st {};
      // On NFS a link whose reply was lost fails on retry although it succeeded: the link
      // count of our own file tells.
      if (::stat(mine.c_str(), &st) == 0 && (linked == 0 || st.st_nlink == 2)) {
        ino_ = st.st_ino;
        dev_ = st.st_dev;
        return;
      }
      if (linked == 0 || err == EINTR) continue;
      if (err != EEXIST)
        throw StorageError(system_error_message("create the lock file", path_, err));
      if (break_if_stale()) continue;
      std::uniform_int_distribution<long> jitter(0, static_cast<long>(backoff.count()));
      std::this_thread::sleep_for(backoff + std::chrono::microseconds(jitter(rng_)));
      if (backoff < std::chrono::milliseconds(5)) backoff *= 2;
    }
  }

  /// Removes the lock file, if it is still ours (not broken as stale and retaken meanwhile).
  void unlock() {
    struct stat st {};
    if (::stat(path_.c_str(), &st) == 0 && st.st_ino == ino_ && st.st_dev == dev_)
      ::unlink(path_.c_str());
  }

 private:
  // Removes the lock file if it is stale (see the class comment; its age is that of its last
  // status change, the link); true if it did (or if the file vanished: try again at once).
  bool break_if_stale() {
    struct stat st {};
    if (::stat(path_.c_str(), &st) != 0) return errno == ENOENT;
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    const double age =
        std::chrono::duration<double>(now).count() -
        (static_cast<double>(st.st_ctim.tv_sec) + 1e-9 * static_cast<double>(st.st_ctim.tv_nsec));
    const std::string holder = read_holder();
    const bool dead = holder_is_dead(holder);
    if (!dead && !(age > stale_seconds_)) return false;
    const std::string aside =
        fmt::format("{}.stale.{}.{}.{}", path_, host_name(), ::getpid(), ++broken_);
    if (::rename(path_.c_str(), aside.c_str()) != 0) return errno == ENOENT;
    struct stat moved {};
    if (::stat(aside.c_str(), &moved) == 0 &&
        (moved.st_ino != st.st_ino || moved.st_dev != st.st_dev)) {
      // Another process broke the stale lock and a live holder took a new one between our
      // stat and rename: put the live one back (unless yet another lock exists by now).
      [[maybe_unused]] const int back = ::link(aside.c_str(), path_.c_str());
      ::unlink(aside.c_str());
      return false;
    }
    ::unlink(aside.c_str());
    // The holder's own file, if it died before removing it.
    const std::size_t name = holder.rfind(' ');
    if (name != std::string::npos && holder.compare(name + 1, path_.size() + 1, path_ + ".") == 0)
      ::unlink(holder.c_str() + name + 1);
    if (warn_)
      warn_(fmt::format("hpo::JournalStorage: removed the stale lock file {} ({}{})", path_,
                        dead ? "its holder is gone" : fmt::format("{:.0f} s old", age),
                        holder.empty() ? "" : ", held by " + holder));
    return true;
  }

  // Whether `holder` ("host pid pid-namespace time file") names a process of this host and pid
  // namespace that no longer exists.
  bool holder_is_dead(const std::string& holder) const {
    char host[256] = {}, ns[64] = {};
    long pid = 0;
    if (std::sscanf(holder.c_str(), "%255s %ld %63s", host, &pid, ns) != 3 || pid <= 0)
      return false;
    if (host_ != host || pid_namespace_ != ns || pid == static_cast<long>(::getpid())) return false;
    return ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
  }

  // Creates `file` holding "host pid pid-namespace time file".
  void write_holder(const std::string& file) const {
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw StorageError(system_error_message("create the lock file", file, errno));
    const std::string holder = fmt::format("{} {} {} {} {}\n", host_, ::getpid(), pid_namespace_,
                                           std::time(nullptr), file);
    const auto n = ::write(fd, holder.data(), holder.size());
    const int err = errno;
    ::close(fd);
    if (n != static_cast<::ssize_t>(holder.size())) {
      ::unlink(file.c_str());
      throw StorageError(system_error_message("write the lock file", file, n < 0 ? err : ENOSPC));
    }
  }

  std::string read_holder() const {
    const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return {};
    char buf[200] = {};
    const auto n = ::read(fd, buf, sizeof buf - 1);
    ::close(fd);
    std::string s(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
    while (!s.empty() && (s.back() == '\n' || s.back() == '\0')) s.pop_back();
    return s;
  }

  std::string path_;
  double stale_seconds_;
  WarningSink warn_;
  std::string host_;
  std::string pid_namespace_;
  std::minstd_rand rng_;
  ino_t ino_ = 0;
  dev_t dev_ = 0;
  unsigned broken_ = 0;
  unsigned taken_ = 0;
};

/// An fcntl write lock on a whole lock file, released by the kernel when the holder dies (no
/// stale locks). Uses open-file-description locks (F_OFD_SETLKW, Linux) where available, which
/// exclude each other also between threads and between objects of one process; classic
/// process-wide fcntl locks otherwise (then use one storage per journal per process).
class FcntlLock {
 public:
  /// A lock on the file at `path` (created if missing; not taken yet).
  explicit FcntlLock(std::string path) : path_(std::move(path)) {}
  FcntlLock(const FcntlLock&) = delete;
  FcntlLock& operator=(const FcntlLock&) = delete;
  ~FcntlLock() {
    if (fd_ >= 0) ::close(fd_);
  }

  /// Waits until the lock is taken; throws StorageError on failure.
  void lock() {
    if (fd_ < 0) {
      fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
      if (fd_ < 0) throw StorageError(system_error_message("open the lock file", path_, errno));
    }
    struct flock fl {};
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    while (::fcntl(fd_, kWaitCommand, &fl) != 0) {
      if (errno != EINTR) throw StorageError(system_error_message("lock", path_, errno));
    }
  }

  /// Releases the lock.
  void unlock() {
    struct flock fl {};
    fl.l_type = F_UNLCK;
    fl.l_whence = SEEK_SET;
    ::fcntl(fd_, kUnlockCommand, &fl);
  }

 private:
#if defined(F_OFD_SETLKW)
  static constexpr int kWaitCommand = F_OFD_SETLKW;
  static constexpr int kUnlockCommand = F_OFD_SETLK;
#else
  static constexpr int kWaitCommand = F_SETLKW;
  static constexpr int kUnlockCommand = F_SETLK;
#endif
  std::string path_;
  int fd_ = -1;
};

/// Holds a lock (LockFile or FcntlLock) for one scope.
template <class Lock>
class LockGuard {
 public:
  explicit LockGuard(Lock& lock) : lock_(lock) { lock_.lock(); }
  LockGuard(const LockGuard&) = delete;
  LockGuard& operator=(const LockGuard&) = delete;
  ~LockGuard() { lock_.unlock(); }

 private:
  Lock& lock_;
};

}  // namespace hpo::detail::journal
