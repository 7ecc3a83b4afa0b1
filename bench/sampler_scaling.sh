#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Cost per suggestion against the number of finished trials, every sampler in its own process
# (so that the peak RSS column is that sampler's own): builds sampler_scaling_bench if needed,
# runs it once per sampler and prints one Markdown table, then the resident memory of each
# process before its study and the run time.
#
#   bench/sampler_scaling.sh [--sizes LIST] [--gp-sizes LIST] [--seed N] [--csv FILE]
#                                                 (from the repository root or anywhere)
#
# Environment: BUILD_DIR (default build/release; configured in Release if it has no
# CMakeCache.txt), SAMPLERS (default: random qmc grid tpe tpe-multivariate cmaes genetic gp).
# With the defaults it takes a few minutes, most of it GP. Run it on a quiet machine.
set -eu

cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build/release}
SAMPLERS=${SAMPLERS:-random qmc grid tpe tpe-multivariate cmaes genetic gp}
CSV=
ARGS=
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes | --gp-sizes | --seed)
      [ $# -ge 2 ] || { echo "$0: $1 needs a value" >&2; exit 2; }
      ARGS="$ARGS $1 $2"; shift 2 ;;
    --csv)
      [ $# -ge 2 ] || { echo "$0: $1 needs a value" >&2; exit 2; }
      CSV=$2; shift 2 ;;
    *) echo "usage: $0 [--sizes LIST] [--gp-sizes LIST] [--seed N] [--csv FILE]" >&2; exit 2 ;;
  esac
done

echo "# machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')," \
  "$(${CXX:-c++} --version | head -n1), $(date -u +%Y-%m-%dT%H:%MZ), load:$(uptime | sed 's/.*load average://')"

if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
  cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
grep -q '^CMAKE_BUILD_TYPE:STRING=Release$' "$BUILD_DIR/CMakeCache.txt" ||
  echo "# warning: $BUILD_DIR is not a Release build: the times mean little" >&2
cmake --build "$BUILD_DIR" --target sampler_scaling_bench >/dev/null
BENCH=$BUILD_DIR/bench/sampler_scaling_bench

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s)
times=
for s in $SAMPLERS; do
  t0=$(date +%s)
  # $ARGS is split on purpose: options and their values, none with spaces.
  # shellcheck disable=SC2086
  "$BENCH" --sampler "$s" --csv "$tmp/$s.csv" $ARGS >"$tmp/$s.md"
  times="$times $s $(($(date +%s) - t0)) s,"
done
end=$(date +%s)

first=1
for s in $SAMPLERS; do
  if [ "$first" = 1 ]; then
    sed -n '1,/^|---/p' "$tmp/$s.md"  # the caption and the table header, once
    first=0
  fi
  grep '^| [a-z]' "$tmp/$s.md" | grep -v '^| sampler |'
done
echo
for s in $SAMPLERS; do grep '^# baseline' "$tmp/$s.md"; done
echo "# run time:$times total $((end - start)) s"

if [ -n "$CSV" ]; then
  first=1
  for s in $SAMPLERS; do
    if [ "$first" = 1 ]; then cat "$tmp/$s.csv"; first=0; else tail -n +2 "$tmp/$s.csv"; fi
  done >"$CSV"
fi
