// SPDX-License-Identifier: MIT
//
// Consumer check: a program written from the README and docs alone, built against hpo::hpo
// the way a user project would (find_package, add_subdirectory or FetchContent; HPO_CONSUMER
// says which). It runs small studies and fails on anything unexpected.

// The headers it uses rather than <hpo/hpo.hpp>: the same test of the package (include path,
// Eigen and fmt found through hpo::hpo) for a fifth of the compile time; the ODR check and
// the README test compile the umbrella header.
#include <hpo/params.hpp>
#include <hpo/samplers/grid_sampler.hpp>
#include <hpo/samplers/qmc_sampler.hpp>
#include <hpo/study/export.hpp>
#include <hpo/study/study.hpp>
#include <hpo/version.hpp>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

int main() {
  std::printf("hpo %s (%s consumer)\n", hpo::version_string, HPO_CONSUMER);
#ifdef HPO_EXPECTED_VERSION
  // The package's version (from CMake) and the header's must agree.
  if (std::strcmp(hpo::version_string, HPO_EXPECTED_VERSION) != 0) {
    std::printf("expected version %s\n", HPO_EXPECTED_VERSION);
    return 1;
  }
#endif
  const hpo::FloatParam x{"x", -5.0, 5.0};
  const hpo::CategoricalParam<std::string> shape{"shape", {"bowl", "ridge"}};
  auto objective = [&](hpo::Trial& t) {
    const double v = t.suggest(x);
    const double lr = t.suggest_float("lr", 1e-4, 1e-1, hpo::Log);
    const double penalty = t.suggest(shape) == "bowl" ? 0.0 : 1.0;
    return (v - 1.0) * (v - 1.0) + std::abs(std::log10(lr) + 2.0) + penalty;
  };

  hpo::Study study(hpo::Direction::Minimize, std::make_unique<hpo::QmcSampler>(3));
  study.enqueue_trial({{"x", 1.0}, {"lr", 0.01}, {"shape", "bowl"}});
  study.optimize(objective, hpo::OptimizeOptions{}.n_trials(32).n_jobs(2));
  fmt::print("best {:.4f} with {}\n", study.best_value(), study.best_params());
  if (study.n_trials() != 32 || study.best_value() != 0.0) return 1;

  hpo::Study grid(hpo::Direction::Minimize,
                  std::make_unique<hpo::GridSampler>(hpo::GridSampler::Grid{
                      {"x", {0.0, 1.0}}, {"lr", {0.001, 0.01}}, {"shape", {"bowl", "ridge"}}}));
  grid.optimize(objective);
  if (grid.n_trials() != 8) return 1;
  return hpo::to_csv(grid).empty() ? 1 : 0;
}
