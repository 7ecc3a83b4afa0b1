#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Regenerates docs/iris_pareto.svg, the plot of "Worked example: accuracy against latency on
# iris" in docs/multi_objective.md: builds hpo_mlp_iris (Release) in a temporary directory, runs
# its accuracy-against-latency study with a fixed seed and trial count, writes the plot and
# prints the Pareto table shown on that page.
#
#   docs/make_iris_pareto.sh [--seed 0] [--trials 200]
#
# The plot depends only on the seed and the trial count: the latency objective is a count of
# multiply-adds, not a timing, so the same command writes the same file on any machine. The
# "measured us/sample" column of the table is a timing and changes from run to run. The study
# (200 trials of 25 trainings: 5 x 5-fold cross-validation) takes about 10 s; compiling the
# example takes longer.
#
# Environment: BUILD_DIR (default: a temporary directory, removed at the end); CMake's own
# variables (CXX, CMAKE_BUILD_PARALLEL_LEVEL) apply.
set -eu

cd "$(dirname "$0")/.."
SEED=0
TRIALS=200
while [ $# -gt 0 ]; do
  case "$1" in
    --seed) SEED=$2; shift 2 ;;
    --trials) TRIALS=$2; shift 2 ;;
    *) echo "usage: docs/make_iris_pareto.sh [--seed S] [--trials N]" >&2; exit 2 ;;
  esac
done

if [ -z "${BUILD_DIR:-}" ]; then
  BUILD_DIR=$(mktemp -d)
  trap 'rm -rf "$BUILD_DIR"' EXIT
fi
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DHPO_BUILD_EXAMPLES=ON \
  -DHPO_BUILD_TESTS=OFF -DHPO_BUILD_BENCH=OFF -DHPO_INSTALL=OFF >/dev/null
cmake --build "$BUILD_DIR" --target hpo_mlp_iris

echo "==== hpo_mlp_iris --objectives accuracy,latency --seed $SEED --trials $TRIALS"
"$BUILD_DIR/examples/mlp_iris/hpo_mlp_iris" --objectives accuracy,latency --seed "$SEED" \
  --trials "$TRIALS" --quiet --pareto-svg docs/iris_pareto.svg
