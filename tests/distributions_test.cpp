// SPDX-License-Identifier: MIT
#include "support/catch.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include <hpo/distributions.hpp>
#include <hpo/params.hpp>

using hpo::CategoricalDistribution;
using hpo::Distribution;
using hpo::FloatDistribution;
using hpo::IntDistribution;
using hpo::ParamValue;

namespace {
std::string message_of(void (*f)()) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("invalid ranges are rejected with the bad values in the message", "[distributions]") {
  REQUIRE_THROWS_AS(FloatDistribution(2.0, 1.0), hpo::InvalidArgument);
  REQUIRE_THROWS_AS(FloatDistribution(0.0, 1.0, hpo::Log), hpo::InvalidArgument);
  REQUIRE_THROWS_AS(FloatDistribution(-1.0, 1.0, hpo::Log), hpo::InvalidArgument);
  REQUIRE_THROWS_AS(FloatDistribution(0.0, 1.0, 0.3), hpo::InvalidArgument);
  REQUIRE_THROWS_AS(FloatDistribution(0.0, 1.0, -0.5), hpo::InvalidArgument);
  REQUIRE_THROWS_AS(FloatDistribution(0.0, NAN), hpo::InvalidArgument);
  REQUIRE_THROWS_AS(FloatDistribution(-INFINITY, 0.0), hpo::InvalidArgument);
  REQUIRE_THROWS_AS(IntDistribution(5, 1), hpo::InvalidArgument);
  REQUIRE_THROWS_AS(IntDistribution(0, 10, hpo::Log), hpo::InvalidArgument);
  REQUIRE_THROWS_AS(IntDistribution(0, 10, 3), hpo::InvalidArgument);
  REQUIRE_THROWS_AS(IntDistribution(0, 10, 0), hpo::InvalidArgument);
  REQUIRE_THROWS_AS(CategoricalDistribution({}), hpo::InvalidArgument);
  REQUIRE_THROWS_AS(CategoricalDistribution({"a", "b", "a"}), hpo::InvalidArgument);

  CHECK(message_of([] { FloatDistribution(2.0, 1.0); }).find("low=2, high=1") != std::string::npos);
  CHECK(message_of([] { FloatDistribution(0.0, 1.0, hpo::Log); }).find("low > 0") !=
        std::string::npos);
  CHECK(message_of([] { hpo::FloatParam("lr", 0.0, 1.0, hpo::Log); }).find("parameter 'lr'") !=
        std::string::npos);
  CHECK(message_of([] { hpo::IntParam("units", 8, 250, 8); }).find("parameter 'units'") !=
        std::string::npos);
  CHECK(message_of([] { hpo::CategoricalParam<std::string>("act", {}); }).find("parameter 'act'") !=
        std::string::npos);
}

TEST_CASE("valid edge ranges are accepted", "[distributions]") {
  CHECK(FloatDistribution(1.0, 1.0).single());
  CHECK(IntDistribution(3, 3).single());
  CHECK(CategoricalDistribution({"only"}).single());
  CHECK_FALSE(FloatDistribution(0.0, 1.0, 0.1).single());
  CHECK_NOTHROW(FloatDistribution(0.0, 1.0, 0.1));  // 1/0.1 is 9.999999999999998
  CHECK_NOTHROW(IntDistribution(8, 256, 8));
  CHECK_NOTHROW(IntDistribution(1, 1000, hpo::Log));
}

TEST_CASE("contains follows ranges, grids and choices", "[distributions]") {
  const Distribution f = FloatDistribution(0.0, 1.0, 0.25);
  CHECK(hpo::contains(f, 0.75));
  CHECK_FALSE(hpo::contains(f, 0.7));
  CHECK_FALSE(hpo::contains(f, 1.25));
  const Distribution i = IntDistribution(2, 10, 2);
  CHECK(hpo::contains(i, 4.0));
  CHECK_FALSE(hpo::contains(i, 5.0));
  CHECK_FALSE(hpo::contains(i, 4.5));
  const Distribution c = CategoricalDistribution({"a", 1, 2.5, true});
  CHECK(hpo::contains(c, 3.0));
  CHECK_FALSE(hpo::contains(c, 4.0));
  CHECK_FALSE(hpo::contains(c, -1.0));
  CHECK_FALSE(hpo::contains(c, NAN));
  CHECK_FALSE(hpo::contains(FloatDistribution(0.0, 1.0), NAN));
}

TEST_CASE("external and internal values convert both ways", "[distributions]") {
  const Distribution c = CategoricalDistribution({"relu", 3, 0.5, false});
  CHECK(hpo::to_external(c, 0.0) == ParamValue("relu"));
  CHECK(hpo::to_external(c, 3.0) == ParamValue(false));
  CHECK(hpo::to_internal(c, ParamValue(3)) == 1.0);
  CHECK(hpo::to_internal(c, ParamValue(0.5)) == 2.0);
  REQUIRE_THROWS_AS(hpo::to_internal(c, ParamValue("gelu")), hpo::InvalidArgument);

  const Distribution i = IntDistribution(0, 10);
  CHECK(hpo::to_external(i, 7.0) == ParamValue(7));
  CHECK(hpo::to_internal(i, ParamValue(7)) == 7.0);
  CHECK(hpo::to_internal(i, ParamValue(7.0)) == 7.0);
  REQUIRE_THROWS_AS(hpo::to_internal(i, ParamValue(7.5)), hpo::TypeMismatch);
  REQUIRE_THROWS_AS(hpo::to_internal(i, ParamValue(11)), hpo::InvalidArgument);
  REQUIRE_THROWS_AS(hpo::to_internal(i, ParamValue("7")), hpo::TypeMismatch);

  const Distribution f = FloatDistribution(1e-5, 1e-1, hpo::Log);
  CHECK(hpo::to_external(f, 1e-3) == ParamValue(1e-3));
  CHECK(hpo::to_internal(f, ParamValue(1e-3)) == 1e-3);
}

TEST_CASE("distributions compare by value and print readably", "[distributions]") {
  CHECK(Distribution(FloatDistribution(0, 1)) == Distribution(FloatDistribution(0, 1)));
  CHECK(Distribution(FloatDistribution(0, 1)) != Distribution(FloatDistribution(0, 1, 0.5)));
  CHECK(Distribution(IntDistribution(0, 1)) != Distribution(FloatDistribution(0, 1)));
  CHECK(Distribution(CategoricalDistribution({"a", "b"})) ==
        Distribution(CategoricalDistribution({"a", "b"})));
  CHECK(Distribution(CategoricalDistribution({"a", "b"})) !=
        Distribution(CategoricalDistribution({"b", "a"})));
  CHECK(hpo::to_string(FloatDistribution(1e-5, 0.1, hpo::Log)) ==
        "FloatDistribution(low=1e-05, high=0.1, log)");
  CHECK(hpo::to_string(IntDistribution(8, 256, 8)) == "IntDistribution(low=8, high=256, step=8)");
  CHECK(hpo::to_string(CategoricalDistribution({"a", 1, true})) ==
        "CategoricalDistribution([\"a\", 1, true])");
}

TEST_CASE("ParamValue reads back as the type it holds", "[param_value]") {
  const ParamValue i = 42;
  CHECK(i.is_int());
  CHECK(i.as<int>() == 42);
  CHECK(i.as<std::int64_t>() == 42);
  CHECK(i.as<double>() == 42.0);
  REQUIRE_THROWS_AS(i.as<std::string>(), hpo::TypeMismatch);
  REQUIRE_THROWS_AS(i.as<bool>(), hpo::TypeMismatch);
  REQUIRE_THROWS_AS(ParamValue(std::int64_t{1} << 40).as<int>(), hpo::TypeMismatch);
  REQUIRE_THROWS_AS(ParamValue(-1).as<unsigned>(), hpo::TypeMismatch);
  const ParamValue s = "tanh";
  CHECK(s.as<std::string>() == "tanh");
  REQUIRE_THROWS_AS(s.as<double>(), hpo::TypeMismatch);
  CHECK(ParamValue(true).as<bool>());
  CHECK(ParamValue(0.5f).is_double());
  CHECK(ParamValue(16.0).to_string() == "16.0");  // not to be confused with the int 16
  CHECK(ParamValue(16).to_string() == "16");
  CHECK(ParamValue(1e-5).to_string() == "1e-05");
  CHECK(fmt::format("{}", hpo::ParamMap{{"a", "x"}, {"b", 2}, {"c", 0.5}, {"d", false}}) ==
        R"({"a": "x", "b": 2, "c": 0.5, "d": false})");
}

TEST_CASE("grids stay exact for wide ranges and extreme integers", "[distributions]") {
  const FloatDistribution wide(-1e9, 1e9, 0.001);
  CHECK(wide.contains(0.001));
  CHECK(wide.contains(123456.789));
  CHECK_FALSE(wide.contains(0.0005));
  const std::int64_t lo = std::numeric_limits<std::int64_t>::min();
  const std::int64_t hi = std::numeric_limits<std::int64_t>::max();
  const IntDistribution all(lo, hi);
  CHECK(all.span() == ~std::uint64_t{0});
  CHECK(all.contains(0.0));
  CHECK_FALSE(all.contains(0x1p63));  // not representable as an int64
  REQUIRE_THROWS_AS(IntDistribution(lo, hi, 2), hpo::InvalidArgument);
  REQUIRE_THROWS_AS(hpo::to_external(CategoricalDistribution({"a"}), 1.0), hpo::InvalidArgument);
}
