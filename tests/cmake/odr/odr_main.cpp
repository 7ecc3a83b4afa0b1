// SPDX-License-Identifier: MIT
// ODR check, first TU: linked with odr_second.cpp, which includes the same headers. A function or
// variable defined in a header without `inline` is then defined twice and the link fails.
// It is also the umbrella header's self-containment check (the header check skips it): it
// comes first, alone, and a second inclusion must be harmless.
#include <hpo/hpo.hpp>
#include <hpo/hpo.hpp>  // NOLINT(readability-duplicate-include)

#include <cstdio>

const char* const* hpo_odr_second_version();  // odr_second.cpp

int main() {
  // An inline variable is one object program-wide: both TUs must see the same address.
  if (hpo_odr_second_version() != &hpo::version_string) {
    std::puts("hpo::version_string is not one object across translation units");
    return 1;
  }
  std::printf("hpo %s: two translation units linked\n", hpo::version_string);
  return 0;
}
