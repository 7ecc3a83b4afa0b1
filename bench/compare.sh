#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# compare.sh: hpo's samplers, the dlib/NLopt baselines and Optuna's samplers on the same test
# functions, seeds, trials and budgets, in one run; one CSV, one Markdown table, one plot.
#
#   bench/compare.sh [--functions LIST|all] [--samplers LIST|all] [--optuna-samplers LIST|all]
#                    [--optimizers LIST|all] [--seeds N] [--seed-offset S] [--trials N]
#                    [--budgets 25,50,100] [--out DIR] [--build-dir DIR] [--anchors DIR]
#                    [--python PATH] [--with-baselines | --no-baselines] [--no-install]
#
# Steps:
#   1. Installs what is missing (Debian, as root; otherwise prints the apt-get line and stops):
#      cmake g++ make libeigen3-dev libfmt-dev python3-optuna python3-cmaes; with
#      --with-baselines also libdlib-dev libnlopt-dev. --no-install skips the step.
#   2. Configures a Release build (--build-dir, default build/compare) with -DHPO_BUILD_BENCH=ON
#      and builds hpo_bench, hpo_plot_bench and, when CMake found dlib or NLopt, hpo_baselines.
#   3. Runs hpo_bench (--samplers), hpo_baselines (--optimizers; only if it was built, and not
#      with --no-baselines) and ANCHORS/bench_optuna.py (--optuna-samplers) with the same
#      --functions, --seeds, --seed-offset, --trials and --budgets.
#   4. Concatenates their CSVs into OUT/all.csv.
#   5. Writes OUT/summary.md (one Markdown table: median regret per budget [p25, p75], median
#      overhead ms/trial wall and CPU, seeds; one line per function and (library, sampler)) and
#      OUT/convergence.svg, both with hpo_plot_bench, and OUT/machine.txt (nproc, CPU model,
#      compiler, Optuna version, the run's options), which it also prints. Each program's own
#      summary stays in OUT/hpo.md, OUT/baselines.md, OUT/optuna.txt; the CSVs in OUT/*.csv.
#
# Baselines are automatic: they run whenever dlib and/or NLopt are installed (CMake then builds
# hpo_baselines); --with-baselines installs libdlib-dev and libnlopt-dev first, --no-baselines
# leaves them out.
#
# Defaults: --functions all = every function both hpo_bench and bench_optuna.py know (the
# Optuna script has no mixed-variable ones); --samplers all = every sampler of hpo_bench;
# --optuna-samplers all = every sampler of the installed Optuna (Debian's 3.1.0: random, tpe,
# tpe_mv, cmaes, qmc); --optimizers all = every built baseline; --seeds 10, --trials 100,
# --budgets 25,50,100; --out BUILD_DIR/results; --anchors ../shared/anchors (from the repository
# root); --python /usr/bin/python3 (Debian's, which has python3-optuna).
#
# The samplers' names are each library's own: hpo and Optuna both have random, qmc, tpe, cmaes
# and gp, which are different implementations; the table and the plot keep them apart by
# library. The default run (10 functions, 10 seeds, 100 trials) takes a few minutes, most of it
# in the GP samplers and in Optuna's TPE.
#
# Example (about a minute):
#   bench/compare.sh --functions branin,hartmann3 --seeds 2 --trials 30 --out /tmp/compare

set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

functions=all
samplers=all
optuna_samplers=all
optimizers=all
seeds=10
seed_offset=0
trials=100
budgets=25,50,100
out=""
build_dir="$repo/build/compare"
anchors="$repo/../shared/anchors"
python=/usr/bin/python3
baselines=auto # auto | with | no
install=yes

usage() {
  sed -n '/^# compare.sh/,/^$/{/^$/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
}

die() {
  echo "compare.sh: $*" >&2
  exit 2
}

while [[ $# -gt 0 ]]; do
  arg=$1
  value=""
  if [[ $arg == --*=* ]]; then
    value=${arg#*=}
    arg=${arg%%=*}
  fi
  case $arg in
    -h | --help)
      usage
      exit 0
      ;;
    --with-baselines) baselines=with ;;
    --no-baselines) baselines=no ;;
    --no-install) install=no ;;
    --functions | --samplers | --optuna-samplers | --optimizers | --seeds | --seed-offset | \
      --trials | --budgets | --out | --build-dir | --anchors | --python)
      if [[ -z $value ]]; then
        [[ $# -ge 2 ]] || die "$arg needs a value"
        value=$2
        shift
      fi
      case $arg in
        --functions) functions=$value ;;
        --samplers) samplers=$value ;;
        --optuna-samplers) optuna_samplers=$value ;;
        --optimizers) optimizers=$value ;;
        --seeds) seeds=$value ;;
        --seed-offset) seed_offset=$value ;;
        --trials) trials=$value ;;
        --budgets) budgets=$value ;;
        --out) out=$value ;;
        --build-dir) build_dir=$value ;;
        --anchors) anchors=$value ;;
        --python) python=$value ;;
      esac
      ;;
    *) die "unknown option '$arg' (--help shows the options)" ;;
  esac
  shift
done

for n in "$seeds" "$trials"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || die "--seeds and --trials need a positive integer, got '$n'"
done
[[ $seed_offset =~ ^[0-9]+$ ]] || die "--seed-offset needs an integer >= 0, got '$seed_offset'"
[[ $budgets =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || die "--budgets needs a comma list, got '$budgets'"
build_dir=$(mkdir -p "$build_dir" && cd "$build_dir" && pwd)
out=${out:-$build_dir/results}
out=$(mkdir -p "$out" && cd "$out" && pwd)
[[ -f $anchors/bench_optuna.py ]] || die "no bench_optuna.py in --anchors $anchors"
anchors=$(cd "$anchors" && pwd)

# Prints the step and the time it started.
step() {
  echo
  echo "== $(date +%H:%M:%S) $*"
}

# ---------------------------------------------------------------------------------------------
# 1. Dependencies.

# The Debian packages of `$@` that are not installed.
missing_packages() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
      echo "$p"
  done
}

if [[ $install == yes ]]; then
  step "dependencies"
  wanted=(cmake g++ make libeigen3-dev libfmt-dev python3-optuna python3-cmaes)
  [[ $baselines == with ]] && wanted+=(libdlib-dev libnlopt-dev)
  if ! command -v dpkg-query >/dev/null; then
    echo "not a Debian system: install ${wanted[*]} (or their equivalents) yourself"
  else
    mapfile -t missing < <(missing_packages "${wanted[@]}")
    if [[ ${#missing[@]} -eq 0 ]]; then
      echo "all installed: ${wanted[*]}"
    elif [[ $(id -u) -ne 0 ]]; then
      echo "compare.sh: missing packages; as root run" >&2
      echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
      echo "or pass --no-install if they are installed some other way" >&2
      exit 1
    else
      echo "installing: ${missing[*]}"
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
    fi
  fi
fi
"$python" -c 'import optuna' 2>/dev/null ||
  die "$python cannot import optuna (apt-get install -y python3-optuna python3-cmaes)"

# ---------------------------------------------------------------------------------------------
# 2. Build.

step "configure and build (Release) in $build_dir"
cmake -S "$repo" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DHPO_BUILD_BENCH=ON \
  -DHPO_BUILD_TESTS=OFF -DHPO_BUILD_EXAMPLES=OFF -DHPO_INSTALL=OFF >"$build_dir/configure.log" ||
  {
    cat "$build_dir/configure.log" >&2
    exit 1
  }
grep 'hpo_baselines' "$build_dir/configure.log" || true
targets=(hpo_bench hpo_plot_bench)
have_baselines=no
if [[ $baselines != no ]] &&
  cmake --build "$build_dir" --target help | grep -w hpo_baselines >/dev/null; then
  targets+=(hpo_baselines)
  have_baselines=yes
elif [[ $baselines == with ]]; then
  die "--with-baselines: CMake found neither dlib nor NLopt (see $build_dir/configure.log)"
fi
cmake --build "$build_dir" --parallel "$(nproc)" --target "${targets[@]}"
hpo_bench=$build_dir/bench/hpo_bench/hpo_bench
hpo_baselines=$build_dir/bench/baselines/hpo_baselines
hpo_plot_bench=$build_dir/bench/plot_bench/hpo_plot_bench

# ---------------------------------------------------------------------------------------------
# Functions: every requested one must exist in hpo_bench and in the Optuna script.

hpo_functions=$("$hpo_bench" --list | awk '{print $1}' | paste -sd, -)
optuna_functions=$("$python" -c '
import sys
sys.path.insert(0, sys.argv[1])
import bench_optuna
print(",".join(bench_optuna.FUNCTIONS))' "$anchors")
if [[ $functions == all ]]; then
  functions=""
  for f in ${optuna_functions//,/ }; do
    [[ ,$hpo_functions, == *,$f,* ]] && functions+=${functions:+,}$f
  done
else
  for f in ${functions//,/ }; do
    [[ ,$hpo_functions, == *,$f,* ]] || die "hpo_bench has no function '$f' ($hpo_functions)"
    [[ ,$optuna_functions, == *,$f,* ]] ||
      die "bench_optuna.py has no function '$f' ($optuna_functions)"
  done
fi
[[ -n $functions ]] || die "no function common to hpo_bench and bench_optuna.py"

common=(--functions "$functions" --seeds "$seeds" --seed-offset "$seed_offset" --trials "$trials"
  --budgets "$budgets")

# ---------------------------------------------------------------------------------------------
# 3. Runs.

csvs=()
rm -f "$out"/{hpo,baselines,optuna,all}.csv "$out"/{summary,hpo,baselines}.md "$out"/optuna.txt

step "hpo_bench --samplers $samplers ${common[*]}"
SECONDS=0
"$hpo_bench" "${common[@]}" --samplers "$samplers" --out "$out/hpo.csv" >"$out/hpo.md"
echo "done in ${SECONDS} s: $out/hpo.csv"
csvs+=("$out/hpo.csv")

if [[ $have_baselines == yes ]]; then
  step "hpo_baselines --optimizers $optimizers ${common[*]}"
  SECONDS=0
  "$hpo_baselines" "${common[@]}" --optimizers "$optimizers" --out "$out/baselines.csv" \
    >"$out/baselines.md"
  echo "done in ${SECONDS} s: $out/baselines.csv"
  csvs+=("$out/baselines.csv")
elif [[ $baselines != no ]]; then
  step "hpo_baselines: not built (no dlib, no NLopt; --with-baselines installs them)"
fi

step "bench_optuna.py --samplers $optuna_samplers ${common[*]}"
SECONDS=0
"$python" "$anchors/bench_optuna.py" "${common[@]}" --samplers "$optuna_samplers" \
  --out "$out/optuna.csv" >"$out/optuna.txt"
echo "done in ${SECONDS} s: $out/optuna.csv"
csvs+=("$out/optuna.csv")

# ---------------------------------------------------------------------------------------------
# 4. One CSV.

header=$(head -n 1 "${csvs[0]}" | tr -d '\r')
for csv in "${csvs[@]}"; do
  [[ $(head -n 1 "$csv" | tr -d '\r') == "$header" ]] ||
    die "$csv: its header differs from ${csvs[0]}'s: $(head -n 1 "$csv")"
done
{
  echo "$header"
  for csv in "${csvs[@]}"; do tail -n +2 "$csv" | tr -d '\r'; done
} >"$out/all.csv"

# ---------------------------------------------------------------------------------------------
# 5. Table, plot, machine.

step "table and plot"
"$hpo_plot_bench" "$out/all.csv" --out "$out/convergence.svg" --table "$out/summary.md" \
  --title "hpo, baselines and Optuna: ${trials} trials, ${seeds} seeds"

cxx=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$build_dir/CMakeCache.txt")
cpu=$(grep -m 1 -E '^(model name|Hardware|cpu model)' /proc/cpuinfo 2>/dev/null | cut -d: -f2- |
  sed 's/^ *//' || true)
{
  echo "date:      $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "machine:   $(uname -m), $(nproc) CPUs (nproc), ${cpu:-unknown CPU}"
  echo "kernel:    $(uname -sr)"
  echo "compiler:  $("${cxx:-c++}" --version | head -n 1), Release"
  echo "hpo:       $(head -n 1 "$out/hpo.md" | cut -d' ' -f1)," \
    "git $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')$(
      git -C "$repo" diff --quiet HEAD -- 2>/dev/null || echo ' (modified)')"
  echo "optuna:    $("$python" -c 'import optuna; print(optuna.__version__)')" \
    "(Python $("$python" -c 'import platform; print(platform.python_version())'))"
  if [[ $have_baselines == yes ]]; then
    echo "baselines: $(head -n 1 "$out/baselines.md" | cut -d'|' -f1 | sed 's/ *$//')"
  fi
  echo "run:       functions $functions | hpo samplers $samplers | optuna samplers" \
    "$optuna_samplers | seeds $seeds from $seed_offset | trials $trials | budgets $budgets"
} >"$out/machine.txt"

echo
cat "$out/machine.txt"
echo
cat "$out/summary.md"
echo
echo "results in $out:"
echo "  all.csv          every row ($(($(wc -l <"$out/all.csv") - 1)) rows; per program:" \
  "$(cd "$out" && echo "${csvs[@]##*/}"))"
echo "  summary.md       the table above"
echo "  convergence.svg  median regret against trials, one panel per function"
echo "  machine.txt      the machine and the run"
echo "  hpo.md, baselines.md, optuna.txt: each program's own summary"
