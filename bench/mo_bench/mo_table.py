#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Side-by-side tables from the CSVs of mo_bench and mo_optuna.py (standard library only).

    /usr/bin/python3 bench/mo_bench/mo_table.py FILE.csv [FILE.csv ...] [--samplers nsga2,tpe,random]

Prints three Markdown tables:
  1. per (problem, budget): the optimal hypervolume, then the median hypervolume over seeds with
     [p25, p75] for each (library, sampler), hpo's column before Optuna's;
  2. per (problem, budget): the median overhead per trial (process CPU ms, and wall ms) of each
     (library, sampler), and the ratio Optuna / hpo of the CPU medians for each sampler;
  3. for the constrained problem: the median number of best trials and the runs whose best
     trials are all feasible.
A cell shows the number of seeds when it is not the same as the others' (e.g. "(9)"). A problem
found with several numbers of variables is shown once per size, as "zdt1-30".
"""

import argparse
import csv
import math
import statistics
import sys
from typing import Dict, List, Tuple


def quantile(v: List[float], q: float) -> float:
    v = sorted(v)
    pos = q * (len(v) - 1)
    lo = int(math.floor(pos))
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (pos - lo) * (v[hi] - v[lo])


def fmt_hv(x: float, optimal: float) -> str:
    return f"{x:.2f}" if optimal > 10 else f"{x:.3f}"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("csv", nargs="+")
    p.add_argument("--samplers", default="nsga2,tpe,random")
    a = p.parse_args(argv)

    rows: List[dict] = []
    for path in a.csv:
        with open(path, newline="") as fh:
            rows.extend(csv.DictReader(fh))
    if not rows:
        print("no rows", file=sys.stderr)
        return 1
    sizes: Dict[str, set] = {}
    for r in rows:
        sizes.setdefault(r["problem"], set()).add(r["n_var"])
    for r in rows:  # a problem run with several sizes gets one line per size
        if len(sizes[r["problem"]]) > 1:
            r["problem"] = f"{r['problem']}-{r['n_var']}"
    problems: List[str] = []
    budgets: List[int] = []
    for r in rows:
        if r["problem"] not in problems:
            problems.append(r["problem"])
        if int(r["budget"]) not in budgets:
            budgets.append(int(r["budget"]))
    budgets.sort()
    libs = ["hpo", "optuna"]
    samplers = a.samplers.split(",")
    groups: Dict[Tuple[str, str, str, int], List[dict]] = {}
    for r in rows:
        lib = r["library"].split("-")[0]
        groups.setdefault((r["problem"], int(r["budget"]), lib, r["sampler"]), []).append(r)
    cols = [(s, lib) for s in samplers for lib in libs
            if any(k[2] == lib and k[3] == s for k in groups)]
    seeds = statistics.mode(len(v) for v in groups.values())

    def n_note(rs: List[dict]) -> str:
        return "" if len(rs) == seeds else f" ({len(rs)})"

    def name(s: str, lib: str) -> str:
        return f"{lib} {s}"

    # 1. hypervolume
    out = ["| problem | n | budget | optimal HV | " + " | ".join(name(s, l) for s, l in cols) + " |",
           "|---|---|---|---|" + "---|" * len(cols)]
    for prob in problems:
        for b in budgets:
            any_rows = [g for k, g in groups.items() if k[0] == prob and k[1] == b]
            if not any_rows:
                continue
            opt = float(any_rows[0][0]["hv_optimal"])
            cells = []
            for s, lib in cols:
                rs = groups.get((prob, b, lib, s))
                if not rs:
                    cells.append("-")
                    continue
                hv = [float(r["hypervolume"]) for r in rs]
                cells.append(f"{fmt_hv(quantile(hv, .5), opt)} [{fmt_hv(quantile(hv, .25), opt)}, "
                             f"{fmt_hv(quantile(hv, .75), opt)}]{n_note(rs)}")
            out.append(f"| {prob} | {any_rows[0][0]['n_var']} | {b} | {fmt_hv(opt, opt)} | "
                       + " | ".join(cells) + " |")
    print("\n".join(out))
    print()

    # 2. cost
    ratio_samplers = [s for s in samplers if (s, "hpo") in cols and (s, "optuna") in cols]
    out = ["| problem | budget | " + " | ".join(f"{name(s, l)} CPU (wall) ms" for s, l in cols) + " | "
           + " | ".join(f"{s} Optuna/hpo" for s in ratio_samplers) + " |",
           "|---|---|" + "---|" * (len(cols) + len(ratio_samplers))]
    for prob in problems:
        for b in budgets:
            med: Dict[Tuple[str, str], float] = {}
            cells = []
            for s, lib in cols:
                rs = groups.get((prob, b, lib, s))
                if not rs:
                    cells.append("-")
                    continue
                cpu = 1e3 * statistics.median(float(r["overhead_cpu_s_per_trial"]) for r in rs)
                wall = 1e3 * statistics.median(float(r["overhead_s_per_trial"]) for r in rs)
                med[(s, lib)] = cpu
                cells.append(f"{cpu:.3g} ({wall:.3g})")
            if all(c == "-" for c in cells):
                continue
            for s in ratio_samplers:
                if (s, "hpo") in med and (s, "optuna") in med:
                    cells.append(f"{med[(s, 'optuna')] / med[(s, 'hpo')]:.1f}x")
                else:
                    cells.append("-")
            out.append(f"| {prob} | {b} | " + " | ".join(cells) + " |")
    print("\n".join(out))
    print()

    # 3. feasibility of the best trials
    constrained = [prob for prob in problems
                   if any(r["best_all_feasible"] != "" for r in rows if r["problem"] == prob)]
    if constrained:
        out = ["| problem | budget | " + " | ".join(name(s, l) for s, l in cols) + " |",
               "|---|---|" + "---|" * len(cols)]
        for prob in constrained:
            for b in budgets:
                cells = []
                for s, lib in cols:
                    rs = groups.get((prob, b, lib, s))
                    if not rs:
                        cells.append("-")
                        continue
                    feas = sum(int(r["best_all_feasible"]) for r in rs)
                    nb = statistics.median(int(r["n_best"]) for r in rs)
                    nf = statistics.median(int(r["n_feasible"]) for r in rs)
                    cells.append(f"{nb:g} best, {feas}/{len(rs)} all feasible, {nf:g} feasible")
                out.append(f"| {prob} | {b} | " + " | ".join(cells) + " |")
        print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
