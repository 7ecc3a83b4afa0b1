#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Study overhead, hpo against Optuna, in one run on one machine: builds
# bench/study_overhead_bench.cpp in Release, runs it, runs bench/study_overhead_optuna.py if
# Optuna is importable, and prints the ratio of their per-trial times.
#
#   bench/study_overhead.sh [--trials N] [--seed S]      (from the repository root or anywhere)
#
# Environment: BUILD_DIR (default build/bench), PYTHON (default /usr/bin/python3),
# BIG (trials of the growth study, default 100000), REPEAT (C++ runs, default 5),
# PY_REPEAT (Optuna runs, default 1). Run it on a quiet machine (see `uptime`).
set -eu

cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build/bench}
PYTHON=${PYTHON:-/usr/bin/python3}
BIG=${BIG:-100000}
REPEAT=${REPEAT:-5}
PY_REPEAT=${PY_REPEAT:-1}
TRIALS=10000
SEED=1
while [ $# -gt 0 ]; do
  case "$1" in
    --trials) TRIALS=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    *) echo "usage: $0 [--trials N] [--seed S]" >&2; exit 2 ;;
  esac
done

echo "# machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')," \
  "$(${CXX:-c++} --version | head -n1), $(date -u +%Y-%m-%dT%H:%MZ), load:$(uptime | sed 's/.*load average://')"

cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DHPO_BUILD_BENCH=ON \
  -DHPO_BUILD_TESTS=OFF -DHPO_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$BUILD_DIR" --target study_overhead_bench >/dev/null

out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$BUILD_DIR/bench/study_overhead_bench" --trials "$TRIALS" --big "$BIG" --seed "$SEED" \
  --repeat "$REPEAT" | tee "$out"

metric() {  # metric <bench> <name> -> value of the first n_jobs=1 JSON line
  grep "^{\"bench\":\"$1\",\"metric\":\"$2\"," "$out" | grep '"n_jobs":1}' | head -n1 |
    sed 's/.*"value":\([^,]*\),.*/\1/'
}

if "$PYTHON" -c 'import optuna' 2>/dev/null; then
  "$PYTHON" bench/study_overhead_optuna.py --trials "$TRIALS" --seed "$SEED" \
    --repeat "$PY_REPEAT" | tee -a "$out"
  hw=$(metric study_overhead study_wall_us_per_trial)
  hc=$(metric study_overhead study_cpu_us_per_trial)
  ow=$(metric study_overhead_optuna study_wall_us_per_trial)
  oc=$(metric study_overhead_optuna study_cpu_us_per_trial)
  echo "## hpo / Optuna, $TRIALS trials, same machine, same run"
  echo
  echo "| time per trial | hpo | Optuna | Optuna / hpo |"
  echo "|---|---|---|---|"
  awk -v hw="$hw" -v ow="$ow" -v hc="$hc" -v oc="$oc" 'BEGIN {
    printf "| wall | %.2f µs | %.1f µs | %.0fx |\n", hw, ow, ow / hw
    printf "| process CPU | %.2f µs | %.1f µs | %.0fx |\n", hc, oc, oc / hc
  }'
else
  echo "Optuna is not importable by $PYTHON: no comparison (Debian: apt-get install python3-optuna)."
fi
