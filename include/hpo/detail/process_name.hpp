// SPDX-License-Identifier: MIT
#pragma once

// Names of this host and process, for lock files and for the worker attribute of trials.

#include <string>

#include <fmt/format.h>
#include <unistd.h>

namespace hpo::detail {

/// This host's name, or "?".
inline std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "?";
  return buf;
}

/// The worker name of job `job` of this process: "HOST:PID/JOB" (see hpo::kWorkerAttr).
inline std::string worker_name(int job) {
  return fmt::format("{}:{}/{}", host_name(), static_cast<long>(::getpid()), job);
}

}  // namespace hpo::detail
