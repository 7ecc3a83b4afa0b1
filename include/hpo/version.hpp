// SPDX-License-Identifier: MIT
#pragma once

/// hpo's version as three integers; CMake parses these lines.
#define HPO_VERSION_MAJOR 0
#define HPO_VERSION_MINOR 1
#define HPO_VERSION_PATCH 0

namespace hpo {

/// The library version, "major.minor.patch".
inline constexpr const char* version_string = "0.1.0";

}  // namespace hpo
