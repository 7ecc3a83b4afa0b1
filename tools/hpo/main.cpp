// SPDX-License-Identifier: MIT
// The `hpo` command-line tool; everything is in hpo/cli.hpp (hpo::cli::run), see docs/cli.md.

#include <iostream>
#include <string>
#include <vector>

#include "hpo/cli.hpp"

/// Runs hpo::cli::run on the command line, printing to stdout and stderr.
int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  return hpo::cli::run(args, std::cout, std::cerr);
}
