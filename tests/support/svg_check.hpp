// SPDX-License-Identifier: MIT
#pragma once

// Helpers of the plot and report tests: counting elements in SVG text, and XML validity with
// the reason in the failure message.

#include <cstddef>
#include <string>

#include "support/catch.hpp"
#include "support/xml_check.hpp"

namespace hpo_test {

/// How many times `needle` occurs in `haystack`, without overlaps.
inline std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t p = haystack.find(needle); p != std::string::npos;
       p = haystack.find(needle, p + needle.size()))
    ++n;
  return n;
}

/// XmlChecker::valid(svg), with the checker's reason attached to a failing CHECK.
inline bool valid_svg(const std::string& svg) {
  std::string error;
  const bool ok = XmlChecker::valid(svg, &error);
  INFO(error);
  return ok;
}

}  // namespace hpo_test
