// SPDX-License-Identifier: MIT
#pragma once

/// Catch2 v2/v3 shim: every test includes this header, never Catch2's own.
///
/// tests/CMakeLists.txt defines HPO_CATCH2_V3 when it found Catch2 3. Tests stay inside the
/// subset both versions share: TEST_CASE, SECTION, TEMPLATE_TEST_CASE, GENERATE, REQUIRE_THAT,
/// REQUIRE_THROWS_AS, INFO, STATIC_REQUIRE and the WithinAbs/WithinRel matchers. Not Approx,
/// SKIP(), BENCHMARK or a custom main: they differ between the two versions.

#if defined(HPO_CATCH2_V3)
#include <catch2/catch_template_test_macros.hpp>
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <catch2/matchers/catch_matchers_floating_point.hpp>
#else
#include <catch2/catch.hpp>
#endif

using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;
