// SPDX-License-Identifier: MIT
#include "support/catch.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <hpo/distributions.hpp>
#include <hpo/params.hpp>
#include <hpo/samplers/random_sampler.hpp>
#include <hpo/study/direction.hpp>
#include <hpo/study/optimize_options.hpp>
#include <hpo/study/study.hpp>
#include <hpo/trial/trial.hpp>

namespace {

std::vector<double> draw(std::uint64_t seed, int n, const hpo::Distribution& d) {
  hpo::Study study(hpo::Direction::Minimize, std::make_unique<hpo::RandomSampler>(seed));
  std::vector<double> out;
  study.optimize(
      [&](hpo::Trial& t) {
        out.push_back(t.suggest("p", d).as<double>());
        return 0.0;
      },
      hpo::OptimizeOptions{}.n_trials(n));
  return out;
}

// Kolmogorov-Smirnov distance between the sample (mapped by cdf) and U(0, 1).
double ks_uniform(std::vector<double> u) {
  std::sort(u.begin(), u.end());
  double d = 0.0;
  const auto n = static_cast<double>(u.size());
  for (std::size_t i = 0; i < u.size(); ++i) {
    const auto k = static_cast<double>(i);
    d = std::max({d, std::abs(u[i] - k / n), std::abs(u[i] - (k + 1) / n)});
  }
  return d;
}

}  // namespace

TEST_CASE("the generator's first outputs are pinned (same on every machine)", "[rng]") {
  hpo::detail::Rng rng(42);
  CHECK(rng() == 0x15780B2E0C2EC716ULL);
  CHECK(rng() == 0x6104D9866D113A7EULL);
  hpo::detail::Rng u(7);
  CHECK(u.uniform() == 0x1.66b1f5ee9df2ep-1);
  CHECK(hpo::detail::hash_name("lr") == 0x08AD4E07B5541C9BULL);
}

TEST_CASE("RandomSampler's first values are pinned for a seed", "[samplers][random]") {
  const auto xs = draw(7, 3, hpo::FloatDistribution(0.0, 1.0));
  CHECK(xs[0] == 0x1.c70cad9387742p-2);
  CHECK(xs[1] == 0x1.ac8a077266e56p-1);
  CHECK(xs[2] == 0x1.df4ed23a54da8p-3);
}

TEST_CASE("RandomSampler draws uniformly (KS test at fixed seeds)", "[samplers][random]") {
  const int n = 2000;
  const double ks_limit = 1.63 / std::sqrt(n);  // 1% level
  SECTION("float") {
    for (std::uint64_t seed : {1, 2, 3}) {
      auto x = draw(seed, n, hpo::FloatDistribution(-2.0, 6.0));
      for (auto& v : x) v = (v + 2.0) / 8.0;
      CHECK(ks_uniform(x) < ks_limit);
    }
  }
  SECTION("log float is uniform in log space") {
    auto x = draw(4, n, hpo::FloatDistribution(1e-5, 1e-1, hpo::Log));
    for (auto& v : x) v = (std::log(v) - std::log(1e-5)) / (std::log(1e-1) - std::log(1e-5));
    CHECK(ks_uniform(x) < ks_limit);
  }
  SECTION("int grid values are equally likely") {
    const auto x = draw(5, 3200, hpo::IntDistribution(8, 256, 8));
    std::map<double, int> counts;
    for (double v : x) ++counts[v];
    REQUIRE(counts.size() == 32);
    double chi2 = 0.0;
    for (const auto& [v, c] : counts) chi2 += (c - 100.0) * (c - 100.0) / 100.0;
    CHECK(chi2 < 61.1);  // chi-square, 31 degrees of freedom, 0.1% level
  }
  SECTION("log int: each integer's probability follows its log-width cell") {
    const auto x = draw(6, 4000, hpo::IntDistribution(1, 4, hpo::Log));
    std::map<double, int> counts;
    for (double v : x) ++counts[v];
    const double total = std::log(4.5) - std::log(0.5);
    for (int k = 1; k <= 4; ++k) {
      const double p = (std::log(k + 0.5) - std::log(k - 0.5)) / total;
      CHECK(std::abs(counts[k] / 4000.0 - p) < 0.03);
    }
  }
  SECTION("categorical") {
    const auto x = draw(7, 3000, hpo::CategoricalDistribution({"a", "b", "c"}));
    std::map<double, int> counts;
    for (double v : x) ++counts[v];
    for (const auto& [v, c] : counts) CHECK(std::abs(c - 1000) < 100);
  }
}

TEST_CASE("RandomSampler values do not depend on suggestion order", "[samplers][random]") {
  auto run = [](bool swap) {
    hpo::Study study(hpo::Direction::Minimize, std::make_unique<hpo::RandomSampler>(3));
    std::vector<double> out;
    study.optimize(
        [&](hpo::Trial& t) {
          double a = 0, b = 0;
          if (swap) {
            b = t.suggest_float("b", 0, 1);
            a = t.suggest_float("a", 0, 1);
          } else {
            a = t.suggest_float("a", 0, 1);
            b = t.suggest_float("b", 0, 1);
          }
          out.push_back(a);
          out.push_back(b);
          return a + b;
        },
        hpo::OptimizeOptions{}.n_trials(5));
    return out;
  };
  CHECK(run(false) == run(true));
}
