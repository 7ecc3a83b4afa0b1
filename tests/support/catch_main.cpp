// SPDX-License-Identifier: MIT
// Catch2 v2's main, for the builds of v2 that do not ship Catch2::Catch2WithMain (Debian's and
// v3's do; tests/CMakeLists.txt uses this file only when that target is missing).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
