// SPDX-License-Identifier: MIT
// ODR check, second TU: see odr_main.cpp.
#include <hpo/hpo.hpp>

const char* const* hpo_odr_second_version();

const char* const* hpo_odr_second_version() {
  return &hpo::version_string;
}
