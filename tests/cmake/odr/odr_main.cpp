// SPDX-License-Identifier: MIT
// ODR check, first TU: linked with odr_second.cpp, which includes the same headers. A function or
// variable defined in a header without `inline` is then defined twice and the link fails.
#include <hpo/hpo.hpp>

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
