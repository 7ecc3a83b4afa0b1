// SPDX-License-Identifier: MIT
#pragma once

/// The umbrella header: the only one users need to include.

#include "hpo/callbacks/logging.hpp"
#include "hpo/distributions.hpp"
#include "hpo/errors.hpp"
#include "hpo/param_value.hpp"
#include "hpo/params.hpp"
#include "hpo/pruners/pruner.hpp"
#include "hpo/samplers/grid_sampler.hpp"
#include "hpo/samplers/qmc_sampler.hpp"
#include "hpo/samplers/random_sampler.hpp"
#include "hpo/samplers/sampler.hpp"
#include "hpo/samplers/search_space.hpp"
#include "hpo/signal.hpp"
#include "hpo/storage/in_memory_storage.hpp"
#include "hpo/storage/storage.hpp"
#include "hpo/study/direction.hpp"
#include "hpo/study/export.hpp"
#include "hpo/study/optimize_options.hpp"
#include "hpo/study/study.hpp"
#include "hpo/study/study_view.hpp"
#include "hpo/trial/frozen_trial.hpp"
#include "hpo/trial/trial.hpp"
#include "hpo/trial/trial_state.hpp"
#include "hpo/version.hpp"
