// SPDX-License-Identifier: MIT
#pragma once

#include <exception>
#include <stdexcept>
#include <string>

namespace hpo {

/// Base of every exception hpo throws for bad input or a failed operation.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// An argument is out of range or inconsistent (low > high, log with low <= 0, a bad option).
class InvalidArgument : public Error {
 public:
  using Error::Error;
};

/// A parameter, trial or grid entry was looked up by a name or number that does not exist.
class UnknownName : public Error {
 public:
  using Error::Error;
};

/// A value was read as the wrong type, or a parameter was suggested again with another
/// distribution in the same trial.
class TypeMismatch : public Error {
 public:
  using Error::Error;
};

/// A query needs a completed trial (best_value, best_trial) and there is none yet.
class NoCompletedTrials : public Error {
 public:
  using Error::Error;
};

/// A trial was used in a way its state forbids (told twice, reported to after it finished).
class TrialStateError : public Error {
 public:
  using Error::Error;
};

/// A storage could not read or write its file (missing directory, full disk, a corrupt or
/// unsupported journal); the message names the path, the operation and the system's reason.
class StorageError : public Error {
 public:
  using Error::Error;
};

/// Thrown from an objective to stop the current trial early; the trial is recorded as Pruned.
///
/// Deliberately not an `hpo::Error`, so that `catch (const hpo::Error&)` inside an objective does
/// not swallow it.
class TrialPruned : public std::exception {
 public:
  TrialPruned() = default;
  explicit TrialPruned(std::string message) : message_(std::move(message)) {}
  const char* what() const noexcept override { return message_.c_str(); }

 private:
  std::string message_ = "trial pruned";
};

}  // namespace hpo
