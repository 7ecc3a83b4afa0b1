#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The iris MLP tuning, hpo (hpo_mlp_iris, C++) against Optuna + scikit-learn
# (compare_optuna.py), on the same split, trial count, seed, sampler and pruner, one seed after
# the other; prints a Markdown table per seed and the medians. See docs/benchmarks.md,
# "Iris MLP: hpo against Optuna + scikit-learn".
#
#   examples/mlp_iris/compare.sh [--trials 50] [--seeds 0,1,2,3,4] [--repeat 5]
#                                [--sampler qmc] [--pruner median] [--jobs 1]
#
# Each program runs --repeat times per seed, the two alternating; the times in the table are
# the medians of those runs (the results themselves do not change from one run to the next:
# the script checks that they don't).
#
# Environment: BUILD_DIR (default build/release, the directory .ci/example builds into),
# PYTHON (default /usr/bin/python3), OUT_DIR (where the JSON results and logs go; default a
# temporary directory, removed at the end). Both programs run with one thread for OpenMP and
# the BLAS (OMP_NUM_THREADS=1 and friends); OPENBLAS_CORETYPE is left as the machine has it.
# Run it on a quiet machine (see `uptime`).
set -eu

cd "$(dirname "$0")/../.."
BUILD_DIR=${BUILD_DIR:-build/release}
PYTHON=${PYTHON:-/usr/bin/python3}
TRIALS=50
SEEDS=0,1,2,3,4
SAMPLER=qmc
PRUNER=median
JOBS=1
REPEAT=5
usage() {
  echo "usage: $0 [--trials N] [--seeds S,S,...] [--repeat R] [--sampler qmc|random|grid]" \
    "[--pruner median|none|sha|hyperband] [--jobs N]" >&2
  exit 2
}
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || usage
  case "$1" in
    --trials) TRIALS=$2 ;;
    --seeds) SEEDS=$2 ;;
    --sampler) SAMPLER=$2 ;;
    --pruner) PRUNER=$2 ;;
    --jobs) JOBS=$2 ;;
    --repeat) REPEAT=$2 ;;
    *) usage ;;
  esac
  shift 2
done


if ! "$PYTHON" -c 'import optuna, sklearn' 2>/dev/null; then
  echo "Optuna and scikit-learn are not importable by $PYTHON" \
    "(Debian: apt-get install -y python3-optuna python3-sklearn)" >&2
  exit 1
fi

cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DHPO_BUILD_EXAMPLES=ON \
  -DHPO_BUILD_TESTS=OFF -DHPO_BUILD_BENCH=OFF -DHPO_INSTALL=OFF >/dev/null
cmake --build "$BUILD_DIR" --target hpo_mlp_iris >/dev/null
BINARY=$BUILD_DIR/examples/mlp_iris/hpo_mlp_iris

if [ -n "${OUT_DIR:-}" ]; then
  mkdir -p "$OUT_DIR"
else
  OUT_DIR=$(mktemp -d)
  trap 'rm -rf "$OUT_DIR"' EXIT
fi

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
pyversions=$("$PYTHON" -c 'import platform, optuna, sklearn, numpy
print("Python", platform.python_version(), "Optuna", optuna.__version__,
      "scikit-learn", sklearn.__version__, "numpy", numpy.__version__)')
echo "# machine: $(nproc) CPUs, $cpu, $(${CXX:-c++} --version | head -n1), $pyversions,"
echo "# $(date -u +%Y-%m-%dT%H:%MZ), load:$(uptime | sed 's/.*load average://');" \
  "$TRIALS trials, seeds $SEEDS, $REPEAT runs each, sampler $SAMPLER, pruner $PRUNER, jobs $JOBS"

export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 BLIS_NUM_THREADS=1
now() { date +%s.%N; }
took() { grep ' trials: ' "$1" | sed 's/.* in //'; }  # "0.06 s" from a run's summary line
for seed in $(echo "$SEEDS" | tr ',' ' '); do
  common="--trials $TRIALS --seed $seed --sampler $SAMPLER --pruner $PRUNER --jobs $JOBS"
  run=1
  while [ "$run" -le "$REPEAT" ]; do
    t0=$(now)
    # shellcheck disable=SC2086
    "$BINARY" $common --out "$OUT_DIR/cpp-$seed-$run.json" >"$OUT_DIR/cpp-$seed-$run.log"
    t1=$(now)
    # shellcheck disable=SC2086
    "$PYTHON" examples/mlp_iris/compare_optuna.py $common --binary "$BINARY" \
      --out "$OUT_DIR/py-$seed-$run.json" >"$OUT_DIR/py-$seed-$run.log"
    t2=$(now)
    echo "$seed $run $t0 $t1 $t2" >>"$OUT_DIR/process-times.txt"
    echo "# seed $seed run $run: hpo $(took "$OUT_DIR/cpp-$seed-$run.log")," \
      "Optuna $(took "$OUT_DIR/py-$seed-$run.log")"
    run=$((run + 1))
  done
done

"$PYTHON" - "$OUT_DIR" "$TRIALS" <<'EOF'
import json, re, statistics, sys

out, trials = sys.argv[1], int(sys.argv[2])


def epochs(log):
    """Epochs trained, from the per-trial lines both programs print."""
    n = 0
    for line in open(log):
        m = re.search(r"\((\d+) epochs\)|pruned at epoch (\d+)", line)
        if line.startswith("trial ") and m:
            n += int(m.group(1) or m.group(2))
    return n


runs = {}  # seed -> [(run, t0, t1, t2)]
for line in open(f"{out}/process-times.txt"):
    seed, run, t0, t1, t2 = line.split()
    runs.setdefault(seed, []).append((run, float(t0), float(t1), float(t2)))

STABLE = ("best_params", "best_trial", "best_validation_accuracy", "test_accuracy",
          "trials_completed", "trials_pruned", "trials_failed")
rows = []
for seed, rs in runs.items():
    c, p = ([json.load(open(f"{out}/{k}-{seed}-{r[0]}.json")) for r in rs] for k in ("cpp", "py"))
    for name, results in (("hpo", c), ("Optuna", p)):
        if any({k: x[k] for k in STABLE} != {k: results[0][k] for k in STABLE} for x in results):
            print(f"warning: {name}'s results differ between the runs of seed {seed}",
                  file=sys.stderr)
    times = {"cs": statistics.median(x["elapsed_seconds"] for x in c),
             "ps": statistics.median(x["elapsed_seconds"] for x in p),
             "cproc": statistics.median(r[2] - r[1] for r in rs),
             "pproc": statistics.median(r[3] - r[2] for r in rs)}
    c, p, run = c[0], p[0], rs[0][0]
    ce, pe = epochs(f"{out}/cpp-{seed}-{run}.log"), epochs(f"{out}/py-{seed}-{run}.log")
    rows.append({
        "seed": seed, **times,
        "ct": c["test_accuracy"], "pt": p["test_accuracy"],
        "cv": c["best_validation_accuracy"], "pv": p["best_validation_accuracy"],
        "cn": f'{c["trials_completed"]}/{c["trials_pruned"]}/{c["trials_failed"]}',
        "pn": f'{p["trials_completed"]}/{p["trials_pruned"]}/{p["trials_failed"]}',
        "ce": ce, "pe": pe,
    })

print(f"\n{trials} trials per run; each cell is hpo / Optuna + scikit-learn. Tuning: each "
      "program's elapsed_seconds (CSV read to test score); process: the whole command, startup "
      "and imports included; times are medians over the runs of a seed; epochs: epochs "
      "trained over all trials.\n")
print("| seed | tuning (s) | per trial (ms) | Optuna / hpo | process (s) | Optuna / hpo (process) "
      "| test acc | best val acc | complete/pruned/failed | epochs | per epoch (µs) "
      "| Optuna / hpo (per epoch) |")
print("|" + "---|" * 12)


def cells(seed, cs, ps, cp, pp, ct, pt, cv, pv, cn, pn, ce, pe, cpe, ppe, r, rp, re_):
    return (f"| {seed} | {cs:.3f} / {ps:.2f} | {1e3 * cs / trials:.2f} / {1e3 * ps / trials:.1f} "
            f"| {r:.1f}x | {cp:.3f} / {pp:.2f} | {rp:.1f}x | {ct:.4f} / {pt:.4f} "
            f"| {cv:.4f} / {pv:.4f} | {cn} / {pn} | {ce:.0f} / {pe:.0f} "
            f"| {1e6 * cpe:.0f} / {1e6 * ppe:.0f} | {re_:.1f}x |")


for r in rows:
    r["cpe"], r["ppe"] = r["cs"] / max(r["ce"], 1), r["ps"] / max(r["pe"], 1)
    r["r"], r["rp"], r["re"] = r["ps"] / r["cs"], r["pproc"] / r["cproc"], r["ppe"] / r["cpe"]
    print(cells(r["seed"], r["cs"], r["ps"], r["cproc"], r["pproc"], r["ct"], r["pt"], r["cv"],
                r["pv"], r["cn"], r["pn"], r["ce"], r["pe"], r["cpe"], r["ppe"], r["r"], r["rp"],
                r["re"]))
med = lambda k: statistics.median(r[k] for r in rows)
print(cells("median", med("cs"), med("ps"), med("cproc"), med("pproc"), med("ct"), med("pt"),
            med("cv"), med("pv"), "", "", med("ce"), med("pe"), med("cpe"), med("ppe"),
            med("r"), med("rp"), med("re")).replace("|  /  |", "| |"))
print(f'\nOptuna / hpo, tuning time: {min(r["r"] for r in rows):.1f}x to '
      f'{max(r["r"] for r in rows):.1f}x over the seeds. Mean test accuracy: hpo '
      f'{statistics.mean(r["ct"] for r in rows):.4f}, Optuna + scikit-learn '
      f'{statistics.mean(r["pt"] for r in rows):.4f}; hpo\'s test accuracy is equal or better '
      f'on {sum(r["ct"] >= r["pt"] for r in rows)} of {len(rows)} seeds.')
EOF
