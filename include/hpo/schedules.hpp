// SPDX-License-Identifier: MIT
#pragma once

/// Every learning-rate schedule: PyTorch's StepLR, MultiStepLR, ExponentialLR, ConstantLR,
/// LinearLR, PolynomialLR, CosineAnnealingLR, CosineAnnealingWarmRestarts, OneCycleLR,
/// SequentialLR and ReduceLROnPlateau as plain value types (see docs/schedules.md).

#include "hpo/schedules/cosine.hpp"
#include "hpo/schedules/one_cycle_lr.hpp"
#include "hpo/schedules/reduce_lr_on_plateau.hpp"
#include "hpo/schedules/sequential_lr.hpp"
#include "hpo/schedules/step_lr.hpp"
