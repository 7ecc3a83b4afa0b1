// SPDX-License-Identifier: MIT
//
// Tunes a toy "training run" with each kind of parameter: a log-scaled learning rate, a
// stepped integer, and a categorical activation. Run it with no arguments.

#include <cmath>
#include <memory>
#include <string>

#include <hpo/hpo.hpp>

namespace {

// Stands in for the user's training code: a validation loss with its minimum near
// lr = 3e-3, units = 128, act = "tanh".
double train_and_validate(double lr, int units, const std::string& act) {
  const double lr_term = std::pow(std::log10(lr / 3e-3), 2);
  const double units_term = std::pow((units - 128) / 64.0, 2);
  return 0.1 + lr_term + units_term + (act == "tanh" ? 0.0 : 0.2);
}

}  // namespace

int main() {
  hpo::Study study(hpo::Direction::Minimize, std::make_unique<hpo::RandomSampler>(/*seed=*/7));
  study.optimize(
      [](hpo::Trial& t) {
        const double lr = t.suggest_float("lr", 1e-5, 1e-1, hpo::Log);
        const int units = t.suggest_int("units", 8, 256, /*step=*/8);
        const auto act = t.suggest_categorical<std::string>("act", {"relu", "tanh"});
        return train_and_validate(lr, units, act);
      },
      hpo::OptimizeOptions{}.n_trials(100).n_jobs(2).callback(hpo::LoggingCallback{}));
  fmt::print("best {:.4f} with {}\n", study.best_value(), study.best_params());
  hpo::write_csv(study, "quickstart_trials.csv");
  fmt::print("all {} trials written to quickstart_trials.csv\n", study.n_trials());
}
