// SPDX-License-Identifier: MIT
// Consumer check (find_package): builds against hpo::hpo the way a user project would.
#include <hpo/hpo.hpp>

#include <cstdio>
#include <cstring>

int main() {
  std::printf("hpo %s (find_package consumer)\n", hpo::version_string);
#ifdef HPO_EXPECTED_VERSION
  // The package's version (from CMake) and the header's must agree.
  if (std::strcmp(hpo::version_string, HPO_EXPECTED_VERSION) != 0) {
    std::printf("expected version %s\n", HPO_EXPECTED_VERSION);
    return 1;
  }
#endif
  return 0;
}
