// SPDX-License-Identifier: MIT
#include "support/catch.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <map>
#include <memory>
#include <numeric>
#include <vector>

#include <hpo/detail/parzen_estimator.hpp>
#include <hpo/detail/tpe_above_set.hpp>
#include <hpo/detail/tpe_gauss_transform.hpp>
#include <hpo/detail/tpe_history.hpp>
#include <hpo/detail/tpe_multivariate.hpp>
#include <hpo/detail/tpe_sorted_mixture.hpp>
#include <hpo/distributions.hpp>
#include <hpo/storage/in_memory_storage.hpp>

using hpo::detail::ParzenParameters;

namespace {

/// A finished trial for the split tests.
hpo::FrozenTrialPtr make_trial(int number, hpo::TrialState state, std::vector<double> values,
                               std::map<std::int64_t, double> intermediate = {}) {
  auto t = std::make_shared<hpo::FrozenTrial>();
  t->number = number;
  t->state = state;
  t->values = std::move(values);
  t->intermediate_values = std::move(intermediate);
  return t;
}

/// Ranks 0..m-1 of ascending centres given in trial-number order.
std::vector<int> ranks_of_sorted(const std::vector<double>& in_number_order,
                                 std::vector<double>& sorted) {
  std::vector<std::size_t> order(in_number_order.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return in_number_order[a] < in_number_order[b];
  });
  sorted.clear();
  std::vector<int> rank;
  for (std::size_t i : order) {
    sorted.push_back(in_number_order[i]);
    rank.push_back(static_cast<int>(i));
  }
  return rank;
}

}  // namespace

TEST_CASE("tpe_default_gamma is min(ceil(0.1 n), 25)", "[samplers][tpe]") {
  CHECK(hpo::detail::tpe_default_gamma(0) == 0);
  CHECK(hpo::detail::tpe_default_gamma(1) == 1);
  CHECK(hpo::detail::tpe_default_gamma(10) == 1);
  CHECK(hpo::detail::tpe_default_gamma(11) == 2);
  CHECK(hpo::detail::tpe_default_gamma(249) == 25);
  CHECK(hpo::detail::tpe_default_gamma(10000) == 25);
}

TEST_CASE("TPE weights: ones below 25, then Optuna's ramp for the oldest", "[samplers][tpe]") {
  CHECK((hpo::detail::tpe_default_weights(24) == 1.0).all());
  // m = 26: linspace(1/26, 1, 1) = [1/26], then 25 ones.
  const Eigen::ArrayXd w26 = hpo::detail::tpe_default_weights(26);
  CHECK(w26[0] == Approx(1.0 / 26));
  CHECK((w26.tail(25) == 1.0).all());
  // m = 30: linspace(1/30, 1, 5), then 25 ones.
  const Eigen::ArrayXd w = hpo::detail::tpe_default_weights(30);
  for (int r = 0; r < 5; ++r) CHECK(w[r] == Approx(1.0 / 30 + r * (1.0 - 1.0 / 30) / 4));
  CHECK((w.tail(25) == 1.0).all());
  // Prior appended and normalized.
  const Eigen::ArrayXd mw = hpo::detail::tpe_mixture_weights(3, 2.0);
  CHECK(mw.size() == 4);
  CHECK(mw[0] == Approx(0.2));
  CHECK(mw[3] == Approx(0.4));
}

TEST_CASE("TPE univariate bandwidths on three observations", "[samplers][tpe]") {
  // Trial order 0.5, 0.2, 0.6; sorted 0.2, 0.5, 0.6 with sentinels 0 and 1.
  const std::vector<double> mu{0.5, 0.2, 0.6};
  SECTION("defaults: outer bandwidths use their inner gap, magic clip at 1/5") {
    const auto m = hpo::detail::univariate_numeric_mixture(mu, ParzenParameters{});
    REQUIRE(m.size() == 4);
    CHECK(m.sigma[0] == Approx(0.3));  // 0.5: max(0.3, 0.1)
    CHECK(m.sigma[1] == Approx(0.3));  // 0.2: gap to 0.5
    CHECK(m.sigma[2] == Approx(0.2));  // 0.6: gap 0.1, clipped to 1 / min(100, 5)
    CHECK(m.mu[3] == 0.5);
    CHECK(m.sigma[3] == 1.0);
    CHECK((m.weight == 0.25).all());
  }
  SECTION("consider_endpoints") {
    ParzenParameters p;
    p.consider_endpoints = true;
    const auto m = hpo::detail::univariate_numeric_mixture(mu, p);
    CHECK(m.sigma[1] == Approx(0.3));  // 0.2: max(0.2, 0.3)
    CHECK(m.sigma[2] == Approx(0.4));  // 0.6: max(0.1, 0.4)
  }
  SECTION("without the magic clip") {
    ParzenParameters p;
    p.consider_magic_clip = false;
    const auto m = hpo::detail::univariate_numeric_mixture(mu, p);
    CHECK(m.sigma[2] == Approx(0.1));
  }
  SECTION("Scott rule") {
    // 0.2 m^(-1/6) in 2 dimensions; for m = 3 the magic clip (1/5) is larger.
    CHECK(hpo::detail::tpe_scott_sigma(3, 2, ParzenParameters{}) == Approx(0.2));
    CHECK(hpo::detail::tpe_scott_sigma(200, 2, ParzenParameters{}) ==
          Approx(0.2 * std::pow(200.0, -1.0 / 6.0)));
  }
}

TEST_CASE("TPE mixtures are normalized", "[samplers][tpe]") {
  const std::vector<double> mu{0.05, 0.3, 0.31, 0.9, 1.0};
  const auto m = hpo::detail::univariate_numeric_mixture(mu, ParzenParameters{});
  SECTION("continuous density integrates to 1 on [0, 1]") {
    double integral = 0.0;
    const int n = 4000;
    for (int i = 0; i < n; ++i) integral += std::exp(m.log_pdf((i + 0.5) / n)) / n;
    CHECK(integral == Approx(1.0).epsilon(1e-4));
  }
  SECTION("the masses of a grid's cells sum to 1") {
    for (const hpo::Distribution& d :
         {hpo::Distribution(hpo::IntDistribution(0, 10)),
          hpo::Distribution(hpo::IntDistribution(1, 1000, hpo::Log)),
          hpo::Distribution(hpo::FloatDistribution(-1.0, 1.0, 0.25))}) {
      const auto dim = hpo::detail::TpeDimension::of(d);
      double total = 0.0;
      for (double v = dim.range.low; v <= dim.range.high + 1e-9; v += dim.range.step) {
        const auto [a, b] = dim.cell(v);
        total += std::exp(m.log_mass(a, b));
      }
      INFO(hpo::to_string(d));
      CHECK(total == Approx(1.0).epsilon(1e-12));
    }
  }
  SECTION("categorical probabilities") {
    const auto c = hpo::detail::categorical_mixture({0, 2, 2}, 4, ParzenParameters{});
    const Eigen::ArrayXd p = c.probabilities();
    CHECK(p.sum() == Approx(1.0));
    // Each observation kernel: (1/4 + [hit]) / (1 + 4/4); weights 1/4 each, prior uniform.
    CHECK(p[2] == Approx(0.25 * (2 * 1.25 / 2 + 0.25 / 2) + 0.25 / 4));
    for (int k = 0; k < 4; ++k)
      CHECK(std::exp(hpo::detail::log_sum_exp(c.weight.log() + c.component_log_prob(k))) ==
            Approx(p[k]));
    // Draws follow the probabilities.
    hpo::detail::Rng rng(3);
    std::vector<int> counts(4, 0);
    for (int i = 0; i < 4000; ++i)
      ++counts[static_cast<std::size_t>(c.sample(hpo::detail::sample_index(c.weight, rng), rng))];
    for (int k = 0; k < 4; ++k)
      CHECK(counts[static_cast<std::size_t>(k)] / 4000.0 == Approx(p[k]).margin(0.03));
  }
}

TEST_CASE("SortedNumericMixture equals the full mixture", "[samplers][tpe]") {
  hpo::detail::Rng rng(11);
  for (int m : {0, 1, 7, 300, 3000}) {
    std::vector<double> mu(static_cast<std::size_t>(m));
    // Clustered values with repeats, near the edges too.
    for (auto& x : mu) {
      const double u = rng.uniform();
      x = u < 0.2 ? std::round(rng.uniform() * 20) / 20 : std::pow(u, 3.0);
    }
    std::vector<double> sorted;
    const std::vector<int> rank = ranks_of_sorted(mu, sorted);
    const auto full = hpo::detail::univariate_numeric_mixture(mu, ParzenParameters{});
    hpo::detail::SortedNumericMixture fast(sorted, rank, false, ParzenParameters{});
    hpo::detail::SortedNumericMixture grid(sorted, rank, true, ParzenParameters{});
    for (int i = 0; i < 20; ++i) {
      const double x = i < 2 ? i : rng.uniform();
      INFO("m " << m << " x " << x);
      CHECK(fast.log_pdf(x) == Approx(full.log_pdf(x)).epsilon(1e-12));
      const double a = std::max(0.0, x - 0.01), b = std::min(1.0, x + 0.01);
      CHECK(grid.log_mass(a, b) == Approx(full.log_mass(a, b)).epsilon(1e-12));
      // Bounds bracket the exact value.
      hpo::detail::SortedNumericMixture::Evaluation e;
      fast.refine(e, x, x, 1e-2);
      CHECK(e.log_lower() <= fast.log_pdf(x) + 1e-12);
      CHECK(e.log_upper() >= fast.log_pdf(x) - 1e-12);
    }
  }
}

TEST_CASE("SortedNumericMixture visits a fraction of a large set", "[samplers][tpe]") {
  hpo::detail::Rng rng(5);
  std::vector<double> mu(10000);
  for (auto& x : mu) x = rng.uniform();
  std::vector<double> sorted;
  const std::vector<int> rank = ranks_of_sorted(mu, sorted);
  hpo::detail::SortedNumericMixture g(sorted, rank, false, ParzenParameters{});
  for (int i = 0; i < 10; ++i) g.log_pdf(rng.uniform());
  // Bandwidths are clipped at 1/100, so about +-8.6 of them matter: under 25 % per point.
  CHECK(g.evaluated() < 10 * 2500);
}

TEST_CASE("GaussBlockExpansion: its error bound holds on random blocks", "[samplers][tpe]") {
  hpo::detail::Rng rng(17);
  int finite = 0;
  for (int block = 0; block < 400; ++block) {
    // Up to 32 centres within a width of 0.01 to 5 bandwidths, near an edge (truncated
    // kernels: weights divided by their mass on [0, 1]) in every other block; ramp weights.
    const auto n = static_cast<Eigen::Index>(1 + rng.below(32));
    const double h = std::pow(10.0, -3.0 + 2.0 * rng.uniform());
    const double width = h * std::pow(10.0, -2.0 + 2.7 * rng.uniform());
    const double start = block % 2 ? 0.5 * rng.uniform() * h : 0.2 + 0.6 * rng.uniform();
    const hpo::detail::TpeRamp ramp(static_cast<int>(40 + rng.below(200)));
    Eigen::ArrayXd mu(n), c(n);
    for (Eigen::Index i = 0; i < n; ++i) {
      mu[i] = std::min(1.0, start + width * rng.uniform());
      c[i] = ramp(static_cast<int>(rng.below(40))) / hpo::detail::unit_mass(mu[i], h);
    }
    const hpo::detail::GaussBlockExpansion f(mu, c, h);
    for (int j = 0; j < 20; ++j) {
      const double x = f.centre() + h * 14.0 * (2.0 * rng.uniform() - 1.0);
      const double direct = (c * (-0.5 * ((x - mu) / h).square()).exp()).sum();
      const hpo::detail::GaussBlockSum r = f(x);
      INFO("block " << block << " n " << n << " rho " << f.rho() << " x " << x);
      if (!std::isfinite(r.error)) continue;
      ++finite;
      CHECK(std::abs(r.value - direct) <= r.error);
      CHECK(r.error <= 1e-8 * direct);
    }
  }
  CHECK(finite > 4000);
}

TEST_CASE("SortedNumericMixture: fast bounds hold the exact density", "[samplers][tpe]") {
  hpo::detail::Rng rng(23);
  for (int m : {40, 3000, 10000}) {
    // Most observations crowded around 0.3 (as TPE leaves them), some at random, some at the
    // edges (truncated kernels); the ramp weighs the older ones less.
    std::vector<double> mu(static_cast<std::size_t>(m));
    for (auto& x : mu) {
      const double u = rng.uniform();
      x = u < 0.7   ? std::clamp(0.3 + 0.02 * rng.normal(), 0.0, 1.0)
          : u < 0.8 ? 1e-3 * rng.uniform()
                    : rng.uniform();
    }
    std::vector<double> sorted;
    const std::vector<int> rank = ranks_of_sorted(mu, sorted);
    hpo::detail::SortedNumericMixture g(sorted, rank, false, ParzenParameters{});
    hpo::detail::SortedNumericMixture grid(sorted, rank, true, ParzenParameters{});
    for (int i = 0; i < 40; ++i) {
      const double x = i < 2 ? i : i < 20 ? 0.3 + 0.05 * rng.normal() : rng.uniform();
      const double xc = std::clamp(x, 0.0, 1.0);
      const double exact = g.log_pdf(xc);
      INFO("m " << m << " x " << xc);
      for (double tol : {1e-1, 1e-3, 1e-9, g.exact_tolerance()}) {
        hpo::detail::SortedNumericMixture::Evaluation e;
        g.refine(e, xc, xc, tol, true);
        CHECK(e.log_lower() <= exact);
        CHECK(e.log_upper() >= exact);
        if (tol < 1e-12) CHECK(e.log_upper() - e.log_lower() < 1e-9);
      }
      // Grids are always evaluated exactly.
      const double a = std::max(0.0, xc - 0.01), b = std::min(1.0, xc + 0.01);
      hpo::detail::SortedNumericMixture::Evaluation e;
      grid.refine(e, a, b, grid.exact_tolerance(), true);
      CHECK(e.log_lower() == grid.log_mass(a, b));
      CHECK(e.slack == 0.0);
    }
    if (m >= 3000) CHECK(g.expanded() > 0);
    CHECK(grid.expanded() == 0);
  }
}

TEST_CASE("tpe_split: best Complete trials, filled up with Pruned ones", "[samplers][tpe]") {
  using S = hpo::TrialState;
  const std::vector<hpo::FrozenTrialPtr> trials{
      make_trial(0, S::Complete, {3.0}),
      make_trial(1, S::Pruned, {}, {{1, 0.5}}),
      make_trial(2, S::Pruned, {}, {{1, 0.1}, {5, 9.0}}),  // reached a later step: best pruned
      make_trial(3, S::Complete, {1.0}),
      make_trial(4, S::Running, {}),
      make_trial(5, S::Pruned, {}),  // no intermediate value: last
      make_trial(6, S::Pruned, {}, {{1, std::nan("")}}),
      make_trial(7, S::Failed, {}),
      make_trial(8, S::Complete, {1.0}),  // tie with 3: the lower number first
  };
  auto split = [&](int n) { return hpo::detail::tpe_split(trials, n, hpo::Direction::Minimize); };
  CHECK(split(1).below == std::vector<int>{3});
  CHECK(split(2).below == std::vector<int>{3, 8});
  CHECK(split(4).below == std::vector<int>{0, 2, 3, 8});
  CHECK(split(5).below == std::vector<int>{0, 1, 2, 3, 8});
  CHECK(split(6).below == std::vector<int>{0, 1, 2, 3, 6, 8});
  CHECK(split(4).above == std::vector<int>{1, 4, 5, 6});
  // Maximizing: the largest value, and the larger intermediate value.
  const auto mx = hpo::detail::tpe_split(trials, 5, hpo::Direction::Maximize);
  CHECK(mx.below == std::vector<int>{0, 1, 2, 3, 8});
  const auto mx4 = hpo::detail::tpe_split(trials, 1, hpo::Direction::Maximize);
  CHECK(mx4.below == std::vector<int>{0});

  SECTION("TpeHistory computes the same split incrementally") {
    hpo::InMemoryStorage storage;
    const std::vector<hpo::Direction> dirs{hpo::Direction::Minimize};
    hpo::detail::TpeHistory history;
    for (const auto& t : trials) {
      storage.create_trial(*t);
      history.update(hpo::StudyView(storage, dirs));
    }
    CHECK(history.n_finished() == 7);
    for (int n = 0; n <= 7; ++n) CHECK(history.below(n) == split(n).below);
  }
}

TEST_CASE("SortedNumericMixture: updated in place after an insertion, equals a fresh build",
          "[samplers][tpe]") {
  hpo::detail::Rng rng(31);
  for (const bool discrete : {false, true}) {
    for (const bool endpoints : {false, true}) {
      for (const bool repeats : {false, true}) {
        std::vector<double> mu;  // in trial-number order
        hpo::detail::SortedNumericMixture updated;
        for (int step = 0; step < 400; ++step) {
          ParzenParameters p;
          p.consider_endpoints = endpoints;
          if (step % 50 == 49) p.prior_weight = 2.0;  // other settings: rebuilt
          // Grid values (repeats), kernels near the edges, a crowd; now and then an older
          // trial (the ranks of the newer ones shift).
          const double u = rng.uniform();
          const double x = repeats && u < 0.1 ? std::round(rng.uniform() * 20) / 20
                           : u < 0.15         ? 1e-3 * rng.uniform()
                                              : std::clamp(0.3 + 0.05 * rng.normal(), 0.0, 1.0);
          if (u > 0.97 && !mu.empty())
            mu.insert(mu.begin() + static_cast<std::ptrdiff_t>(rng.below(mu.size())), x);
          else
            mu.push_back(x);
          std::vector<double> sorted;
          const std::vector<int> rank = ranks_of_sorted(mu, sorted);
          updated.assign(sorted, rank, discrete, p);
          hpo::detail::SortedNumericMixture fresh(sorted, rank, discrete, p);
          INFO("discrete " << discrete << " endpoints " << endpoints << " step " << step);
          REQUIRE(updated.size() == fresh.size());
          for (int i = 0; i < 4; ++i) {
            const double y = i == 0 ? x : rng.uniform();
            if (discrete) {
              const double a = std::max(0.0, y - 0.02), b = std::min(1.0, y + 0.02);
              CHECK(updated.log_mass(a, b) == fresh.log_mass(a, b));
              continue;
            }
            const double exact = fresh.log_pdf(y);
            CHECK(updated.log_pdf(y) == exact);
            // Fast bounds (from the bins once updated in place, from the blocks after a
            // rebuild) hold the exact density.
            hpo::detail::SortedNumericMixture::Evaluation e, f;
            updated.refine(e, y, y, 1e-9, true);
            fresh.refine(f, y, y, 1e-9, true);
            CHECK(e.log_lower() <= exact);
            CHECK(e.log_upper() >= exact);
            CHECK(f.log_lower() <= exact);
            CHECK(f.log_upper() >= exact);
          }
        }
        // Most steps past the clip's last change (98 centres) were updates in place.
        if (!repeats) CHECK(updated.updated_in_place() > 250);
      }
    }
  }
}

TEST_CASE("SortedNumericMixture: bins kept across insertions bound the exact density",
          "[samplers][tpe]") {
  // A long run's end: thousands of observations crowded where TPE samples, one newer one per
  // step (the bins are updated, not rebuilt), now and then an older one (ranks shift: the
  // blocks serve once), near the edges too.
  hpo::detail::Rng rng(37);
  std::vector<double> mu;
  auto draw = [&] {
    const double u = rng.uniform();
    return u < 0.05 ? 2e-3 * rng.uniform() : std::clamp(0.4 + 0.03 * rng.normal(), 0.0, 1.0);
  };
  for (int i = 0; i < 3000; ++i) mu.push_back(draw());
  hpo::detail::SortedNumericMixture updated;
  long long expanded_before = 0;
  for (int step = 0; step < 120; ++step) {
    if (step % 40 == 39)
      mu.insert(mu.begin() + static_cast<std::ptrdiff_t>(rng.below(mu.size())), draw());
    else
      mu.push_back(draw());
    std::vector<double> sorted;
    const std::vector<int> rank = ranks_of_sorted(mu, sorted);
    updated.assign(sorted, rank, false, ParzenParameters{});
    hpo::detail::SortedNumericMixture fresh(sorted, rank, false, ParzenParameters{});
    INFO("step " << step);
    for (int i = 0; i < 6; ++i) {
      const double y = i == 0  ? mu.back()
                       : i < 4 ? std::clamp(0.4 + 0.05 * rng.normal(), 0.0, 1.0)
                               : rng.uniform();
      const double exact = fresh.log_pdf(y);
      for (double tol : {1e-1, 1e-5, 1e-9, updated.exact_tolerance()}) {
        hpo::detail::SortedNumericMixture::Evaluation e;
        updated.refine(e, y, y, tol, true);
        CHECK(e.log_lower() <= exact);
        CHECK(e.log_upper() >= exact);
        if (tol < 1e-12) CHECK(e.log_upper() - e.log_lower() < 1e-9);
      }
    }
    // Updated in place with the ranks kept: the bins sum most of the density.
    if (step > 0 && step % 40 != 39 && step % 40 != 0) CHECK(updated.expanded() > expanded_before);
    expanded_before = updated.expanded();
  }
}

TEST_CASE("TpeAboveSet: updated in place, equals a rebuild", "[samplers][tpe]") {
  using S = hpo::TrialState;
  for (const auto direction : {hpo::Direction::Minimize, hpo::Direction::Maximize}) {
    hpo::InMemoryStorage storage;
    const std::vector<hpo::Direction> dirs{direction};
    const hpo::Distribution dist = hpo::FloatDistribution(0.0, 1.0);
    hpo::detail::TpeHistory history;
    hpo::detail::TpeColumn column(dist);
    hpo::detail::TpeAboveSet above;
    hpo::detail::Rng rng(direction == hpo::Direction::Minimize ? 37 : 41);
    std::vector<int> running;
    for (int step = 0; step < 500; ++step) {
      // A new trial, most with the parameter (some on a grid: equal coordinates); it and
      // other running ones finish in random order: Complete (tied values, NaN), Pruned
      // (with or without an intermediate value) or Failed.
      hpo::FrozenTrial proto;
      proto.state = S::Running;
      if (rng.uniform() < 0.9) {
        const double v = rng.uniform() < 0.2 ? std::round(rng.uniform() * 10) / 10 : rng.uniform();
        proto.params.push_back(hpo::TrialParam{"x", dist, v});
      }
      running.push_back(storage.create_trial(proto)->number);
      while (!running.empty() && rng.uniform() < 0.6) {
        const auto i = static_cast<std::size_t>(rng.below(running.size()));
        const int number = running[i];
        running.erase(running.begin() + static_cast<std::ptrdiff_t>(i));
        const double u = rng.uniform();
        if (u < 0.7) {
          const double value = u < 0.05 ? std::nan("") : std::round(rng.uniform() * 50);
          storage.finish_trial(number, S::Complete, {value}, "");
        } else if (u < 0.85) {
          if (u < 0.8) storage.set_intermediate_value(number, 1 + number % 3, rng.uniform());
          storage.finish_trial(number, S::Pruned, {}, "");
        } else {
          storage.finish_trial(number, S::Failed, {}, "");
        }
      }
      history.update(hpo::StudyView(storage, dirs));
      column.update(history, "x");
      // Optuna's gamma most of the time; sometimes a larger one (the below set changes a lot).
      const int n = history.n_finished();
      const std::vector<int> below =
          history.below(step % 40 < 30 ? hpo::detail::tpe_default_gamma(n) : n / 3);
      above.update(history, column, below);
      hpo::detail::TpeAboveSet fresh;
      fresh.rebuild(column, below);
      INFO("step " << step);
      REQUIRE(above.sorted() == fresh.sorted());
      REQUIRE(above.mu() == fresh.mu());
      REQUIRE(above.rank() == fresh.rank());
    }
  }
}
