#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Optuna's side of bench/study_overhead_bench.cpp: the same 10-parameter mixed space and
objective, Optuna's RandomSampler, in-memory storage, logging silenced.

Prints wall and process-CPU time per trial of a whole study (median of --repeat runs) and a
raw-sampling baseline (the same 10 draws made with numpy's RandomState, as RandomSampler makes
them, without a study), as a Markdown table and one JSON object per line.

    /usr/bin/python3 bench/study_overhead_optuna.py [--trials 10000] [--seed 1] [--repeat 1]
"""

import argparse
import json
import math
import os
import platform
import statistics
import time

import numpy as np
import optuna

OPTIMIZERS = ["sgd", "adam", "rmsprop", "adagrad"]
BATCH_SIZES = [16, 32, 64, 128, 256]
BOOLS = [False, True]


def objective(t):
    lr = t.suggest_float("lr", 1e-5, 1e-1, log=True)
    wd = t.suggest_float("weight_decay", 1e-6, 1e-2, log=True)
    dropout = t.suggest_float("dropout", 0.0, 0.5)
    momentum = t.suggest_float("momentum", 0.8, 0.99)
    subsample = t.suggest_float("subsample", 0.5, 1.0, step=0.05)
    units = t.suggest_int("units", 16, 512, step=16)
    trees = t.suggest_int("n_estimators", 10, 1000, log=True)
    opt = t.suggest_categorical("optimizer", OPTIMIZERS)
    batch = t.suggest_categorical("batch_size", BATCH_SIZES)
    norm = t.suggest_categorical("batch_norm", BOOLS)
    return (math.log(lr) + 1e3 * wd + dropout + momentum + subsample + 1e-3 * units
            + 1e-4 * trees + len(opt) + 1e-3 * batch + (0.1 if norm else 0.0))


def run_study(n, seed, jobs=1):
    study = optuna.create_study(direction="minimize",
                                sampler=optuna.samplers.RandomSampler(seed=seed))
    c0, w0 = time.process_time(), time.perf_counter()
    study.optimize(objective, n_trials=n, n_jobs=jobs)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    assert len(study.trials) == n
    return wall / n, cpu / n


def raw_pass(n, seed):
    """The 10 draws per trial as RandomSampler makes them (uniform in the transformed space:
    log for log ranges, rounded to the grid for steps, an index for categoricals)."""
    rng = np.random.RandomState(seed)
    acc = 0.0
    for _ in range(n):
        acc += math.exp(rng.uniform(math.log(1e-5), math.log(1e-1)))
        acc += math.exp(rng.uniform(math.log(1e-6), math.log(1e-2)))
        acc += rng.uniform(0.0, 0.5)
        acc += rng.uniform(0.8, 0.99)
        acc += 0.5 + round(rng.uniform(-0.025, 0.525) / 0.05) * 0.05
        acc += 16 + round(rng.uniform(-8, 504) / 16) * 16
        acc += round(math.exp(rng.uniform(math.log(9.5), math.log(1000.5))))
        acc += len(OPTIMIZERS[int(rng.uniform(0, 4))])
        acc += BATCH_SIZES[int(rng.uniform(0, 5))]
        acc += 0.1 if BOOLS[int(rng.uniform(0, 2))] else 0.0
    return acc


def raw_seconds_per_trial(n, seed, min_seconds=0.5):
    passes, t0 = 0, time.perf_counter()
    while True:
        raw_pass(n, seed)
        passes += 1
        elapsed = time.perf_counter() - t0
        if elapsed >= min_seconds:
            return elapsed / (passes * n)


def emit(metric, value, unit, trials, jobs=1):
    print(json.dumps({"bench": "study_overhead_optuna", "metric": metric,
                      "value": float(f"{value:.6g}"), "unit": unit, "trials": trials,
                      "n_jobs": jobs}, separators=(",", ":")))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1, help="runs; the median is reported")
    ap.add_argument("--jobs", type=int, default=1,
                    help="also time the study with n_jobs = J (threads; 1 skips)")
    a = ap.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)

    run_study(min(a.trials, 500), a.seed)  # warm-up: imports, caches
    raw = raw_seconds_per_trial(a.trials, a.seed)
    runs = [run_study(a.trials, a.seed) for _ in range(a.repeat)]
    wall = statistics.median(r[0] for r in runs)
    cpu = statistics.median(r[1] for r in runs)
    par = [run_study(a.trials, a.seed, a.jobs) for _ in range(a.repeat)] if a.jobs > 1 else []

    print(f"## Study overhead in Optuna {optuna.__version__} (Python {platform.python_version()},"
          f" numpy {np.__version__}), RandomSampler, in-memory storage\n")
    print(f"seed {a.seed}, {a.repeat} run(s) of {a.trials} trials (median), "
          f"{os.cpu_count()} thread(s) available\n")
    print("| figure | value |\n|---|---|")
    print(f"| study, wall time per trial ({a.trials} trials, n_jobs=1) | {wall * 1e6:.1f} µs "
          f"(runs: {min(r[0] for r in runs) * 1e6:.1f}–{max(r[0] for r in runs) * 1e6:.1f}) |")
    print(f"| study, process CPU time per trial | {cpu * 1e6:.1f} µs |")
    print(f"| raw sampling per trial (numpy RandomState, 10 draws) | {raw * 1e6:.2f} µs |")
    print(f"| ratio study / raw sampling | {wall / raw:.0f}x |")
    if par:
        print(f"| study, wall time per trial, n_jobs={a.jobs} | "
              f"{statistics.median(r[0] for r in par) * 1e6:.1f} µs |")
        print(f"| study, process CPU time per trial, n_jobs={a.jobs} | "
              f"{statistics.median(r[1] for r in par) * 1e6:.1f} µs |")
    print()
    emit("study_wall_us_per_trial", wall * 1e6, "us", a.trials)
    emit("study_cpu_us_per_trial", cpu * 1e6, "us", a.trials)
    emit("raw_sampling_us_per_trial", raw * 1e6, "us", a.trials)
    emit("ratio_study_over_raw", wall / raw, "x", a.trials)
    if par:
        emit("study_wall_us_per_trial", statistics.median(r[0] for r in par) * 1e6, "us",
             a.trials, a.jobs)
        emit("study_cpu_us_per_trial", statistics.median(r[1] for r in par) * 1e6, "us",
             a.trials, a.jobs)


if __name__ == "__main__":
    main()
