#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Optuna's multi-objective samplers on the problems of mo_bench, in mo_bench's CSV format.

    /usr/bin/python3 bench/mo_bench/mo_optuna.py [--problems LIST|all] [--samplers LIST|all]
        [--seeds N] [--seed-offset S] [--trials N] [--budgets 200,1000] [--zdt-vars N]
        [--out FILE.csv] [--summary FILE.md] [--check]

Problems (the same definitions as mo_bench.cpp; all objectives minimized, variables in [0, 1]):

  zdt1, zdt2, zdt3  Zitzler, Deb, Thiele (2000), n variables (--zdt-vars, default 30):
                    f1 = x1, g = 1 + 9 (x2 + ... + xn) / (n - 1), f2 = g h(f1, g) with
                    h = 1 - sqrt(f1/g) (zdt1), 1 - (f1/g)^2 (zdt2),
                    1 - sqrt(f1/g) - (f1/g) sin(10 pi f1) (zdt3). Reference point (11, 11).
  dtlz2             Deb, Thiele, Laumanns, Zitzler (2002/2005), M = 3 objectives, k = 10,
                    n = M + k - 1 = 12: g = sum_{i >= M} (x_i - 0.5)^2,
                    f_m = (1 + g) prod_{i < M - m} cos(x_i pi/2) [sin(x_{M-m} pi/2) if m > 1].
                    Reference point (1.1, 1.1, 1.1).
  c2dtlz2           C2-DTLZ2 of Jain and Deb (2014): DTLZ2 (M = 3, k = 10) under one
                    constraint, feasible when c <= 0:
                    c = min( min_i [(f_i - 1)^2 + sum_{j != i} f_j^2 - r^2],
                             sum_i (f_i - 1/sqrt(M))^2 - r^2 ),  r = 0.4.
                    Reference point (1.1, 1.1, 1.1).

Samplers: nsga2 = NSGAIISampler(seed=seed) (population 50), tpe = TPESampler(seed=seed)
(multi-objective TPE with Optuna's defaults), random = RandomSampler(seed=seed); on c2dtlz2,
nsga2 and tpe get constraints_func.

CSV, one row per (problem, sampler, seed, budget), budgets read off one run of --trials trials:

  problem,n_var,n_obj,sampler,seed,budget,hypervolume,hv_optimal,n_feasible,n_best,
  best_all_feasible,overhead_s_per_trial,overhead_cpu_s_per_trial,library

  hypervolume       of the feasible Complete trials among the first `budget` (by number), at the
                    problem's reference point (points not strictly inside it add nothing)
  hv_optimal        the hypervolume of the true (feasible) Pareto front at that reference
  n_feasible        feasible trials among the first `budget` (= budget without constraints)
  n_best            len(study.best_trials) once `budget` trials have finished
  best_all_feasible 1 if every one of those trials is feasible, 0 if not (empty without
                    constraints). Optuna 3.1's best_trials does not look at constraints.
  overhead_*        (time from the start of optimize to the end of the budget-th trial, less the
                    time inside the problem's function and inside this script's best_trials
                    call) / budget, wall (perf_counter) and process CPU (process_time) seconds.
"""

import argparse
import csv
import datetime
import math
import os
import platform
import statistics
import sys
import time
from typing import Callable, Dict, List, Optional, Sequence, Tuple

PI = math.pi

# --------------------------------------------------------------------------
# Problems
# --------------------------------------------------------------------------


def zdt(kind: int, x: Sequence[float]) -> List[float]:
    """ZDT1, ZDT2 or ZDT3 (kind 1, 2, 3) at x in [0, 1]^n."""
    n = len(x)
    f1 = x[0]
    g = 1.0 + 9.0 * math.fsum(x[1:]) / (n - 1)
    r = f1 / g
    if kind == 1:
        h = 1.0 - math.sqrt(r)
    elif kind == 2:
        h = 1.0 - r * r
    else:
        h = 1.0 - math.sqrt(r) - r * math.sin(10.0 * PI * f1)
    return [f1, g * h]


def dtlz2(x: Sequence[float], m_obj: int = 3) -> List[float]:
    """DTLZ2 with m_obj objectives at x in [0, 1]^n, n >= m_obj."""
    g = math.fsum((xi - 0.5) ** 2 for xi in x[m_obj - 1:])
    f = []
    for m in range(m_obj):  # objective m + 1 of the paper
        v = 1.0 + g
        for i in range(m_obj - 1 - m):
            v *= math.cos(0.5 * PI * x[i])
        if m > 0:
            v *= math.sin(0.5 * PI * x[m_obj - 1 - m])
        f.append(v)
    return f


C2_RADIUS = 0.4  # Jain and Deb (2014) for 3 objectives


def c2_constraint(f: Sequence[float], r: float = C2_RADIUS) -> float:
    """C2-DTLZ2's constraint value at the objective vector f; feasible when <= 0."""
    m_obj = len(f)
    sumsq = math.fsum(v * v for v in f)
    corner = min((f[i] - 1.0) ** 2 + (sumsq - f[i] * f[i]) - r * r for i in range(m_obj))
    a = 1.0 / math.sqrt(m_obj)
    centre = math.fsum((v - a) ** 2 for v in f) - r * r
    return min(corner, centre)


# Hypervolumes of the true fronts at the reference points; mo_bench --optimal-hv recomputes
# the numerical ones: ZDT3 by integrating the running minimum of h(f1) (10^7 trapezoids),
# C2-DTLZ2 from grids of up to 2001 x 2001 points on the feasible part of the unit sphere,
# extrapolated (about 1e-4), checked on DTLZ2's closed form.
HV_ZDT1 = 121.0 - 1.0 / 3.0
HV_ZDT2 = 121.0 - 2.0 / 3.0
HV_ZDT3 = 128.7781161307
HV_DTLZ2 = 1.1**3 - PI / 6.0
HV_C2DTLZ2 = 0.7296  # +- 1e-4


class Problem:
    def __init__(self, name: str, n_var: int, n_obj: int, fn: Callable, reference: List[float],
                 hv_optimal: float, constrained: bool) -> None:
        self.name, self.n_var, self.n_obj, self.fn = name, n_var, n_obj, fn
        self.reference, self.hv_optimal, self.constrained = reference, hv_optimal, constrained

    def evaluate(self, x: Sequence[float]) -> Tuple[List[float], Optional[float]]:
        f = self.fn(x)
        return f, (c2_constraint(f) if self.constrained else None)


def make_problems(zdt_vars: int) -> Dict[str, Problem]:
    k = 10
    n_dtlz = 3 + k - 1
    return {
        "zdt1": Problem("zdt1", zdt_vars, 2, lambda x: zdt(1, x), [11.0, 11.0], HV_ZDT1, False),
        "zdt2": Problem("zdt2", zdt_vars, 2, lambda x: zdt(2, x), [11.0, 11.0], HV_ZDT2, False),
        "zdt3": Problem("zdt3", zdt_vars, 2, lambda x: zdt(3, x), [11.0, 11.0], HV_ZDT3, False),
        "dtlz2": Problem("dtlz2", n_dtlz, 3, dtlz2, [1.1] * 3, HV_DTLZ2, False),
        "c2dtlz2": Problem("c2dtlz2", n_dtlz, 3, dtlz2, [1.1] * 3, HV_C2DTLZ2, True),
    }


# --------------------------------------------------------------------------
# Hypervolume (exact; minimization; points not strictly inside the reference are dropped)
# --------------------------------------------------------------------------


def _hv2(points: List[Tuple[float, float]], ref: Sequence[float]) -> float:
    pts = sorted(p for p in points if p[0] < ref[0] and p[1] < ref[1])
    hv, best2 = 0.0, ref[1]
    for i, (a, b) in enumerate(pts):
        if b < best2:
            best2 = b
        nxt = pts[i + 1][0] if i + 1 < len(pts) else ref[0]
        hv += (nxt - a) * (ref[1] - best2)
    return hv


def _front(points: List[Sequence[float]]) -> List[Sequence[float]]:
    """The points no other point dominates (repeats kept once)."""
    pts = sorted(set(tuple(p) for p in points))
    out: List[Sequence[float]] = []
    for p in pts:  # lexicographic order: a dominator of p comes before p
        if not any(all(q[j] <= p[j] for j in range(len(p))) for q in out):
            out.append(p)
    return out


def hypervolume(points: List[Sequence[float]], ref: Sequence[float]) -> float:
    pts = [tuple(p) for p in points if all(p[j] < ref[j] for j in range(len(ref)))]
    if not pts:
        return 0.0
    if len(ref) == 1:
        return ref[0] - min(p[0] for p in pts)
    if len(ref) == 2:
        return _hv2(pts, ref)
    if len(ref) != 3:
        raise ValueError("hypervolume: 1 to 3 objectives")
    pts = sorted(_front(pts), key=lambda p: p[2])
    hv = 0.0
    for i in range(len(pts)):  # slab between the i-th and the next third coordinate
        top = pts[i + 1][2] if i + 1 < len(pts) else ref[2]
        if top > pts[i][2]:
            hv += (top - pts[i][2]) * _hv2([(p[0], p[1]) for p in pts[: i + 1]], ref)
    return hv


# --------------------------------------------------------------------------
# Samplers and one run
# --------------------------------------------------------------------------

ALL_SAMPLERS = ["nsga2", "tpe", "random"]
SAMPLER_DOC = {
    "nsga2": "NSGAIISampler(seed) defaults (population 50), constraints_func on c2dtlz2",
    "tpe": "TPESampler(seed) defaults (multi-objective TPE), constraints_func on c2dtlz2",
    "random": "RandomSampler(seed)",
}


def run_one(problem: Problem, sname: str, seed: int, n_trials: int, budgets: Sequence[int]):
    import optuna

    names = [f"x{i}" for i in range(problem.n_var)]
    values: Dict[int, List[float]] = {}
    constraint: Dict[int, float] = {}
    obj_wall = [0.0]
    obj_cpu = [0.0]
    done: List[Tuple[float, float, float, float]] = []  # wall, cpu, cumulative objective time
    best_at: Dict[int, Tuple[int, Optional[bool]]] = {}
    measure = [0.0, 0.0]  # wall, CPU spent in best_trials below

    def objective(trial):
        x = [trial.suggest_float(n, 0.0, 1.0) for n in names]
        t, c = time.perf_counter(), time.process_time()
        f, con = problem.evaluate(x)
        obj_cpu[0] += time.process_time() - c
        obj_wall[0] += time.perf_counter() - t
        values[trial.number] = f
        if con is not None:
            constraint[trial.number] = con
        return f

    def constraints_func(frozen):
        return [constraint[frozen.number]]

    def on_done(study, frozen) -> None:
        w, c = time.perf_counter(), time.process_time()
        # The end of this trial, less the earlier calls of this callback.
        done.append((w - measure[0], c - measure[1], obj_wall[0], obj_cpu[0]))
        if len(done) in budgets:
            best = study.best_trials
            feas = all(constraint[t.number] <= 0.0 for t in best) if problem.constrained else None
            best_at[len(done)] = (len(best), feas)
        measure[0] += time.perf_counter() - w
        measure[1] += time.process_time() - c

    cf = constraints_func if problem.constrained else None
    s = optuna.samplers
    if sname == "nsga2":
        sampler = s.NSGAIISampler(seed=seed, constraints_func=cf)
    elif sname == "tpe":
        sampler = s.TPESampler(seed=seed, constraints_func=cf)
    elif sname == "random":
        sampler = s.RandomSampler(seed=seed)
    else:
        raise ValueError(f"unknown sampler {sname!r}")
    study = optuna.create_study(directions=["minimize"] * problem.n_obj, sampler=sampler)
    t0, c0 = time.perf_counter(), time.process_time()
    study.optimize(objective, n_trials=n_trials, callbacks=[on_done], gc_after_trial=False)
    if len(done) != n_trials or len(values) != n_trials:
        raise RuntimeError(f"{problem.name}/{sname}/seed {seed}: {len(done)} trials")
    rows = []
    for b in budgets:
        feasible = [values[i] for i in range(b)
                    if not problem.constrained or constraint[i] <= 0.0]
        wall, cpu, ow, oc = done[b - 1]
        n_best, all_feas = best_at[b]
        rows.append(dict(
            hypervolume=hypervolume(feasible, problem.reference), n_feasible=len(feasible),
            n_best=n_best, best_all_feasible="" if all_feas is None else int(all_feas),
            overhead_s_per_trial=(wall - t0 - ow) / b, overhead_cpu_s_per_trial=(cpu - c0 - oc) / b))
    return rows


# --------------------------------------------------------------------------
# Check
# --------------------------------------------------------------------------


def check(problems: Dict[str, Problem]) -> int:
    import random

    bad = 0

    def report(what: str, err: float, tol: float = 1e-12) -> None:
        nonlocal bad
        ok = err <= tol
        bad += not ok
        print(f"{what:<58} max error {err:.2e} {'OK' if ok else 'FAIL'}")

    rng = random.Random(1)
    n = problems["zdt1"].n_var
    fronts = {1: lambda a: 1 - math.sqrt(a), 2: lambda a: 1 - a * a,
              3: lambda a: 1 - math.sqrt(a) - a * math.sin(10 * PI * a)}
    for kind, h in fronts.items():
        err = 0.0
        for a in [i / 100 for i in range(101)]:
            f = zdt(kind, [a] + [0.0] * (n - 1))
            err = max(err, abs(f[0] - a), abs(f[1] - h(a)))
        report(f"zdt{kind}: x = (a, 0, ..., 0) gives f2 = h(a) on the front", err)
    # Off the front: g = 1 + 9 mean(x2..xn); x2..xn = 1 gives g = 10, zdt1's f2 = 10 - sqrt(10 a).
    err = max(abs(zdt(1, [a] + [1.0] * (n - 1))[1] - (10 - math.sqrt(10 * a))) for a in (0, .3, 1))
    report("zdt1: x2..xn = 1 gives f2 = 10 - sqrt(10 f1)", err)
    err = 0.0
    for _ in range(1000):
        x = [rng.random() for _ in range(2)] + [0.5] * 10
        err = max(err, abs(math.fsum(v * v for v in dtlz2(x)) - 1.0))
    report("dtlz2: x3..x12 = 0.5 gives sum f_i^2 = 1", err)
    half = [0.5] * 10
    err = max(max(abs(u - v) for u, v in zip(dtlz2([0.0, 0.0] + half), [1, 0, 0])),
              max(abs(u - v) for u, v in zip(dtlz2([0.0, 1.0] + half), [0, 1, 0])),
              max(abs(u - v) for u, v in zip(dtlz2([1.0, 0.3] + half), [0, 0, 1])),
              max(abs(u - v) for u, v in zip(dtlz2([0.0, 0.0] + [1.0] * 10), [3.5, 0, 0])))
    report("dtlz2: corners (1,0,0), (0,1,0), (0,0,1); g = 2.5 at x = 1", err, 1e-15)
    s = 1 / math.sqrt(3)
    cases = [([1, 0, 0], -0.16), ([s, s, s], -0.16), ([0.5 ** 0.5, 0.5 ** 0.5, 0], None),
             ([1.3, 0, 0], 0.09 - 0.16)]
    err = 0.0
    for f, want in cases:
        c = c2_constraint(f)
        if want is None:
            err = max(err, 0.0 if c > 0 else 1.0)  # must be infeasible
        else:
            err = max(err, abs(c - want))
    report("c2dtlz2: c at (1,0,0), centre, (1,1,0)/sqrt2 (infeasible), (1.3,0,0)", err, 1e-15)
    # Hypervolume against closed forms.
    pts = [(a / 1000, 1 - math.sqrt(a / 1000)) for a in range(1001)]
    report("hypervolume 2-D: zdt1 front, 1001 points, at (11, 11)",
           abs(hypervolume(pts, [11, 11]) - HV_ZDT1), 2e-3)
    report("hypervolume 3-D: unit cube corner points",
           abs(hypervolume([(0, 0, 0.5), (0.5, 0.5, 0), (1.0, 1.0, 1.0)], [1, 1, 1]) -
               (0.5 + 0.25 * 0.5)), 1e-15)
    try:  # against Optuna's own hypervolume on random sets
        import numpy as np
        from optuna._hypervolume import WFG
        err = 0.0
        for d in (2, 3):
            for _ in range(20):
                p = [[rng.random() for _ in range(d)] for _ in range(40)]
                ref = [1.0] * d
                err = max(err, abs(hypervolume(p, ref) - WFG().compute(np.array(p), np.array(ref))))
        report("hypervolume 2-D and 3-D vs optuna._hypervolume.WFG, 40 points", err, 1e-12)
    except ImportError:
        print("(optuna._hypervolume not importable: comparison skipped)")
    return 1 if bad else 0


# --------------------------------------------------------------------------
# Summary and main
# --------------------------------------------------------------------------


def _q(v: List[float], q: float) -> float:
    v = sorted(v)
    pos = q * (len(v) - 1)
    lo = int(math.floor(pos))
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (pos - lo) * (v[hi] - v[lo])


def summarize(rows: List[dict], header: str) -> str:
    out = [header, "",
           "Median hypervolume over seeds [p25, p75], median |best_trials|, share of runs whose "
           "best_trials are all feasible (constrained problem), median overhead per trial (ms).", "",
           "| problem | n | sampler | budget | HV median [p25, p75] | optimal HV | |best| | "
           "all feasible | wall ms/trial | CPU ms/trial | seeds |",
           "|---|---|---|---|---|---|---|---|---|---|---|"]
    groups: Dict[Tuple[str, str, int], List[dict]] = {}
    for r in rows:
        groups.setdefault((r["problem"], r["sampler"], r["budget"]), []).append(r)
    for (p, s, b), rs in groups.items():
        hv = [r["hypervolume"] for r in rs]
        feas = [r["best_all_feasible"] for r in rs if r["best_all_feasible"] != ""]
        out.append(
            f"| {p} | {rs[0]['n_var']} | {s} | {b} | {_q(hv, .5):.4f} [{_q(hv, .25):.4f}, "
            f"{_q(hv, .75):.4f}] | {rs[0]['hv_optimal']:.4f} | "
            f"{statistics.median(r['n_best'] for r in rs):g} | "
            f"{(f'{sum(feas)}/{len(feas)}' if feas else '-')} | "
            f"{1e3 * statistics.median(r['overhead_s_per_trial'] for r in rs):.3f} | "
            f"{1e3 * statistics.median(r['overhead_cpu_s_per_trial'] for r in rs):.3f} | {len(rs)} |")
    return "\n".join(out)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--problems", default="all", help="comma list or 'all': zdt1,zdt2,zdt3,dtlz2,c2dtlz2")
    p.add_argument("--samplers", default="all", help="comma list or 'all': " + ",".join(ALL_SAMPLERS))
    p.add_argument("--seeds", type=int, default=10, help="seeds S..S+N-1 (default 10)")
    p.add_argument("--seed-offset", type=int, default=0, help="first seed S (default 0)")
    p.add_argument("--trials", type=int, default=1000, help="trials per run (default 1000)")
    p.add_argument("--budgets", default="200,1000", help="budgets (default 200,1000; --trials added)")
    p.add_argument("--zdt-vars", type=int, default=30, help="variables of the ZDT problems (default 30)")
    p.add_argument("--out", default="mo_optuna.csv", help="CSV output (default mo_optuna.csv)")
    p.add_argument("--summary", default=None, help="also write the Markdown table here")
    p.add_argument("--check", action="store_true", help="check the problems and the hypervolume, exit")
    a = p.parse_args(argv)

    if a.zdt_vars < 2:
        p.error("--zdt-vars must be >= 2")
    problems = make_problems(a.zdt_vars)
    if a.check:
        return check(problems)
    names = list(problems) if a.problems == "all" else a.problems.split(",")
    for n in names:
        if n not in problems:
            p.error(f"unknown problem {n!r}")
    samplers = ALL_SAMPLERS if a.samplers == "all" else a.samplers.split(",")
    for s in samplers:
        if s not in ALL_SAMPLERS:
            p.error(f"unknown sampler {s!r}")
    if a.seeds < 1 or a.trials < 1:
        p.error("--seeds and --trials must be >= 1")
    try:
        budgets = sorted({int(b) for b in a.budgets.split(",") if 1 <= int(b) <= a.trials} | {a.trials})
    except ValueError:
        p.error("--budgets needs a comma list of integers")

    import optuna
    import warnings

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    library = f"optuna-{optuna.__version__}"
    seeds = list(range(a.seed_offset, a.seed_offset + a.seeds))
    start = time.time()
    rows = []
    for name in names:
        prob = problems[name]
        for s in samplers:
            for seed in seeds:
                t = time.time()
                for b, r in zip(budgets, run_one(prob, s, seed, a.trials, budgets)):
                    rows.append(dict(problem=name, n_var=prob.n_var, n_obj=prob.n_obj, sampler=s,
                                     seed=seed, budget=b, hypervolume=r["hypervolume"],
                                     hv_optimal=prob.hv_optimal, n_feasible=r["n_feasible"],
                                     n_best=r["n_best"], best_all_feasible=r["best_all_feasible"],
                                     overhead_s_per_trial=r["overhead_s_per_trial"],
                                     overhead_cpu_s_per_trial=r["overhead_cpu_s_per_trial"],
                                     library=library))
                print(f"# {name}/{s}/seed {seed}: {time.time() - t:.1f} s", file=sys.stderr, flush=True)
    elapsed = time.time() - start
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0].keys()), lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({k: (repr(v) if isinstance(v, float) else v) for k, v in r.items()})
    header = (f"{library} | Python {platform.python_version()} | {platform.machine()} "
              f"{os.cpu_count()} cpu | {datetime.date.today().isoformat()} | seeds "
              f"{seeds[0]}..{seeds[-1]} | trials {a.trials} | budgets "
              f"{','.join(map(str, budgets))} | zdt vars {a.zdt_vars} | total wall {elapsed:.1f} s")
    text = summarize(rows, header)
    print(text)
    if a.summary:
        with open(a.summary, "w") as fh:
            fh.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
