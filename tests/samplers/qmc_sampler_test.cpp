// SPDX-License-Identifier: MIT
#include "support/catch.hpp"

#include <cmath>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <hpo/samplers/qmc_sampler.hpp>
#include <hpo/samplers/random_sampler.hpp>
#include <hpo/samplers/sampler.hpp>
#include <hpo/study/direction.hpp>
#include <hpo/study/optimize_options.hpp>
#include <hpo/study/study.hpp>
#include <hpo/trial/trial.hpp>

namespace {

struct Point {
  double x, y;
  std::string c;
};

std::vector<Point> run(std::unique_ptr<hpo::Sampler> sampler, int n) {
  hpo::Study study(hpo::Direction::Minimize, std::move(sampler));
  std::vector<Point> out;
  study.optimize(
      [&out](hpo::Trial& t) {
        Point p{t.suggest_float("x", 0.0, 1.0), t.suggest_float("y", 0.0, 1.0),
                t.suggest_categorical("c", {"a", "b", "c", "d"})};
        out.push_back(p);
        return p.x + p.y;
      },
      hpo::OptimizeOptions{}.n_trials(n));
  return out;
}

}  // namespace

TEST_CASE("scrambled Sobol trials stratify every parameter and pair", "[samplers][qmc]") {
  const int m = 6, n = 1 << m;
  for (std::uint64_t seed : {0, 1, 2}) {
    const auto pts = run(std::make_unique<hpo::QmcSampler>(seed), n);
    std::set<int> xs, ys;
    std::map<std::string, int> counts;
    for (const auto& p : pts) {
      xs.insert(static_cast<int>(p.x * n));
      ys.insert(static_cast<int>(p.y * n));
      ++counts[p.c];
    }
    CHECK(xs.size() == static_cast<std::size_t>(n));  // one point per 1/64 interval
    CHECK(ys.size() == static_cast<std::size_t>(n));
    for (const auto& [c, k] : counts) CHECK(k == n / 4);  // choices exactly balanced
    // (0, m, 2)-net: every dyadic box of area 2^-m holds exactly one point.
    for (int a = 0; a <= m; ++a) {
      std::set<std::pair<int, int>> boxes;
      for (const auto& p : pts)
        boxes.emplace(static_cast<int>(p.x * (1 << a)), static_cast<int>(p.y * (1 << (m - a))));
      CHECK(boxes.size() == static_cast<std::size_t>(n));
    }
  }
}

TEST_CASE("QMC covers the square more evenly than random sampling", "[samplers][qmc]") {
  // Empty cells of a 16x16 grid after 128 points: fewer means more even coverage.
  auto empty_cells = [](const std::vector<Point>& pts) {
    std::set<std::pair<int, int>> used;
    for (const auto& p : pts) used.emplace(static_cast<int>(p.x * 16), static_cast<int>(p.y * 16));
    return 256 - static_cast<int>(used.size());
  };
  const int qmc = empty_cells(run(std::make_unique<hpo::QmcSampler>(3), 128));
  const int rnd = empty_cells(run(std::make_unique<hpo::RandomSampler>(3), 128));
  CHECK(qmc == 128);  // a (0,7,2)-net puts its 128 points in 128 distinct cells
  CHECK(qmc < rnd);
}

TEST_CASE("unscrambled Sobol starts at the lower corner, as Optuna's", "[samplers][qmc]") {
  const auto pts = run(std::make_unique<hpo::QmcSampler>(
                           0, hpo::QmcSampler::Options{hpo::QmcSampler::Sequence::Sobol, false}),
                       4);
  CHECK(pts[0].x == 0.0);
  CHECK(pts[0].y == 0.0);
  CHECK(pts[0].c == "a");
  CHECK(pts[1].x == 0.5);
  CHECK(pts[2].x == 0.75);
  CHECK(pts[2].y == 0.25);
}

TEST_CASE("scrambled Halton stratifies by powers of its bases", "[samplers][qmc]") {
  const auto pts = run(std::make_unique<hpo::QmcSampler>(
                           5, hpo::QmcSampler::Options{hpo::QmcSampler::Sequence::Halton, true}),
                       27);
  std::set<int> ys;  // the second parameter uses base 3
  for (const auto& p : pts) ys.insert(static_cast<int>(p.y * 27));
  CHECK(ys.size() == 27U);
}

TEST_CASE("QMC values depend on the seed and repeat for it", "[samplers][qmc]") {
  const auto a = run(std::make_unique<hpo::QmcSampler>(9), 8);
  const auto b = run(std::make_unique<hpo::QmcSampler>(9), 8);
  const auto c = run(std::make_unique<hpo::QmcSampler>(10), 8);
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].x == b[i].x);
    CHECK(a[i].x != c[i].x);
  }
}
